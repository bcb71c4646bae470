"""The lane's forbidden targets (profile `forbiddenTargets`): where a value points at one, and
whether a text presents one as a v0.1 target or only mentions it as deprecation or history.

Two uses:
- `ForbiddenTargets.named_in(value)`: a plain value of the lane (a namespace, a param, a path)
  that points at a legacy namespace, the `master` branch, the legacy directory `/root/agentrun`
  (not `/root/agentrun-v01`) or a D601 marker (LG-01, LG-02).
- `mentions(text, names)`: every sentence of a Markdown/text file that names a forbidden
  namespace, classified with the cue phrases of data/forbidden-phrases.yaml (SRC-06):
  `target` (presented as a v0.1 namespace, destination, pipeline or acceptance target),
  `history` (deprecation, prohibition or history text) or `unqualified` (named outside
  deprecation or history text, which the spec does not allow either).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Iterator


from .. import yaml_text
from ..lane import LaneProfile


# -- values that point at a forbidden target -----------------------------------------------------


def _token(words: list[str]) -> re.Pattern[str]:
    """The words as whole tokens: `agentrun_dev` but not `agentrun_dev2` or `agentrun-dev-x`."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


@dataclass(frozen=True)
class Examined:
    """One value of the lane searched for legacy targets (LG-01): what it is in the reviewer's
    words, where to open it, and its content (None: it could not be read)."""

    subject: str
    where: str
    content: Any


@dataclass(frozen=True)
class ForbiddenTargets:
    namespaces: tuple[str, ...]
    branches: tuple[str, ...]
    paths: tuple[str, ...]
    markers: tuple[str, ...]

    @classmethod
    def of(cls, profile: LaneProfile) -> "ForbiddenTargets":
        data = profile.forbidden_targets
        return cls(
            *(
                tuple(data.get(key, []))
                for key in ("namespaces", "branches", "paths", "legacyMarkers")
            )
        )

    def named_in(self, value: str) -> list[str]:
        """What the value points at, in words (`namespace agentrun_prod`, `branch master` ...)."""
        found = (
            [f"namespace {m}" for m in _token(list(self.namespaces)).findall(value)]
            if self.namespaces
            else []
        )
        branch = re.fullmatch(r"(?:refs/heads/|origin/)?(.+)", value.strip())
        if branch and branch[1] in self.branches:
            found.append(f"branch {branch[1]}")
        # The legacy directory by its last components: `/root/agentrun`, `/root/agentrun/x`,
        # `G14:/root/agentrun`, a sandbox's `<dir>/root/agentrun`; never `/root/agentrun-v01`.
        found += [
            f"legacy path {p}"
            for p in self.paths
            if re.search(re.escape(p.rstrip("/")) + r"(?![\w.-])", value)
        ]
        for marker in self.markers:
            # A host or directory marker such as D601, also as `d601-node` or `/data/D601/`, but
            # never inside a hex digest; path markers (`/root/agentrun/`) are the paths above.
            if not marker.startswith("/") and re.search(
                rf"(?<![a-z0-9]){re.escape(marker)}(?![a-z0-9])", value, re.I
            ):
                found.append(f"legacy marker {marker}")
        return found


