"""The findings a test report carries (they cross xdist and feed verdict.json and the HTML log): the
JSON a round trip made of them, redacted, sharing the evidence's strings; a pass
without evidence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from pytest_agentrun.finding import failed, passed, undecided
from pytest_agentrun.masking import redact_value
from pytest_agentrun.report.evidence import decorate_report, json_form, report_findings
from pytest_agentrun.verdict.runlog import FINDINGS_ATTR
from pytest_agentrun.verdict.outcome import FINDINGS


@dataclass(frozen=True)
class Ref:
    name: str


EVIDENCE = {
    "object": {"kind": "Deployment", "replicas": (1, 2), 3: None, True: 1.5, "ref": Ref("x")},
    "token": "ghp_" + "a" * 36,
    "password": "hunter2-hunter2",
    "manifest": "kind: Deployment\n" * 400,
}


def round_trip(value):
    """What the report carried before: a JSON round trip of the redacted findings."""
    return json.loads(json.dumps(redact_value(value), default=str))


def test_json_form_is_what_a_json_round_trip_makes_of_it():
    assert json_form(EVIDENCE) == json.loads(json.dumps(EVIDENCE, default=str))


def test_a_failing_or_undecided_finding_keeps_its_evidence_as_a_round_trip_had_it():
    findings = [
        failed("mgr", "ready 1/1", "ready 0/1", "Deployment mgr", criterion="RT-02", **EVIDENCE),
        undecided(
            "pods", "readable", "API server unreachable", "kube", criterion="RT-03", **EVIDENCE
        ),
    ]
    carried = report_findings(findings)
    assert carried == round_trip([f.as_dict() for f in findings])
    assert "hunter2" not in json.dumps(carried) and "ghp_" not in json.dumps(carried)


def test_a_passing_finding_travels_without_its_evidence_and_strings_are_not_copied():
    ok = passed(
        "Deployment mgr replicas", "1", "1", "deployment-mgr.yaml:13", criterion="GO-07", **EVIDENCE
    )
    [carried] = report_findings([ok])
    expected = round_trip(ok.as_dict())
    del expected["evidence"]
    assert carried == expected
    [bad] = report_findings(
        [failed("x", "1", "2", "w", criterion="GO-07", manifest=EVIDENCE["manifest"])]
    )
    assert bad["evidence"]["manifest"] is EVIDENCE["manifest"], "the evidence's string, not a copy"


class Item:
    """Just what decorate_report reads of a pytest item."""

    def __init__(self, *criteria: str):
        self.stash = pytest.Stash()
        self.name = "test_x"
        self._marks = [SimpleNamespace(args=criteria)]

    def iter_markers(self, name: str):
        return iter(self._marks if name == "criterion" else [])


def test_the_call_report_takes_the_findings_from_the_item():
    item = Item("RT-02")
    item.stash[FINDINGS] = [passed("mgr", "1", "1", "w", criterion="RT-02", big="x" * 1000)]
    setup = SimpleNamespace(when="setup")
    decorate_report(item, SimpleNamespace(excinfo=None), setup)
    assert not hasattr(setup, FINDINGS_ATTR) and FINDINGS in item.stash
    call = SimpleNamespace(when="call")
    decorate_report(item, SimpleNamespace(excinfo=None), call)
    assert [f["subject"] for f in getattr(call, FINDINGS_ATTR)] == ["mgr"]
    assert FINDINGS not in item.stash, "the item (alive to the session's end) holds no evidence"
