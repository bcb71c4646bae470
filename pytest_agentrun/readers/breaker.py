"""A circuit breaker per evidence source, under one deadline for all the run's evidence.

Reads are many (a run asks the API server a dozen times, git and the registry more), so a source
that hangs must not cost its timeout once per read: after the first read that timed out (or found
the source down), the source's breaker is open and every later read fails at once with the same
reason. The deadline bounds the whole: past it no source is asked, and a read's own timeout is cut
to what is left.
"""

from __future__ import annotations

import threading
import time

from ..defaults import TIMEOUTS
from ..errors import EvidenceError

DEFAULT_DEADLINE = TIMEOUTS.evidence_deadline  # a sandbox lane needs a few seconds


class Deadline:
    def __init__(self, seconds: float | None = DEFAULT_DEADLINE):
        self.seconds = seconds
        self._ends = time.monotonic() + seconds if seconds else float("inf")

    def remaining(self) -> float:
        return self._ends - time.monotonic()

    def passed(self) -> bool:
        return self.remaining() <= 0


class Breaker:
    """One evidence source (the API server, a git remote, the registry)."""

    def __init__(self, source: str, deadline: Deadline | None = None):
        self.source = source
        self.deadline = deadline or Deadline(None)
        self._reason: str | None = None
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self._reason is not None

    def check(self, what: str, where: str) -> None:
        """Raise at once, without asking the source, when it is known down or time is up."""
        if self._reason is not None:
            raise EvidenceError(self.source, what, where, self._reason)
        if self.deadline.passed():
            raise EvidenceError(
                self.source,
                what,
                where,
                f"evidence deadline of {self.deadline.seconds:g} s passed "
                "before this was read (--evidence-deadline)",
            )

    def trip(self, error: EvidenceError) -> EvidenceError:
        """Open the breaker with this read's reason; returns the error for the caller to raise."""
        with self._lock:
            if self._reason is None:
                self._reason = f"{error.reason} (later reads of this source are not sent)"
        return error

    def timeout(self, wanted: float) -> float:
        """A read's timeout: what it wants, but never past the deadline."""
        return max(0.5, min(wanted, self.deadline.remaining()))
