"""The session's evidence cache: each piece of evidence is read once and shared.

Failures are cached too, so a missing object or an unreachable server is asked once, and every
criterion that needs it fails with the same reason. Reads of different keys may run at once (the
prefetch pool, see prefetch.py): each key has its own future, so a second reader of a key waits
for the first one's answer instead of asking again, and no lock is held while anything is read.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import EvidenceError


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
        self._futures: dict[tuple[str, str], Future] = {}
        self._lock = threading.Lock()  # guards the table only, never held during a read
        self.records: list[EvidenceRecord] = []

    def get(self, source: str, key: str, fetch: Callable[[], Any]) -> Any:
        with self._lock:
            future = self._futures.get((source, key))
            owner = future is None
            if owner:
                future = self._futures[(source, key)] = Future()
        if owner:
            self._read(source, key, fetch, future)
        value = future.result()
        if isinstance(value, EvidenceError):
            raise value
        return value

    def _read(self, source: str, key: str, fetch: Callable[[], Any], future: Future) -> None:
        started = time.monotonic()
        try:
            value: Any = self.replay.lookup(source, key) if self.replay else fetch()
            error = None
        except EvidenceError as exc:
            value, error = exc, str(exc)
        except BaseException as exc:
            # Not evidence (a bug, an interrupt): nothing is cached, the next reader tries again.
            with self._lock:
                self._futures.pop((source, key), None)
            future.set_exception(exc)
            raise
        with self._lock:
            self.records.append(EvidenceRecord(source, key, time.monotonic() - started, error))
        if self.recorder is not None:
            self.recorder.record(source, key, None if error else value, value if error else None)
        future.set_result(value)

    def release(self) -> None:
        """Forget every value (the records stay): called once the session's tests are done, so
        that a large lane's evidence is not held while the reports are written. A later get()
        reads again."""
        with self._lock:
            self._futures.clear()

    def cached(self, source: str, key: str) -> bool:
        """Whether (source, key) has been read (or is being read) in this session."""
        with self._lock:
            return (source, key) in self._futures
