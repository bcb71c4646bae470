"""The lane's documents: artifact catalog, deploy intent and runtime manifests, parsed with
where they came from.

A document keeps its text and its location (`ref:path`), so a finding can point a reviewer at the
exact file and line. Parsing never raises: a broken document carries its error, and the criteria
that need its content fail with that error.
"""

from __future__ import annotations

import bisect
import json
import re
from array import array
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import jsonschema
import yaml

from .. import yaml_text
from ..errors import EvidenceError
from .commits import is_full_sha


@cache
def schema(name: str) -> dict[str, Any]:
    """A published JSON Schema (2020-12) from pytest_agentrun/schemas/."""
    return json.loads(
        resources.files("pytest_agentrun").joinpath(f"schemas/{name}.schema.json").read_text()
    )


def schema_errors(name: str, data: Any) -> list[str]:
    """Every violation of the schema, as `at <json path>: <message>`, in a stable order."""
    validator = jsonschema.Draft202012Validator(
        schema(name), format_checker=jsonschema.FormatChecker()
    )
    errors = sorted(
        validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)
    )
    return [f"at {e.json_path}: {e.message}" for e in errors]


WORD = re.compile(r"[\w.\-/@]+")


# What str.splitlines() splits at: a needle holding one of these is on no line.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


class LineIndex:
    """A text's line starts, and an index word -> line numbers built once it is asked often, so
    that finding a needle costs the lines sharing its rarest word, not a scan of the whole text
    per finding. Lines are slices of the text (never a second copy of a large catalog)."""

    BUILD_AFTER = 4  # lookups served by a scan (str.find) before the index pays for itself

    def __init__(self, text: str):
        self.text = text
        self.starts = array("q", [0])
        for line in text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))
        self._words: dict[str, array] | None = None
        self._lookups = 0

    def __len__(self) -> int:
        return len(self.starts) - 1

    def line(self, number: int) -> str:
        return self.text[self.starts[number - 1] : self.starts[number]]

    def words(self) -> dict[str, array]:
        if self._words is None:
            self._words = {}
            for number in range(1, len(self) + 1):
                for word in set(WORD.findall(self.line(number))):
                    self._words.setdefault(word, array("l")).append(number)
        return self._words

    def find(self, needle: str, start: int = 1) -> int | None:
        self._lookups += 1
        start = max(start, 1)
        if start > len(self) or LINE_BREAKS.intersection(needle):
            return None
        # A word bounded by non-word characters inside the needle is a whole word of any line that
        # holds the needle: only the lines holding the rarest such word need looking at.
        inner = [
            m.group() for m in WORD.finditer(needle) if 0 < m.start() and m.end() < len(needle)
        ]
        if inner and (self._words is not None or self._lookups > self.BUILD_AFTER):
            candidates = min((self.words().get(w, ()) for w in inner), key=len)
            numbers = candidates[bisect.bisect_left(candidates, start) :]
            return next((n for n in numbers if needle in self.line(n)), None)
        position = self.text.find(needle, self.starts[start - 1])
        return bisect.bisect_right(self.starts, position) if position >= 0 else None


@lru_cache(maxsize=256)
def line_index(text: str) -> LineIndex:
    return LineIndex(text)


def line_of(text: str, needle: str, start: int = 1) -> int | None:
    """1-based line of the first occurrence of needle at or after line `start`."""
    return line_index(text).find(needle, start)


@dataclass(frozen=True)
class JsonDocument:
    where: str  # e.g. "v0.1-gitops@1a2b3c4d5e6f:deploy/artifact-catalog.v01.json"
    text: str | None  # None when the file does not exist
    data: Any = None
    error: str | None = None  # parse error, when text is not JSON

    @classmethod
    def parse(cls, where: str, text: str | None) -> "JsonDocument":
        if text is None:
            return cls(where, None, None, "file does not exist")
        try:
            return cls(where, text, json.loads(text))
        except ValueError as exc:
            return cls(where, text, None, f"not valid JSON: {exc}")

    @property
    def usable(self) -> bool:
        return self.error is None and isinstance(self.data, dict)

    def require(self, criterion_source: str) -> dict[str, Any]:
        """The parsed content, or an EvidenceError naming why it cannot be used. Members of another
        shape than the schema's (`image` a string) are the checks' to judge (CT-01,
        CT-02 fail them)."""
        if not self.usable:
            raise EvidenceError(
                criterion_source, "document", self.where, self.error or "not a JSON object"
            )
        return self.data

    def line(self, needle: str) -> str:
        number = line_of(self.text or "", needle)
        return f"{self.where}:{number}" if number else self.where


