"""Attaching the deciding evidence to each test's report: a readable findings section, Allure JSON."""

from __future__ import annotations

import json

import pytest

from ..errors import EvidenceError
from ..finding import Finding
from ..redact import redact_text, redact_value
from ..verdict import FINDINGS, criteria_of


def findings_text(findings: list[Finding]) -> str:
    return "\n".join(redact_text(f.line()) for f in findings)


def findings_json(findings: list[Finding]) -> str:
    return json.dumps(redact_value([f.as_dict() for f in findings]), indent=2, default=str)


def attach_to_allure(findings: list[Finding], name: str) -> None:
    try:
        import allure
    except ImportError:  # allure-pytest is a dependency, but a report must never break a verdict
        return
    allure.attach(findings_json(findings), name=name, attachment_type=allure.attachment_type.JSON)


def decorate_report(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
    findings = item.stash.get(FINDINGS, [])
    if report.when == "call" and findings:
        report.sections.append(("findings", findings_text(findings)))
    if call.excinfo is not None and call.excinfo.errisinstance(EvidenceError):
        # Missing evidence: a one-line reason naming the criterion, not a traceback wall.
        exc: EvidenceError = call.excinfo.value
        report.outcome = "failed"
        subject = ", ".join(criteria_of(item)) or item.name
        report.longrepr = redact_text(f"{subject} cannot be decided: {exc}")
