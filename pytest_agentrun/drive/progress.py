"""Visible progress of a drive wait: one line each time something it follows changes.

Lines look like `[  2.1s] plan            Running`: the time since the wait began, what is followed
(a pipeline task, `argocd`, `runtime` ...), and its state. A state is printed when it changes, so a
long wait shows what moved and when, without repeating itself every poll.
"""

from __future__ import annotations

import time
from typing import Callable

Out = Callable[[str], None]


class Progress:
    def __init__(self, out: Out):
        self.out = out
        self.started = time.monotonic()
        self._shown: dict[str, str] = {}

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, label: str, text: str) -> None:
        self.out(f"[{self.elapsed:5.1f}s] {label:<15} {text}")

    def change(self, label: str, text: str) -> bool:
        """Print `text` for `label` unless it is what was printed last for it;
        whether it printed."""
        if self._shown.get(label) == text:
            return False
        self._shown[label] = text
        self.say(label, text)
        return True
