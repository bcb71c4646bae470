"""No status or verdict is read from message text (issue 21): messages reworded, the same verdict.

A stand-in suite takes every path that ends a test (findings of each status, a check that examined
nothing, missing evidence raised in the test or in a fixture, the explicit CannotBeDecided, a check
that broke, a plain failure, a skip). It runs twice from an empty bundle: as written, and with a
plugin that rewrites every text a report carries (the failure or skip message, each finding's
subject, expected, found and where), planting the words that once decided a status ("cannot be
decided", "evidence missing") in every one. Each criterion's status, the verdict and the exit code
must come out the same.
"""

from __future__ import annotations

import json

import pytest

from pytest_agentrun.catalogue.criteria import catalogue

PASSIVE = [cid for cid, c in catalogue().items() if c.kind == "passive"]
PATHS = [
    "pass", "fail", "undecided", "n/a", "nothing", "evidence", "evidence-in-setup",
    "cannot-be-decided", "typeerror", "pytest-fail", "assert", "skip",
]  # fmt: skip
BEHAVIOUR = dict(zip(PASSIVE, PATHS))

SUITE = """
import pytest
from pytest_agentrun.catalogue.criteria import catalogue
from pytest_agentrun.errors import CannotBeDecided, EvidenceError
from pytest_agentrun.finding import failed, not_applicable, passed, undecided

PASSIVE = [cid for cid, c in catalogue().items() if c.kind == "passive"]
BEHAVIOUR = {behaviour!r}

@pytest.fixture
def evidence(request):
    if BEHAVIOUR.get(request.node.callspec.id) == "evidence-in-setup":
        raise EvidenceError("kubernetes", "pods", "https://127.0.0.1:9", "API server unreachable")

CASES = [pytest.param(c, marks=pytest.mark.criterion(c), id=c) for c in PASSIVE]

@pytest.mark.parametrize("cid", CASES)
def test_criterion(cid, evidence, verdict):
    how = BEHAVIOUR.get(cid, "pass")
    ok = passed("ok thing", "x", "x", "here:1", criterion=cid)
    if how == "pass":
        verdict([ok])
    elif how == "fail":
        verdict([ok, failed("bad thing", "ready 1/1", "ready 0/1", "Deployment x", criterion=cid)])
    elif how == "undecided":
        verdict([undecided("the catalog", "readable", "branch missing", "mirror", criterion=cid)])
    elif how == "n/a":
        verdict([not_applicable("the build branch", "business-only change", "plan", criterion=cid)])
    elif how == "nothing":
        verdict([])
    elif how == "evidence":
        raise EvidenceError("registry", "manifest", "http://127.0.0.1:9", "registry unreachable")
    elif how == "cannot-be-decided":
        raise CannotBeDecided("the driven release", "trigger-current", "nothing was triggered")
    elif how == "typeerror":
        verdict([passed("pod", "x", "Running"["phase"], "pod", criterion=cid)])
    elif how == "pytest-fail":
        pytest.fail(f"{{cid}} the lane is wrong", pytrace=False)
    elif how == "assert":
        assert cid == "the lane"
    elif how == "skip":
        pytest.skip("no lane today")
"""

# Rewrites every text of every report after the plugin made it (outermost wrapper).
REWORDING = """
import pytest

PLANTED = "REWORDED: cannot be decided, evidence missing, fail, pass"
TEXTS = ("subject", "expected", "found", "where")

@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
        report.longrepr = (*report.longrepr[:2], PLANTED)
    elif report.longrepr is not None:
        report.longrepr = PLANTED
    for finding in getattr(report, "agentrun_findings", None) or []:
        finding.update({key: PLANTED for key in TEXTS})
"""


@pytest.fixture
def judge(pytester: pytest.Pytester):
    """Run the stand-in suite from an empty bundle; the verdict.json it leaves."""
    bundle = pytester.path / "bundle"
    bundle.mkdir()
    manifest = {
        "format": 1,
        "run": "stand-in",
        "lane": "v0.1",
        "suite": "0.1.0",
        "written": "2026-01-01T00:00:00Z",
        "connection": {},
        "files": {},
        "entries": 0,
    }
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    pytester.makepyfile(test_suite=SUITE.format(behaviour=BEHAVIOUR))

    def run(reports: str) -> tuple[int, dict]:
        result = pytester.runpytest_subprocess(
            "--lane", "v0.1", "--replay-evidence", str(bundle), "-p", "no:cacheprovider",
            "--agentrun-reports", reports, "test_suite.py",
        )  # fmt: skip
        return result.ret, json.loads((pytester.path / reports / "verdict.json").read_text())

    return run


def decided(doc: dict) -> dict:
    return {
        "verdict": doc["verdict"],
        "exitCode": doc["exitCode"],
        "counts": doc["counts"],
        "statuses": {c["id"]: c["status"] for c in doc["criteria"]},
    }


def test_rewording_every_message_changes_no_status_and_no_verdict(judge, pytester):
    code, written = judge("as-written")
    pytester.makeconftest(REWORDING)
    reworded_code, reworded = judge("reworded")

    statuses = decided(written)["statuses"]
    assert {statuses[cid] for cid in BEHAVIOUR} == {
        "pass", "fail", "cannot be decided", "not applicable", "not judged",
    }  # fmt: skip
    assert statuses[PASSIVE[PATHS.index("pytest-fail")]] == "fail"
    assert statuses[PASSIVE[PATHS.index("cannot-be-decided")]] == "cannot be decided"
    # The rewording took: every non-pass reason now carries the planted words.
    others = [c for c in reworded["criteria"] if c["id"] in BEHAVIOUR and c["status"] != "pass"]
    assert others and all("REWORDED" in c["reason"] for c in others), others
    assert (reworded_code, decided(reworded)) == (code, decided(written))
