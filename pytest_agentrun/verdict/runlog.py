"""What a run collected, selected and reported, gathered on the controller (workers send theirs).

Collection (which tests cover which criterion, which were deselected and why, collection errors)
is recorded where collection happens; under pytest-xdist every worker collects and sends it in
its `workeroutput`. Test outcomes and findings come from the test reports, which xdist forwards.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..catalogue.criteria import catalogue
from .run import Scope
from .status import CriterionResult, RunRecord, criterion_result

FINDINGS_ATTR = "agentrun_findings"  # set on a TestReport by the plugin; crosses xdist as JSON


@dataclass
class Coverage:
    collected: dict[str, list[str]] = field(default_factory=dict)  # nodeid -> criteria
    deselected: dict[str, str] = field(default_factory=dict)  # nodeid -> why
    selected: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # collection errors (nodeids)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Coverage":
        return cls(**data)

    def tests_of(self, cid: str) -> list[str]:
        return [nodeid for nodeid, ids in self.collected.items() if cid in ids]


@dataclass
class RunLog:
    coverage: Coverage = field(default_factory=Coverage)
    records: dict[str, RunRecord] = field(default_factory=dict)
    identity: dict[str, Any] = field(default_factory=dict)

    def add_report(self, report) -> None:
        criteria = [v for k, v in getattr(report, "user_properties", []) if k == "criterion"]
        if not criteria or report.outcome not in ("passed", "failed", "skipped"):
            return  # e.g. pytest-rerunfailures' "rerun": only the final attempt counts
        outcome = _outcome(report)
        if outcome == "passed" and report.when != "call":
            findings, message = [], ""
        else:
            findings, message = (
                list(getattr(report, FINDINGS_ATTR, None) or []),
                _first_line(report),
            )
        record = self.records.setdefault(report.nodeid, RunRecord(report.nodeid, criteria))
        record.merge(outcome, message, findings)

    def results(self, scope: Scope, drive: bool) -> list[CriterionResult]:
        by_criterion: dict[str, list[RunRecord]] = {cid: [] for cid in catalogue()}
        for record in self.records.values():
            for cid in record.criteria:
                by_criterion.setdefault(cid, []).append(record)
        return [
            criterion_result(cid, records, self.not_run(cid, scope, drive, records))
            for cid, records in by_criterion.items()
        ]

    def not_run(self, cid: str, scope: Scope, drive: bool, records: list[RunRecord]) -> str:
        """Why (some of) the criterion's tests did not run; "" when every test of it ran."""
        if catalogue().get(cid) and catalogue()[cid].kind == "drive" and not drive:
            return "judged only with --drive"
        if scope.subset and cid not in scope.subset:
            return "outside --criteria"
        tests = self.coverage.tests_of(cid)
        ran = {r.nodeid for r in records}
        missing = [t for t in tests if t not in ran]
        if not tests and not ran:
            if self.coverage.errors:
                return f"no test collected (collection errors: {', '.join(self.coverage.errors)})"
            return "no test covers it"
        if not missing:
            return ""
        reasons = sorted(
            {
                self.coverage.deselected.get(t, "did not run (the run stopped early)")
                for t in missing
            }
        )
        return f"{len(missing)} of {len(tests)} tests not run: {'; '.join(reasons)}"


def _outcome(report) -> str:
    if report.outcome == "failed" and report.when != "call":
        return "error"
    if report.outcome == "skipped" and hasattr(report, "wasxfail"):
        return "skipped"
    return report.outcome


def _first_line(report) -> str:
    if report.outcome == "skipped" and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    text = getattr(report, "longreprtext", "") or ""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
