"""A criterion's ID is stated once, by `@judges("ID")` (issue 21): the findings its check and the
check's helpers make carry that ID without naming it, and a finding made outside any judged check
that names no criterion is refused, never a finding of no criterion."""

from __future__ import annotations

import inspect

import pytest

from pytest_agentrun.checks import aipod, argo, legacy
from pytest_agentrun.checks.judges import JUDGES, also_judges
from pytest_agentrun.finding import Finding, NoCriterion, failed, judging, passed, undecided
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.model.documents import Catalog
from pytest_agentrun.model.forbidden import ForbiddenTargets

NS = "agentrun-v01"


def test_a_judged_checks_findings_carry_the_decorators_criterion():
    profile = LaneProfile.load("v0.1")
    assert {f.criterion for f in argo.project_destinations(profile, None)} == {"AR-01"}
    project = {"spec": {"destinations": [{"namespace": NS, "server": "x"}]}}
    assert {f.criterion for f in argo.project_destinations(profile, project)} == {"AR-01"}


def test_a_helper_shared_by_two_criteria_reports_the_one_that_called_it():
    selectors = LaneProfile.load("v0.1").runner_selectors
    catalog = Catalog.parse("v0.1-gitops@x:catalog.json", '{"lane": "v0.1", "services": []}')
    [ap01] = aipod.env_images_from_catalog([], catalog, NS, selectors)  # nothing_to_judge(...)
    [ap02] = aipod.no_runtime_install([], NS, selectors)  # the same helper
    assert (ap01.criterion, ap02.criterion) == ("AP-01", "AP-02")


def test_a_second_entry_point_states_its_id_with_also_judges_and_registers_nothing():
    profile = LaneProfile.load("v0.1")
    findings = legacy.lane_reads_no_legacy_source(
        ForbiddenTargets.of(profile), {"worktree": "/root/agentrun"}
    )
    assert findings and {f.criterion for f in findings} == {"LG-02"}
    assert JUDGES["LG-02"].check is legacy.verdict_in_truth_order


def test_the_decorator_keeps_the_checks_name_signature_and_place():
    judge = JUDGES["AR-01"]
    assert judge.check is argo.project_destinations
    assert argo.project_destinations.__name__ == "project_destinations"
    assert list(inspect.signature(argo.project_destinations).parameters) == ["profile", "project"]
    assert (judge.path.name, judge.name) == ("argo.py", "project_destinations")
    assert judge.path.read_text().splitlines()[judge.line - 1] == '@judges("AR-01")'


def test_an_explicit_criterion_is_kept_inside_a_judged_check():
    @also_judges("RT-05")
    def check() -> list[Finding]:
        """A check reporting one finding for another criterion on purpose."""
        return [passed("a", "x", "x", "here"), failed("b", "x", "y", "here", criterion="RT-02")]

    assert [f.criterion for f in check()] == ["RT-05", "RT-02"]
    assert check.__name__ == "check" and check.__doc__.startswith("A check reporting")


def test_a_finding_outside_any_judged_check_without_a_criterion_raises():
    with pytest.raises(NoCriterion, match="names no criterion"):
        passed("a", "x", "x", "here")
    with pytest.raises(NoCriterion):
        undecided("a", "x", "unreadable", "here")
    with pytest.raises(NoCriterion):
        Finding("", True, "a", "x", "x", "here")
    assert undecided("a", "x", "unreadable", "here", criterion="RT-03").criterion == "RT-03"


def test_the_stamp_ends_with_the_check_even_when_it_raises():
    @also_judges("RT-05")
    def broken() -> list[Finding]:
        raise RuntimeError("unexpected evidence")

    with pytest.raises(RuntimeError):
        broken()
    with judging("RT-04"):
        assert passed("a", "x", "x", "here").criterion == "RT-04"
    with pytest.raises(NoCriterion):
        passed("a", "x", "x", "here")
