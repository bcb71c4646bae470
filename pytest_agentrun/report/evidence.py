"""Attaching the deciding evidence to each test's report: findings on the report, Allure JSON.

The terminal shows a failure once, with its failed findings only (the check's message); every
finding, ok ones included, travels on the report (`agentrun_findings`, which crosses xdist) to
verdict.json and the HTML row's log; Allure gets every finding with its evidence when the check
decides (the `verdict` fixture). On the report a passing finding travels without its evidence:
no reader of the report shows it (verdict.json keeps only failing and undecided findings'
evidence), and on a large lane those copies were tens of MB held to the end of the run (issue 14).
Missing evidence and an unexpected exception inside a check become "cannot be decided" findings
with a one-line message naming the criterion.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from . import check_errors
from ..errors import CannotBeDecided
from ..finding import PASS, Finding, undecided
from ..masking import redact_text, redact_value
from ..verdict.runlog import FINDINGS_ATTR
from ..verdict.outcome import FINDINGS, criteria_of

TRACEBACK_ATTR = "agentrun_traceback"


def findings_json(findings: list[Finding]) -> str:
    return json.dumps(redact_value([f.as_dict() for f in findings]), indent=2, default=str)


def attach_to_allure(findings: list[Finding], name: str) -> None:
    _allure_attach(findings_json(findings), name, "JSON")


def _allure_attach(body: str, name: str, kind: str) -> None:
    try:
        import allure
    except ImportError:  # allure-pytest is a dependency, but a report must never break a verdict
        return
    try:
        allure.attach(body, name=name, attachment_type=getattr(allure.attachment_type, kind))
    except Exception:  # noqa: BLE001 - -p no:allure_pytest leaves no lifecycle to attach to
        return


def report_findings(findings: list[Finding]) -> list[dict]:
    """The findings as the report carries them: JSON's types, redacted, a pass without evidence."""
    kept = []
    for finding in findings:
        entry = finding.as_dict()
        if entry["status"] == PASS:
            del entry["evidence"]
        kept.append(redact_value(json_form(entry)))
    return kept


def json_form(value: Any) -> Any:
    """What a JSON round trip (`default=str`) makes of the value, sharing its strings rather than
    copying them: tuples become lists, keys strings, anything else its str()."""
    if isinstance(value, dict):
        return {_json_key(k): json_form(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_form(v) for v in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


def _json_key(key: Any) -> str:
    return key if isinstance(key, str) else json.dumps(key, default=str)  # 1 -> "1", True -> "true"


def _taken_findings(item: pytest.Item) -> list[Finding]:
    """The call's findings, released from the item: the report carries them from here on (the
    item lives to the end of the session, and a finding's evidence can be large)."""
    findings = list(item.stash.get(FINDINGS, []))
    if FINDINGS in item.stash:
        del item.stash[FINDINGS]
    return findings


def decorate_report(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
    findings = _taken_findings(item) if report.when == "call" else []
    excinfo = call.excinfo
    criteria = criteria_of(item)
    if excinfo is not None and excinfo.errisinstance(CannotBeDecided):
        # Missing evidence: undecided findings (the status), and a one-line reason naming the
        # criterion, not a traceback wall.
        findings += _missing_evidence(criteria, excinfo.value)
        report.outcome = "failed"
        report.longrepr = redact_text(
            f"{', '.join(criteria) or item.name} cannot be decided: {excinfo.value}"
        )
    elif check_errors.is_unexpected(excinfo) and criteria:
        broken = check_errors.unexpected_findings(criteria, item, excinfo)
        findings += broken
        report.longrepr = redact_text(check_errors.message(broken))
        trace = redact_text(check_errors.traceback_text(excinfo))
        setattr(report, TRACEBACK_ATTR, trace)
        _allure_attach(trace, f"traceback: {', '.join(criteria)}", "TEXT")
    if findings:
        setattr(report, FINDINGS_ATTR, report_findings(findings))


def _missing_evidence(criteria: list[str], exc: CannotBeDecided) -> list[Finding]:
    evidence = exc.evidence()
    return [
        undecided(
            exc.subject,
            "the evidence readable",
            exc.reason,
            exc.where,
            criterion=cid,
            **evidence,
        )
        for cid in criteria
    ]
