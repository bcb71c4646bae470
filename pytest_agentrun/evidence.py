"""The session's evidence cache: each piece of evidence is read once and shared.

Failures are cached too, so a missing object or an unreachable server is asked once, and every
criterion that needs it fails with the same reason.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from .errors import EvidenceError


@dataclass
class EvidenceRecord:
    source: str
    key: str
    seconds: float
    error: str | None


class EvidenceCache:
    """Reads each (source, key) once. With a `recorder`, every read is also written to an evidence
    bundle; with `replay`, nothing is read at all: the bundle's recorded values are served."""

    def __init__(self, recorder: Any = None, replay: Any = None) -> None:
        self.recorder = recorder
        self.replay = replay
        self._values: dict[tuple[str, str], Any] = {}
        self._lock = threading.RLock()  # reentrant: a fetch may read other evidence (a file needs its commit)
        self.records: list[EvidenceRecord] = []

    def get(self, source: str, key: str, fetch: Callable[[], Any]) -> Any:
        with self._lock:
            if (source, key) not in self._values:
                started = time.monotonic()
                try:
                    value: Any = self.replay.lookup(source, key) if self.replay else fetch()
                    error = None
                except EvidenceError as exc:
                    value, error = exc, str(exc)
                self._values[(source, key)] = value
                self.records.append(EvidenceRecord(source, key, time.monotonic() - started, error))
                if self.recorder is not None:
                    self.recorder.record(source, key, None if error else value, value if error else None)
            value = self._values[(source, key)]
        if isinstance(value, EvidenceError):
            raise value
        return value
