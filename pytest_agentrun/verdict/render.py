"""How the verdict looks as text: the one renderer of a finding, and the one table of marks and
colours of each status (the terminal's markup, the HTML report's colour); each verdict's look is
beside its value (run.py), in the same `Look`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..finding import Finding, Status


@dataclass(frozen=True)
class Look:
    mark: str
    markup: dict[str, bool]  # keywords of pytest's terminal writer
    colour: str  # the HTML report's

    @property
    def style(self) -> str:
        return f"color:{self.colour};font-weight:bold"


GREEN, RED, AMBER, OLIVE = "#1e8449", "#c0392b", "#b9770e", "#7d6608"
LOOKS = {
    Status.PASS: Look("pass", {"green": True}, GREEN),
    Status.FAIL: Look("FAIL", {"red": True, "bold": True}, RED),
    Status.UNDECIDED: Look("UNDECIDED", {"yellow": True, "bold": True}, AMBER),
    Status.NOT_APPLICABLE: Look("n/a", {"cyan": True}, OLIVE),
    Status.NOT_JUDGED: Look("not judged", {"yellow": True}, OLIVE),
}

FindingLike = Finding | Mapping[str, Any]  # a Finding, or a finding as a report carries it


def _fields(finding: FindingLike) -> Mapping[str, Any]:
    return finding.as_dict() if isinstance(finding, Finding) else finding


def claim(finding: FindingLike) -> str:
    """`subject: expected E; found F [where]`."""
    f = _fields(finding)
    return (
        f"{f.get('subject')}: expected {f.get('expected')}; found {f.get('found')} "
        f"[{f.get('where')}]"
    )


def reason(finding: FindingLike) -> str:
    """A criterion's first reason: an undecided or not applicable `found` already says why."""
    f = _fields(finding)
    if f.get("status") in (Status.UNDECIDED, Status.NOT_APPLICABLE):
        return f"{f.get('subject')}: {f.get('found')} [{f.get('where')}]"
    return claim(f)


def line(finding: FindingLike) -> str:
    """One line of a test's findings (the HTML row's log): status, criterion and claim."""
    f = _fields(finding)
    return f"{f.get('status'):<17} {f.get('criterion')} {claim(f)}"


def block(finding: FindingLike) -> str:
    """A failed finding in a test's failure message, one field a line."""
    f = _fields(finding)
    return (
        f"{f.get('criterion')} {f.get('subject')}\n    expected: {f.get('expected')}\n"
        f"    found:    {f.get('found')}\n    where:    {f.get('where')}"
    )
