"""Every criterion lives in all its places: a registered check, an acceptance test that calls it,
unit tests that exercise it, and sandbox scenarios that make it fail.

The DR rows (kind: drive) have the first three; their outcomes are produced by driving a lane, which
the kill matrix (passive runs against violated sandboxes) never does, so no scenario declares them:
their killing evidence is the drive end-to-end tests (tests/test_drive_*.py) that name the ID: each
drives a (faulted) sandbox with --drive and asserts what the criterion concludes.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from agentrun_sandbox.scenarios import SCENARIOS
from pytest_agentrun.checks import runtime
from pytest_agentrun.checks.judges import JUDGES, judges, registered
from pytest_agentrun.catalogue.criteria import catalogue
from pytest_agentrun.catalogue.places import callers_of_checks, drive_kill_places, scenario_places
from pytest_agentrun.catalogue.places import criterion_marks as _criterion_marks

ROOT = Path(__file__).resolve().parents[1]
CRITERIA = sorted(catalogue())


@pytest.fixture(scope="module")
def places():
    checks = registered()
    return {
        "check": checks,
        "acceptance": callers_of_checks(ROOT / "acceptance", checks),
        "unit": callers_of_checks(ROOT / "tests", checks),
        "kills": scenario_places(),
        "driven": drive_kill_places(ROOT / "tests"),
    }


@pytest.mark.parametrize("cid", CRITERIA)
def test_every_criterion_has_a_registered_check(cid, places):
    assert cid in places["check"], f"{cid}: no check is registered with @judges({cid!r})"


@pytest.mark.parametrize("cid", CRITERIA)
def test_the_acceptance_test_of_each_criterion_calls_its_registered_check(cid, places):
    marked = {f.name for f in _acceptance_tests() if cid in _criterion_marks(f)}
    calling = {p.name for p in places["acceptance"].get(cid, [])}
    assert marked, f"{cid}: no acceptance test is marked @pytest.mark.criterion({cid!r})"
    assert marked & calling, (
        f"{cid}: the acceptance tests marked with it ({sorted(marked)}) do not "
        f"call its registered check {places['check'][cid].name}"
    )


@pytest.mark.parametrize("cid", CRITERIA)
def test_every_criterion_has_unit_tests_of_its_check(cid, places):
    units = [p for p in places["unit"].get(cid, []) if p.path.name != Path(__file__).name]
    assert units, f"{cid}: no test in tests/ exercises {places['check'][cid].name}"


@pytest.mark.parametrize("cid", CRITERIA)
def test_every_criterion_has_a_killing_scenario(cid, places):
    if catalogue()[cid].kind == "drive":
        e2e = places["driven"].get(cid, [])
        assert e2e, f"{cid}: no drive end-to-end test (tests/test_drive_*.py) names it"
        return
    kills = places["kills"].get(cid, [])
    assert kills, f"{cid}: no scenario of fixtures/agentrun_sandbox/scenarios/ declares it kills it"


def test_scenario_places_name_the_scenario_decorator_line():
    place = next(p for p in scenario_places()["RT-01"] if p.name == "namespace-terminating")
    decorator = ""  # the decorator call, whichever lines the formatter spread it over
    for line in place.path.read_text().splitlines()[place.line - 1 :]:
        decorator += line.strip()
        if decorator.count("(") == decorator.count(")"):
            break
    assert decorator.startswith('@scenario("namespace-terminating"'), decorator
    assert set(scenario_places()) <= set(catalogue()) and len(SCENARIOS) > 0


def test_a_criterion_is_judged_once_and_only_known_ids_register():
    with pytest.raises(ValueError, match="RT-01 is judged twice"):
        judges("RT-01")(lambda: [])
    with pytest.raises(KeyError, match="XX-99"):
        judges("XX-99")
    assert JUDGES["RT-01"].check is runtime.namespace_active


def test_unit_tests_are_found_by_the_check_they_reference(tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "from pytest_agentrun.checks import runtime as rt\n"
        "from pytest_agentrun.checks.runtime import pods_ready as ready\n"
        "def test_a():\n    rt.namespace_active('x', None)\n"
        "class TestB:\n    def test_b(self):\n        ready\n"
        "def test_c():\n    'RT-05 is named here only'\n"
    )
    found = callers_of_checks(tmp_path, registered())
    assert [(p.name, p.line) for p in found["RT-01"]] == [("test_a", 3)]
    assert [p.name for p in found["RT-03"]] == ["test_b"]
    assert "RT-05" not in found


def _acceptance_tests():
    for path in sorted((ROOT / "acceptance").glob("test_*.py")):
        yield from (n for n in ast.parse(path.read_text()).body if isinstance(n, ast.FunctionDef))


def test_list_criteria_shows_the_four_places_of_each_criterion_as_file_line():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "acceptance",
            "--lane",
            "v0.1",
            "--list-criteria",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("RT-01 ")))
    block = [line.split() for line in lines[start + 1 :] if line.startswith("        ")][:6]
    roles = {role for role, *_ in block}
    assert {"check", "test", "unit", "kills"} <= roles, block
    for role, place, name in block:  # file:line is the decorator's line; the name is on it or below
        path, line = place.rsplit(":", 1)
        source = (ROOT / path).read_text().splitlines()[int(line) - 1 : int(line) + 1]
        assert name in "\n".join(source), (role, place, source)
