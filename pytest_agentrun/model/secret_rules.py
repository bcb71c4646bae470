"""A ruleset for credentials in gitleaks' format: gitleaks' published rules, then the lane's own.

Rules are read from data/secret-rules/ (gitleaks.toml, copied from gitleaks with its source, and
agentrun.toml) and applied as gitleaks applies them: a rule runs only on text holding one of its
keywords; its secret is `secretGroup` (else the first group that matched, else the whole match);
a secret below the rule's Shannon entropy, or allowed by the rule's or the global allowlist
(regexes, stopwords), is no finding. The regexes are Go RE2: `translate` makes the few that
Python's `re` reads differently (a flag group that is not at the start, `\\z`) mean the same.
"""

from __future__ import annotations

import math
import re
import tomllib
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Iterator

FILES = ("gitleaks.toml", "agentrun.toml")


@dataclass(frozen=True)
class Allowlist:
    regexes: tuple[re.Pattern[str], ...] = ()
    stopwords: tuple[str, ...] = ()
    target: str = "secret"  # secret, match or line (gitleaks' regexTarget)
    all_of: bool = False  # gitleaks' condition = "AND"

    def allows(self, secret: str, match: str, line: str) -> bool:
        target = {"match": match, "line": line}.get(self.target, secret)
        checks = []
        if self.regexes:
            checks.append(any(r.search(target) for r in self.regexes))
        if self.stopwords:
            checks.append(any(word in secret.lower() for word in self.stopwords))
        return bool(checks) and (all(checks) if self.all_of else any(checks))


@dataclass(frozen=True)
class Rule:
    id: str
    regex: re.Pattern[str]
    keywords: tuple[str, ...]
    secret_group: int | None = None
    entropy: float | None = None
    allowlists: tuple[Allowlist, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Hit:
    rule: str
    start: int  # of the secret in the text
    end: int


def translate(go_regex: str) -> str:
    """A Go RE2 regex as Python reads it: inline flags Go allows anywhere are moved to the front
    (they then cover the whole pattern: a rule may match more, never less), `\\z` becomes `\\Z`."""
    regex = go_regex.replace(r"\z", r"\Z")
    flags = set()

    def lift(match: re.Match[str]) -> str:
        if match.start() == 0:
            return match.group(0)
        flags.update(match.group(1))
        return ""

    regex = re.sub(r"\(\?([imsx]+)\)", lift, regex)
    return (f"(?{''.join(sorted(flags))})" if flags else "") + regex


def _compile(go_regex: str) -> re.Pattern[str]:
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", FutureWarning
        )  # "possible nested set": RE2 reads those literally too
        return re.compile(translate(go_regex))


def _allowlist(raw: dict) -> Allowlist:
    return Allowlist(
        tuple(_compile(r) for r in raw.get("regexes", [])),
        tuple(w.lower() for w in raw.get("stopwords", [])),
        raw.get("regexTarget", "secret"),
        raw.get("condition", "OR").upper() == "AND",
    )


def _rule(raw: dict) -> Rule | None:
    if "regex" not in raw:
        return None  # path-only rules (a file's name, not its text)
    lists = tuple(
        _allowlist(a) for a in raw.get("allowlists", []) if a.get("regexes") or a.get("stopwords")
    )
    return Rule(
        raw["id"],
        _compile(raw["regex"]),
        tuple(k.lower() for k in raw.get("keywords", [])),
        raw.get("secretGroup"),
        raw.get("entropy"),
        lists,
    )


@cache
def ruleset() -> tuple[tuple[Rule, ...], Allowlist, dict]:
    """(rules, the global allowlist, the [keys] table of agentrun.toml)."""
    folder = resources.files("pytest_agentrun").joinpath("data/secret-rules")
    rules: list[Rule] = []
    global_list, keys = Allowlist(), {}
    for name in FILES:
        data = tomllib.loads(folder.joinpath(name).read_text())
        rules += [r for r in map(_rule, data.get("rules", [])) if r is not None]
        if "allowlist" in data:
            global_list = _allowlist(data["allowlist"])
        keys = data.get("keys", keys)
    return tuple(rules), global_list, keys


@cache
def _keyword_index() -> tuple[re.Pattern[str], dict[str, list[Rule]], tuple[Rule, ...]]:
    """One regex finding every keyword at once, the rules of each keyword, and rules with none.
    (A rule with no keyword, such as a path-only one, runs on every text.)"""
    rules = ruleset()[0]
    by_keyword: dict[str, list[Rule]] = {}
    for rule in rules:
        for keyword in rule.keywords:
            by_keyword.setdefault(keyword, []).append(rule)
    return (
        re.compile(_trie_regex(sorted(by_keyword))),
        by_keyword,
        tuple(r for r in rules if not r.keywords),
    )


def _trie_regex(words: list[str]) -> str:
    """One regex for many words, their common prefixes factored out (a trie): at each position of a
    text only the branch of its next character is tried, where a plain alternation tries all ~400
    keywords (it made scanning a 3 MB catalog take seconds)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return body + "?" if ends else body

    return build(trie)


def _candidate_rules(text: str) -> list[Rule]:
    pattern, by_keyword, always = _keyword_index()
    lower = text.lower()
    found = {m.group(0) for m in pattern.finditer(lower)}
    # Overlapping keywords hide each other from finditer: check every keyword the matches contain.
    found |= {k for k in by_keyword if k in lower} if found else set()
    if not found:
        return list(always)
    chosen = {rule.id for keyword in found for rule in by_keyword[keyword]}
    return [r for r in ruleset()[0] if r.id in chosen or not r.keywords]  # in ruleset order: stable


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


def hits(text: str) -> Iterator[Hit]:
    """Every secret the rules find in the text, in rule order."""
    _, global_list, _ = ruleset()
    for rule in _candidate_rules(text):
        for match in rule.regex.finditer(text):
            group = rule.secret_group or next((i for i, g in enumerate(match.groups(), 1) if g), 0)
            if group > (rule.regex.groups or 0) or match.group(group) is None:
                group = 0
            secret = match.group(group)
            if not secret or (rule.entropy and entropy(secret) < rule.entropy):
                continue
            line = _line_at(text, match.start())
            if global_list.allows(secret, match.group(0), line) or any(
                a.allows(secret, match.group(0), line) for a in rule.allowlists
            ):
                continue
            yield Hit(rule.id, match.start(group), match.end(group))


def _line_at(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end >= 0 else len(text)]
