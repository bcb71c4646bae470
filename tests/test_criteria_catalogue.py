"""The catalogue as data (data/criteria.yaml) restates the spec's criteria.md that
the package carries."""

import re
from importlib import resources

from pytest_agentrun.catalogue.criteria import catalogue
from pytest_agentrun.finding import NOT_APPLICABLE, UNDECIDED, not_applicable, undecided

import pytest


def spec_ids() -> list[str]:
    text = resources.files("pytest_agentrun").joinpath("data/spec/criteria.md").read_text()
    return re.findall(r"^\| ([A-Z]{2,3}-\d{2}) \|", text, flags=re.MULTILINE)


def test_every_row_of_criteria_md_is_in_the_catalogue_and_nothing_else():
    ids = spec_ids()
    assert len(ids) == 60
    assert ids == list(catalogue()), "criteria.yaml must list criteria.md's rows, in its order"


def test_an_undecided_finding_never_passes():
    finding = undecided(
        "namespace agentrun-v01",
        "phase Active",
        "API server unreachable",
        "Namespace x",
        criterion="RT-01",
    )
    assert (finding.ok, finding.status, finding.decided) == (False, UNDECIDED, False)
    assert finding.found == "cannot be decided: API server unreachable"
    with pytest.raises(ValueError):
        type(finding)("RT-01", True, "s", "e", "f", "w", {}, UNDECIDED)


def test_not_applicable_says_why():
    finding = not_applicable(
        "build branch", "no env-identity input changed", "PipelineRun x", criterion="TK-09"
    )
    assert finding.status == NOT_APPLICABLE and "no env-identity input changed" in finding.found
