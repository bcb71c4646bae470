"""A criterion's status from several tests, and the run's verdict from the criteria (unit level)."""

from __future__ import annotations

import pytest

from pytest_agentrun.catalogue.criteria import catalogue
from pytest_agentrun.verdict.run import Scope, decide_run
from pytest_agentrun.verdict.status import CriterionResult, RunRecord, criterion_result


def finding(status: str, cid: str = "RT-01") -> dict:
    return {
        "criterion": cid,
        "status": status,
        "ok": status in ("pass", "not applicable"),
        "subject": "s",
        "expected": "e",
        "found": f"found {status}",
        "where": "w",
    }


def record(outcome: str = "passed", *statuses: str, message: str = "") -> RunRecord:
    return RunRecord("t::x", ["RT-01"], outcome, message, [finding(s) for s in statuses])


@pytest.mark.parametrize(
    "records, not_run, expected",
    [
        ([record("passed", "pass"), record("passed", "not applicable")], "", "pass"),
        ([record("passed", "not applicable")], "", "not applicable"),
        ([record("passed", "pass"), record("skipped", message="no lane")], "", "not judged"),
        ([record("passed", "pass")], "1 of 2 tests not run: deselected (-k/-m)", "not judged"),
        ([record("failed", "pass", "fail"), record("failed", "cannot be decided")], "", "fail"),
        ([record("failed", "cannot be decided"), record("skipped")], "", "cannot be decided"),
        ([record("passed")], "", "cannot be decided"),  # examined nothing
        (
            [record("error", message="RT-01 cannot be decided: evidence missing")],
            "",
            "cannot be decided",
        ),
        ([record("failed", message="AssertionError: 2 != 3")], "", "fail"),
        # The words of a message decide nothing: only findings and the outcome do.
        ([record("failed", message="RT-01 cannot be decided: evidence missing")], "", "fail"),
        ([record("error", message="AssertionError: 2 != 3")], "", "cannot be decided"),
        ([], "judged only with --drive", "not judged"),
    ],
)
def test_the_worst_test_status_stands_for_the_criterion(records, not_run, expected):
    assert criterion_result("RT-01", records, not_run).status == expected


def test_a_pass_from_another_criterions_findings_is_not_this_criterions_pass():
    shared = RunRecord("t::both", ["RT-01", "RT-02"], "passed", "", [finding("pass", "RT-02")])
    assert criterion_result("RT-01", [shared]).status == "cannot be decided"
    assert criterion_result("RT-02", [shared]).status == "pass"


def results(**statuses: str) -> list[CriterionResult]:
    return [
        CriterionResult(cid, statuses.get(cid.replace("-", "_"), "pass"), "why")
        for cid in catalogue()
    ]


@pytest.mark.parametrize(
    "drive, subset, statuses, expected, code",
    [
        (
            False,
            None,
            {
                "DR_01": "not judged",
                "DR_02": "not judged",
                "DR_03": "not judged",
                "DR_04": "not judged",
            },
            "fit",
            0,
        ),
        (True, None, {"DR_01": "not judged"}, "incomplete", 6),
        (False, None, {"RT_02": "fail", "AR_01": "not judged"}, "not fit", 1),
        (False, None, {"RT_03": "cannot be decided"}, "not fit", 1),
        (False, ["RT-02"], {}, "partial", 7),
        (False, ["RT-02"], {"RT_02": "fail"}, "not fit", 1),
    ],
)
def test_the_run_verdict_and_its_exit_code(drive, subset, statuses, expected, code):
    verdict = decide_run("v0.1", results(**statuses), Scope.of_run(drive, subset))
    assert (verdict.value, verdict.exit_code, verdict.signed_off) == (
        expected,
        code,
        expected == "fit",
    )
