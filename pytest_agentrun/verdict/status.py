"""A criterion's status, derived from its tests' outcomes and findings.

Five statuses: pass, fail, cannot be decided (evidence missing or unreadable, or the check broke),
not applicable (only where the criterion's text allows it) and not judged (deselected, skipped,
not collected, outside --criteria, a drive criterion without --drive). A criterion whose check
examined nothing is "cannot be decided", never a plain pass.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..finding import FAIL, NOT_APPLICABLE, PASS, UNDECIDED, Status
from . import render

NOT_JUDGED = Status.NOT_JUDGED
STATUSES = tuple(Status)
# When a criterion's tests disagree, the worst status stands for the criterion.
SEVERITY = {FAIL: 4, UNDECIDED: 3, NOT_JUDGED: 2, PASS: 1, NOT_APPLICABLE: 0}
OUTCOME_SEVERITY = {"error": 3, "failed": 2, "skipped": 1, "passed": 0}


@dataclass
class RunRecord:
    """One test's outcome as the controller saw it in its reports (JSON-able: it crosses xdist)."""

    nodeid: str
    criteria: list[str]
    outcome: str = "passed"  # passed / failed / error / skipped
    message: str = ""  # first line of the failure, error or skip reason
    findings: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, outcome: str, message: str, findings: list[dict[str, Any]]) -> None:
        """A later phase (call, teardown) can only make the outcome worse, never better."""
        self.findings.extend(findings)
        if OUTCOME_SEVERITY[outcome] > OUTCOME_SEVERITY[self.outcome]:
            self.outcome, self.message = outcome, message


@dataclass
class CriterionResult:
    id: str
    status: str
    reason: str = ""  # the first reason of a non-pass
    tests: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def failed_findings(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("status") in (FAIL, UNDECIDED)]


def status_of_test(record: RunRecord, cid: str) -> tuple[str, str]:
    """(status, reason) of one test for one of its criteria."""
    if record.outcome == "skipped":
        return NOT_JUDGED, f"skipped: {record.message}"
    mine = [f for f in record.findings if f.get("criterion") == cid]
    by_status = {status: [f for f in mine if f.get("status") == status] for status in STATUSES}
    for status in (FAIL, UNDECIDED):
        if by_status[status]:
            return status, render.reason(by_status[status][0])
    if record.outcome in ("failed", "error"):
        return _failed_without_findings(record)
    if not mine:
        return UNDECIDED, "the check examined nothing (no finding)"
    if len(by_status[NOT_APPLICABLE]) == len(mine):
        return NOT_APPLICABLE, render.reason(by_status[NOT_APPLICABLE][0])
    return PASS, ""


def _failed_without_findings(record: RunRecord) -> tuple[Status, str]:
    """A setup or teardown error leaves the criterion undecided; a plain failure states a defect.
    Missing evidence comes as undecided findings (CannotBeDecided): the message is never read."""
    message = record.message or f"{record.outcome} without a finding"
    return (UNDECIDED if record.outcome == "error" else FAIL), message


def criterion_result(cid: str, records: list[RunRecord], not_run: str = "") -> CriterionResult:
    """The criterion's status from every test that covers it; `not_run` says why a test
    of it did not run."""
    tests = [r.nodeid for r in records]
    findings = [f for r in records for f in r.findings if f.get("criterion") == cid]
    if not records:
        return CriterionResult(cid, NOT_JUDGED, not_run or "no test of it ran", tests, findings)
    judged = [status_of_test(r, cid) for r in records]
    if not_run:
        judged.append((NOT_JUDGED, not_run))
    status, reason = max(judged, key=lambda pair: SEVERITY[pair[0]])
    return CriterionResult(cid, status, reason, tests, findings)
