"""The one helper the check tests assert findings with: `oks(findings)`.

It returns each finding's ok as a list, so a test reads `assert all(oks(...))` or
`assert oks(...) == [True, False]`; when such an assertion fails, pytest shows the list's repr,
which is every finding's line (status, criterion, what it examined, expected / found / where),
not a bare `[True, False]`.
"""

from __future__ import annotations

from pytest_agentrun.verdict import render


class Oks(list):
    """[finding.ok, ...] that shows its findings when an assertion prints it."""

    def __init__(self, findings):
        self.findings = list(findings)
        super().__init__(f.ok for f in self.findings)

    def __repr__(self) -> str:
        # One line: pytest shows a newline inside a repr as `\n`.
        lines = (f"{f.status} {f.criterion} {render.claim(f)}" for f in self.findings)
        return "[" + " | ".join(lines) + "]"


def oks(findings) -> Oks:
    """Each finding's ok; a check that examined nothing fails the test (it can never pass)."""
    found = Oks(findings)
    assert found.findings, "a check must always examine something"
    return found
