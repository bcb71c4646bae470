"""The lane's documents: artifact catalog, deploy intent and runtime manifests, parsed with where they came from.

A document keeps its text and its location (`ref:path`), so a finding can point a reviewer at the
exact file and line. Parsing never raises: a broken document carries its error, and the criteria
that need its content fail with that error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml

from .errors import EvidenceError


@cache
def schema(name: str) -> dict[str, Any]:
    """A published JSON Schema (2020-12) from pytest_agentrun/schemas/."""
    return json.loads(resources.files("pytest_agentrun").joinpath(f"schemas/{name}.schema.json").read_text())


def schema_errors(name: str, data: Any) -> list[str]:
    """Every violation of the schema, as `at <json path>: <message>`, in a stable order."""
    validator = jsonschema.Draft202012Validator(schema(name), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"at {e.json_path}: {e.message}" for e in errors]


def line_of(text: str, needle: str, start: int = 1) -> int | None:
    """1-based line of the first occurrence of needle at or after line `start`."""
    for number, line in enumerate(text.splitlines(), 1):
        if number >= start and needle in line:
            return number
    return None


@dataclass(frozen=True)
class JsonDocument:
    where: str                    # e.g. "v0.1-gitops@1a2b3c4d5e6f:deploy/artifact-catalog.v01.json"
    text: str | None              # None when the file does not exist
    data: Any = None
    error: str | None = None      # parse error, when text is not JSON

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
        shape than the schema's (`image` a string) are the checks' to judge (CT-01, CT-02 fail them)."""
        if not self.usable:
            raise EvidenceError(criterion_source, "document", self.where, self.error or "not a JSON object")
        return self.data

    def line(self, needle: str) -> str:
        number = line_of(self.text or "", needle)
        return f"{self.where}:{number}" if number else self.where


class Catalog(JsonDocument):
    """The artifact catalog of the GitOps branch."""

    def services(self) -> list[dict[str, Any]]:
        return [s for s in self.require("catalog").get("services", []) if isinstance(s, dict)]

    def service(self, service_id: str) -> dict[str, Any] | None:
        return next((s for s in self.services() if s.get("serviceId") == service_id), None)

    def source_commit(self) -> str:
        commit = self.require("catalog").get("sourceCommit")
        if not isinstance(commit, str) or not re.fullmatch(r"[0-9a-f]{40}", commit):
            raise EvidenceError("catalog", "sourceCommit", self.where, f"not a full 40-hex SHA: {commit!r}")
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
    file (an object, or a list of objects), in path order, with its first line. A file part that does
    not parse, or parses to something else than objects, is an error naming `ref:path:line`."""
    result = ManifestSet(texts=dict(files))
    for path in sorted(files):
        if path.endswith(".json"):
            _add_json(result, path, files[path], where_prefix)
        elif path.endswith(MANIFEST_SUFFIXES):
            for start, first_line, chunk in _yaml_documents(files[path]):
                _add_yaml(result, path, start, first_line, chunk, where_prefix)
    return result


def _add_yaml(result: ManifestSet, path: str, start: int, first_line: int, chunk: str, prefix: str) -> None:
    try:
        obj = yaml.safe_load(chunk)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
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