def members(node: Any, path: str = "$") -> Iterator[tuple[str, str | None, Any]]:
    """(json path, key or None for a list item, value) of every member of a JSON-like
    tree, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{path}.{key}", key, value
            yield from members(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield f"{path}[{index}]", None, value
            yield from members(value, f"{path}[{index}]")


def string_leaves(node: Any) -> Iterator[tuple[str, str]]:
    """(json path, value) of every string value in a JSON-like tree."""
    return ((path, value) for path, _, value in members(node) if isinstance(value, str))


# -- text that names a forbidden namespace -------------------------------------------------------


@dataclass(frozen=True)
class Cues:
    history: tuple[re.Pattern[str], ...]
    prohibition: tuple[re.Pattern[str], ...]
    target: tuple[str, ...]  # regex sources with a {name} placeholder

    def first(self, kinds: tuple[re.Pattern[str], ...], text: str) -> str | None:
        return next((m[0] for p in kinds if (m := p.search(text))), None)

    def target_phrase(self, sentence: str, name: str) -> str | None:
        for source in self.target:
            match = re.search(source.replace("{name}", re.escape(name)), sentence, re.IGNORECASE)
            if match:
                return match[0]
        return None


@cache
def cues() -> Cues:
    data = yaml_text.load(
        resources.files("pytest_agentrun").joinpath("data/forbidden-phrases.yaml").read_text()
    )
    compile_all = lambda key: tuple(re.compile(p, re.IGNORECASE) for p in data[key])  # noqa: E731
    return Cues(compile_all("history"), compile_all("prohibition"), tuple(data["target"]))


@dataclass(frozen=True)
class Mention:
    line: int  # 1-based line of the file
    name: str  # the forbidden namespace named
    sentence: str
    verdict: str  # "history" | "target" | "unqualified"
    cue: str  # the phrase or heading that decided it

    @property
    def ok(self) -> bool:
        return self.verdict == "history"


SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])")
CLAUSE_BREAK = re.compile(r"[,;:()，；：、（）]|\s[-–—]\s")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
FENCE = re.compile(r"^\s*(```|~~~)")


def mentions(text: str, names: list[str]) -> list[Mention]:
    """Every (sentence, forbidden name) of the text, classified."""
    pattern = _token(names)
    found: list[Mention] = []
    for block, headings in _blocks(text):
        block_text = " ".join(line for _, line in block)
        for sentence, lines in _sentences(block):
            for match in pattern.finditer(sentence):
                line = lines[match.start()]
                verdict, cue = classify(
                    sentence, match.start(), match[0], names, block_text, headings
                )
                found.append(Mention(line, match[0], sentence.strip(), verdict, cue))
    return found


def classify(
    sentence: str,
    at: int,
    name: str,
    names: list[str],
    block: str = "",
    headings: tuple[str, ...] = (),
) -> tuple[str, str]:
    """(verdict, deciding cue) of one mention of `name` at offset `at` of `sentence`."""
    c = cues()
    clauses = _clauses(sentence)
    own = next(
        (i for i, (start, text) in enumerate(clauses) if start <= at < start + len(text)), None
    )
    if cue := c.first(c.history + c.prohibition, clauses[own][1] if own is not None else sentence):
        return "history", cue
    # A history word in a clause that names no other forbidden target covers the whole sentence
    # ("Formerly, v0.1 was ..."); one beside another name is about that name only.
    others = [
        text for i, (_, text) in enumerate(clauses) if i != own and not _token(names).search(text)
    ]
    if cue := next(filter(None, (c.first(c.history, t) for t in others)), None):
        return "history", cue
    if phrase := c.target_phrase(sentence, name):
        return "target", phrase
    if cue := c.first(c.history, block):
        return "history", cue
    heading = next((h for h in reversed(headings) if c.first(c.history, h)), None)
    if heading:
        return "history", f"under heading {heading!r}"
    return "unqualified", "no deprecation or history wording"


def _clauses(sentence: str) -> list[tuple[int, str]]:
    """(offset, text) of the sentence's clauses, split at commas, colons, brackets and dashes."""
    result, start = [], 0
    for match in CLAUSE_BREAK.finditer(sentence):
        result.append((start, sentence[start : match.start()]))
        start = match.end()
    result.append((start, sentence[start:]))
    return [(s, t) for s, t in result if t.strip()]


def _blocks(text: str) -> Iterator[tuple[list[tuple[int, str]], tuple[str, ...]]]:
    """Paragraphs, list items, table rows and headings (each code line on its own), with the
    headings that enclose them."""
    headings: list[tuple[int, str]] = []
    block: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        heading = HEADING.match(line) if not fenced else None
        starts_new = (
            not line.strip()
            or fenced
            or FENCE.match(line)
            or heading
            or line.lstrip().startswith("|")
            or LIST_ITEM.match(line)
        )
        if starts_new and block:
            yield block, tuple(h for _, h in headings)
            block = []
        if FENCE.match(line):
            fenced = not fenced
            continue
        if heading:
            level = len(heading[1])
            headings = [h for h in headings if h[0] < level]
            yield [(number, heading[2])], tuple(h for _, h in headings)
            headings.append((level, heading[2]))
        elif fenced or line.lstrip().startswith("|"):
            yield [(number, line)], tuple(h for _, h in headings)
        elif line.strip():
            block.append((number, line.strip()))
    if block:
        yield block, tuple(h for _, h in headings)


def _sentences(block: list[tuple[int, str]]) -> Iterator[tuple[str, list[int]]]:
    """The block's sentences, each with the file line of every character."""
    text, lines = "", []
    for number, line in block:
        if text:
            text, lines = text + " ", lines + [number]
        text, lines = text + line, lines + [number] * len(line)
    start = 0
    for match in [*SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        if text[start:end].strip():
            yield text[start:end], lines[start:end]
        start = match.end() if match else end