class Catalog(JsonDocument):
    """The artifact catalog of the GitOps branch."""

    def services(self) -> list[dict[str, Any]]:
        return list(self._index()[0])

    def _index(self) -> tuple[tuple[dict[str, Any], ...], dict[Any, dict[str, Any]]]:
        # Kept in the instance's __dict__ (the dataclass is frozen; functools.cached_property
        # would take a lock on every access in Python 3.11).
        if "_indexed" not in self.__dict__:
            entries = tuple(
                s for s in self.require("catalog").get("services", []) if isinstance(s, dict)
            )
            by_id: dict[Any, dict[str, Any]] = {}
            for entry in entries:
                by_id.setdefault(entry.get("serviceId"), entry)
            self.__dict__["_indexed"] = (entries, by_id)
        return self.__dict__["_indexed"]

    def service(self, service_id: str) -> dict[str, Any] | None:
        """The first entry of that serviceId (an index built once: catalogs list thousands)."""
        return self._index()[1].get(service_id)

    def source_commit(self) -> str:
        commit = self.require("catalog").get("sourceCommit")
        if not is_full_sha(commit):
            raise EvidenceError(
                "catalog", "sourceCommit", self.where, f"not a full 40-hex SHA: {commit!r}"
            )
        return commit


class DeployIntent(JsonDocument):
    """deploy/deploy.json of the source branch: the lane's hand-written runtime intent."""

    def services(self) -> list[dict[str, Any]]:
        return [s for s in self.require("deploy.json").get("services", []) if isinstance(s, dict)]

    def enabled_services(self) -> list[dict[str, Any]]:
        return [s for s in self.services() if s.get("enabled", True)]


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object of the runtime path, with its file and first line."""

    path: str
    line: int
    obj: dict[str, Any]
    where_prefix: str = ""

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", "?"))

    @property
    def name(self) -> str:
        return str(self.obj.get("metadata", {}).get("name", "?"))

    def where(self, needle: str | None = None, text: str = "") -> str:
        line = (line_of(text, needle, self.line) if needle and text else None) or self.line
        return f"{self.where_prefix}{self.path}:{line}"


@dataclass
class ManifestSet:
    manifests: list[Manifest] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def where(self, manifest: Manifest, needle: str | None = None) -> str:
        return manifest.where(needle, self.texts.get(manifest.path, ""))

    def of_kind(self, *kinds: str) -> list[Manifest]:
        return [m for m in self.manifests if m.kind in kinds]


MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")  # what Argo CD's directory source reads


def parse_manifests(files: dict[str, str], where_prefix: str) -> ManifestSet:
    """Every Kubernetes object of the given files (path -> text): each YAML document and each .json
    file (an object, or a list of objects), in path order, with its first line. A file part that
    does not parse, or parses to something else than objects, is an error naming `ref:path:line`."""
    result = ManifestSet(texts=dict(files))
    for path in sorted(files):
        if path.endswith(".json"):
            _add_json(result, path, files[path], where_prefix)
        elif path.endswith(MANIFEST_SUFFIXES):
            for start, first_line, chunk in _yaml_documents(files[path]):
                _add_yaml(result, path, start, first_line, chunk, where_prefix)
    return result


def _add_yaml(
    result: ManifestSet, path: str, start: int, first_line: int, chunk: str, prefix: str
) -> None:
    try:
        obj = yaml_text.load(chunk)
    except yaml.YAMLError as exc:
        # where the broken construct began (an unclosed `[` ...), else where the parser gave up
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = start + mark.line if mark is not None else first_line
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        result.errors.append(f"{prefix}{path}:{line}: not valid YAML: {reason}")
        return
    _add_object(result, path, first_line, obj, prefix)


def _add_json(result: ManifestSet, path: str, text: str, prefix: str) -> None:
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 1)
        result.errors.append(f"{prefix}{path}:{line}: not valid JSON: {getattr(exc, 'msg', exc)}")
        return
    first = next((n for n, line in enumerate(text.splitlines(), 1) if line.strip()), 1)
    for obj in data if isinstance(data, list) else [data]:
        _add_object(result, path, first, obj, prefix)


def _add_object(result: ManifestSet, path: str, line: int, obj: Any, prefix: str) -> None:
    if isinstance(obj, dict) and obj.get("kind") == "List" and isinstance(obj.get("items"), list):
        for item in obj["items"]:
            _add_object(result, path, line, item, prefix)
    elif isinstance(obj, dict) and isinstance(obj.get("kind"), str):
        result.manifests.append(Manifest(path, line, obj, prefix))
    elif obj is not None:  # an empty document is allowed; anything else is not a manifest
        what = type(obj).__name__ if not isinstance(obj, dict) else "a mapping without a kind"
        result.errors.append(f"{prefix}{path}:{line}: not a Kubernetes object ({what})")


def _yaml_documents(text: str) -> list[tuple[int, int, str]]:
    """Split a multi-document YAML text at `---` lines: (line the document starts on, its first
    content line, its text)."""
    docs, current, first, start = [], [], None, 1
    for number, line in enumerate(text.splitlines(), 1):
        if re.fullmatch(r"---\s*", line):
            docs.append((start, first or number, "\n".join(current)))
            current, first, start = [], None, number + 1
            continue
        current.append(line)
        if first is None and line.strip() and not line.lstrip().startswith("#"):
            first = number
    docs.append((start, first or 1, "\n".join(current)))
    return [(s, n, d) for s, n, d in docs if d.strip()]
