"""Credential detection and masking from one list of shapes (data/secret-patterns.yaml).

Checks ask `credential_kind(text)`; reports and evidence bundles pass text through `mask(text)`.
A masked value reads `<redacted:KIND>`, which `credential_kind` still reports, so a replayed
bundle gives the same verdict as the live run without ever holding the value.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

import yaml

MARKER = re.compile(r"<redacted:([a-z-]+)>")


@cache
def _data() -> dict:
    return yaml.safe_load(resources.files("pytest_agentrun").joinpath("data/secret-patterns.yaml").read_text())


@cache
def _value_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(p["kind"], re.compile(p["regex"])) for p in _data()["values"]]


@cache
def _hints() -> dict[str, tuple[str, ...]]:
    """kind -> literals (lower case) of which every match holds one; kinds without a hint: none."""
    return {p["kind"]: tuple(h.lower() for h in p["hint"]) for p in _data()["values"] if p.get("hint")}


def _may_match(kind: str, lower: str) -> bool:
    hints = _hints().get(kind)
    return hints is None or any(h in lower for h in hints)


@cache
def _key_value_pattern() -> re.Pattern[str]:
    """`<secret-named key>: value` on one line (YAML, env, INI, JSON text)."""
    words = "|".join(_data()["secret_key_words"])
    suffixes = "|".join(sorted(_data()["reference_key_suffixes"], key=len, reverse=True))
    key = rf"[\w.-]*(?:{words})(?![\w-]*(?:{suffixes})\b)[\w.-]*"
    return re.compile(rf"(?i)\b({key}\"?[ \t]*[:=][ \t]*\"?)(?!<redacted:)([^\s\"',{{}}\[\]*$<][^\s\"',}}]*)")


def _normal(key: str) -> str:
    return re.sub(r"[-_]", "", key.lower())


@lru_cache(maxsize=4096)   # mapping keys repeat across every object of a report
def secret_key(key: str) -> bool:
    """Whether a mapping key names a secret value, not a reference to one: `sshKey` and
    `GITHUB_TOKEN` hold secrets, `secretName` and `secretKey` only name them."""
    normal = _normal(key)
    suffixes = _data()["reference_key_suffixes"]
    for word in _data()["secret_key_words"]:
        start = normal.find(word)
        if start >= 0 and not any(normal[start + len(word):].endswith(s) for s in suffixes):
            return True
    return False


def credential_kind(text: str) -> str | None:
    """The kind of credential the text holds (private-key, token, url-credential ...), if any."""
    marker = MARKER.search(text)
    if marker:
        return marker.group(1)
    lower = text.lower()
    for kind, pattern in _value_patterns():
        if _may_match(kind, lower) and pattern.search(text):
            return kind
    if _names_a_secret_word(text) and _key_value_pattern().search(text):
        return "secret-value"
    return None


def _names_a_secret_word(text: str) -> bool:
    """Whether the text holds a secret key word at all: the key-value pattern cannot match without
    one, and it is by far the slowest to search (reports mask every string of every finding)."""
    lower = text.lower()
    return any(word in lower for word in _data()["secret_key_words"])


def _masked(match: re.Match[str], kind: str) -> str:
    if "secret" not in match.re.groupindex:
        return f"<redacted:{kind}>"
    start, end = match.span("secret")
    return match.group(0)[: start - match.start()] + f"<redacted:{kind}>" + match.group(0)[end - match.start():]


@lru_cache(maxsize=65536)   # a report masks the same subjects and reasons many times over
def mask(text: str) -> str:
    """The text with every credential value replaced by `<redacted:KIND>`."""
    lower = text.lower()
    for kind, pattern in _value_patterns():
        if _may_match(kind, lower):
            text = pattern.sub(lambda m, kind=kind: _masked(m, kind), text)
    if not _names_a_secret_word(text):
        return text
    return _key_value_pattern().sub(lambda m: m.group(1) + "<redacted:secret-value>", text)
