"""Evidence bundles: everything a run read, saved so that a sign-off can be audited and replayed.

A bundle is a directory `reports/evidence/<run>/` holding `evidence-<part>.jsonl` (one line per
piece of evidence: source, key, value or error; one part per pytest worker) and `manifest.json`
(lane, connection, time, and the sha256 of every file). Values are redacted as they are written.
`--replay DIR` serves the recorded values back instead of reading the lane.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import re
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import EvidenceError
from ..masking import redact_value

FORMAT = 1
MANIFEST = "manifest.json"
VERDICT = "verdict.json"
LATEST = "latest"
PACKAGE = __name__.split(".", 1)[0]  # pytest_agentrun: the types a bundle may restore


def encode(value: Any) -> Any:
    """The value as a bundle records it (JSON's types; decode() restores it)."""
    node = encoded_node(value)
    if isinstance(node, dict):
        return {k: encode(v) for k, v in node.items()}
    if isinstance(node, list):
        return [encode(v) for v in node]
    return node


def encoded_node(value: Any) -> Any:
    """encode() one level deep: the node in JSON's types, its children as they are. The writer
    encodes and redacts in one pass with it (redact_value's `form`): one copy of a large value."""
    # Readers may return this package's dataclasses besides JSON's own types: restored
    # by name on replay.
    if dataclasses.is_dataclass(value) and type(value).__module__.startswith(PACKAGE + "."):
        kind = f"{type(value).__module__}:{type(value).__qualname__}"
        return {
            "__type__": kind,
            "fields": {f.name: getattr(value, f.name) for f in dataclasses.fields(value)},
        }
    if isinstance(value, tuple):
        return {"__tuple__": list(value)}
    if isinstance(value, dict):
        return (
            value if all(type(k) is str for k in value) else {str(k): v for k, v in value.items()}
        )
    if value is None or isinstance(value, (str, int, float, bool, list)):
        return value
    raise TypeError(f"evidence of type {type(value).__name__} cannot be recorded")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__type__" in value:
            return _recorded_type(value["__type__"])(
                **{k: decode(v) for k, v in value["fields"].items()}
            )
        return {k: decode(v) for k, v in value.items()}
    return value


def _decoded(obj: dict[str, Any]) -> Any:
    """decode() of one JSON object as the parser builds it (json's object_hook):
    one pass, no copy."""
    if "__tuple__" in obj:
        return tuple(obj["__tuple__"])
    if "__type__" in obj:
        return _recorded_type(obj["__type__"])(**obj["fields"])
    # A large lane repeats the same names, labels and timestamps thousands of times: one copy each.
    for key, value in obj.items():
        if type(value) is str and len(value) <= 80:
            obj[key] = sys.intern(value)
    return obj


# Where a recorded type lived when older bundles were written (issue 15 moved the value types into
# model/): a bundle keeps replaying after a move without the old module re-exporting the type.
MOVED_TYPES = {
    "pytest_agentrun.readers.git:CommitInfo": "pytest_agentrun.model.commits:CommitInfo",
    "pytest_agentrun.readers.registry:ManifestAnswer": (
        "pytest_agentrun.model.images:ManifestAnswer"
    ),
    "pytest_agentrun.readers.worktree:IgnoreRule": "pytest_agentrun.model.worktree:IgnoreRule",
    "pytest_agentrun.readers.worktree:WorktreeState": (
        "pytest_agentrun.model.worktree:WorktreeState"
    ),
}


def _recorded_type(kind: str) -> type:
    kind = MOVED_TYPES.get(kind, kind)
    module, _, name = kind.partition(":")
    if not module.startswith(PACKAGE + "."):
        raise ValueError(f"a bundle may only restore {PACKAGE} types, not {kind}")
    cls = importlib.import_module(module)
    for part in name.split("."):
        cls = getattr(cls, part)
    return cls


class BundleWriter:
    """Appends each piece of evidence, as it is read, to this part's JSON-lines file."""

    def __init__(self, directory: Path, part: str):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"evidence-{part}.jsonl"
        self._lock = threading.Lock()
        self._handle = None  # opened once: a long history records thousands of entries

    def record(self, source: str, key: str, value: Any, error: EvidenceError | None) -> None:
        entry = {"source": source, "key": key}
        if error is not None:
            entry["error"] = {
                "source": error.source,
                "what": error.what,
                "where": error.where,
                "reason": error.reason,
            }
        else:
            entry["value"] = value
        line = json.dumps(redact_value(entry, form=encoded_node), sort_keys=True)
        with self._lock:
            if self._handle is None:
                self._handle = self.path.open("a")
            self._handle.write(line + "\n")
            self._handle.flush()  # what was read survives a run that is killed

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


def write_manifest(
    directory: Path,
    lane: str,
    connection: dict[str, Any],
    run: str,
    verdict: dict[str, Any] | None = None,
) -> Path:
    """The bundle's manifest; with `verdict` (verdict.json's document) the bundle
    records the verdict too."""
    files, entries = {}, 0
    for part in sorted(directory.glob("evidence-*.jsonl")):
        entries += _sort_lines(part)
        with part.open("rb") as written:
            files[part.name] = hashlib.file_digest(written, "sha256").hexdigest()
    manifest = {
        "format": FORMAT,
        "run": run,
        "lane": lane,
        "suite": __version__,
        "written": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "connection": connection,
        "files": files,
        "entries": entries,
    }
    if verdict is not None:
        # Streamed to the file and hashed from it: a large lane's verdict is never one string.
        with (directory / VERDICT).open("w", encoding="utf-8") as out:
            json.dump(verdict, out, indent=2, default=str)
            out.write("\n")
        with (directory / VERDICT).open("rb") as written:
            digest = hashlib.file_digest(written, "sha256").hexdigest()
        manifest["verdict"] = {
            "value": verdict["verdict"],
            "headline": verdict["headline"],
            "file": VERDICT,
            "sha256": digest,
        }
    path = directory / MANIFEST
    path.write_text(json.dumps(redact_value(manifest), indent=2) + "\n")
    return path


def _sort_lines(part: Path) -> int:
    """Sort one evidence file's lines in place; how many there are. Reads run concurrently
    (prefetch.py), so lines arrive in any order: sorted, a bundle's files are the same for the same
    evidence. One list of lines is held (a large lane's bundle is tens of MB), not copies of it."""
    with part.open("r", encoding="utf-8", newline="") as lines_in:
        lines = lines_in.readlines()
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    lines.sort()
    with part.open("w", encoding="utf-8", newline="") as out:
        out.writelines(lines)
    return len(lines)


def mark_latest(directory: Path) -> Path:
    """`<reports>/evidence/latest` names the newest bundle (a relative symlink,
    replaced atomically)."""
    link = directory.parent / LATEST
    staging = directory.parent / f".{LATEST}-{directory.name}"
    staging.unlink(missing_ok=True)
    staging.symlink_to(directory.name, target_is_directory=True)
    staging.replace(link)
    return link


class RecordedEvidence:
    """A bundle opened for replay: the manifest, and where each recorded (source, key) is.

    Opening checks every file against the manifest and indexes its lines; a value is decoded
    only when it is looked up, so the evidence cache holds the one decoded copy and a large
    lane's bundle (tens of MB of JSON) is never decoded all at once (issue 14). Each line keeps
    its own sha256: a line that changed after the bundle was opened is not served."""

    def __init__(self, directory: Path):
        self.directory = directory
        manifest_path = directory / MANIFEST
        if not manifest_path.is_file():
            raise ValueError(f"{directory} is not an evidence bundle: no {MANIFEST}")
        self.manifest = json.loads(manifest_path.read_text())
        if self.manifest.get("format") != FORMAT:
            raise ValueError(
                f"{manifest_path}: bundle format {self.manifest.get('format')!r}, this suite "
                f"reads {FORMAT}"
            )
        self._lines: dict[tuple[str, str], RecordedLine] = {}
        for name, digest in self.manifest["files"].items():
            self._index(directory / name, digest)

    def _index(self, path: Path, digest: str) -> None:
        """One part, line by line: the file's checksum, and each line's key, place and digest."""
        checksum, unreadable, offset = hashlib.sha256(), None, 0
        with path.open("rb") as handle:
            for line in handle:
                checksum.update(line)
                try:
                    place = RecordedLine(path, offset, len(line), _digest(line))
                    self._lines.setdefault(_key_of(line), place)
                except (ValueError, KeyError, TypeError) as exc:
                    unreadable = unreadable or exc
                offset += len(line)
        if checksum.hexdigest() != digest:
            raise ValueError(
                f"{path}: checksum does not match the manifest (the bundle was altered)"
            )
        if unreadable is not None:
            raise ValueError(f"{path}: not an evidence file ({unreadable})")

    def keys(self) -> list[tuple[str, str]]:
        return list(self._lines)

    def digest(self, key: tuple[str, str]) -> bytes | None:
        """The sha256 of the key's line (equal lines: equal evidence), None when not recorded."""
        line = self._lines.get(key)
        return line.digest if line else None

    def entry(self, source: str, key: str) -> dict[str, Any] | None:
        """The recorded entry (source, key, value or error), decoded now; None when not recorded."""
        line = self._lines.get((source, key))
        if line is None:
            return None
        what, where = f"{source} {key}", f"{line.path}, byte {line.offset}"
        raw = line.read()
        if raw is None:
            raise EvidenceError(
                "replay",
                what,
                where,
                "the bundle changed after it was opened (the line's checksum differs)",
            )
        try:
            return json.loads(raw, object_hook=_decoded)
        except (ValueError, KeyError, TypeError) as exc:
            raise EvidenceError(
                "replay", what, where, f"unreadable in this bundle ({exc})"
            ) from None

    def lookup(self, source: str, key: str) -> Any:
        entry = self.entry(source, key)
        if entry is None:
            raise EvidenceError(
                "replay", f"{source} {key}", str(self.directory), "not recorded in this bundle"
            )
        if "error" in entry:
            raise EvidenceError(**entry["error"])
        return entry["value"]


@dataclasses.dataclass(frozen=True)
class RecordedLine:
    """Where one entry of a bundle is: file, byte offset, length, sha256 of the line."""

    path: Path
    offset: int
    length: int
    digest: bytes

    def read(self) -> bytes | None:
        """The line as it was indexed; None when the file no longer holds it."""
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            raw = handle.read(self.length)
        return raw if _digest(raw) == self.digest else None


# The writer's layout (json.dumps(..., sort_keys=True)): a value's entry starts with its key and
# source, so they are read without decoding the value. Any other line is decoded whole to find them.
_HEAD = re.compile(rb'\{"key": ("(?:[^"\\]|\\.)*"), "source": ("(?:[^"\\]|\\.)*"), "value": ')


def _key_of(line: bytes) -> tuple[str, str]:
    head = _HEAD.match(line)
    if head:
        return json.loads(head.group(2)), json.loads(head.group(1))
    entry = json.loads(line)
    return entry["source"], entry["key"]


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
