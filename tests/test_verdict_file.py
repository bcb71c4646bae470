"""reports/verdict.json stays small on a large lane: a passing finding is written without its
evidence (the JUnit, HTML and Allure reports carry it), a failing or undecided one keeps it, and
the document is still valid against schemas/verdict.schema.json (issue 14)."""

from __future__ import annotations

import json

from pytest_agentrun.verdict.status import CriterionResult
from pytest_agentrun.model.documents import schema_errors
from pytest_agentrun.finding import failed, passed, undecided
from pytest_agentrun.verdict import files as verdict_files
from pytest_agentrun.verdict.run import Scope, decide_run


def finding_dicts(*findings) -> list[dict]:
    return [f.as_dict() for f in findings]


def test_passing_findings_lose_their_evidence_and_the_others_keep_it(tmp_path):
    ok = passed(
        "Deployment a",
        "ready",
        "ready 1/1",
        "kubernetes a",
        criterion="RT-01",
        replicas={"ready": 1},
    )
    bad = failed(
        "Deployment b",
        "ready",
        "ready 0/1",
        "kubernetes b",
        criterion="RT-02",
        replicas={"ready": 0},
    )
    results = [
        CriterionResult("RT-01", "pass", "", ["t1"], finding_dicts(ok)),
        CriterionResult("RT-02", "fail", "b: not ready", ["t2"], finding_dicts(bad)),
    ]
    scope = Scope("subset", ["RT-01", "RT-02"], ["RT-01", "RT-02"])
    verdict = decide_run("v0.1", results, scope, {"lane": "v0.1", "suite.version": "0"})
    doc = verdict_files.document(verdict, {"started": "s", "finished": "f"}, None)
    written = json.loads(verdict_files.write(tmp_path, doc).read_text())
    assert schema_errors("verdict", written) == []
    rows = {c["id"]: c["findings"] for c in written["criteria"]}
    assert "evidence" not in rows["RT-01"][0] and rows["RT-01"][0]["found"] == "ready 1/1"
    assert rows["RT-02"][0]["evidence"] == {"replicas": {"ready": 0}}
    assert verdict_files.read(tmp_path / verdict_files.VERDICT_FILE) == written


def test_an_undecided_finding_keeps_its_evidence():
    why = undecided(
        "catalog", "readable", "missing", "mirror", criterion="RT-03", branch="v0.1-gitops"
    )
    kept = verdict_files._bounded(why.as_dict())
    assert kept == why.as_dict() and kept["evidence"] == {"branch": "v0.1-gitops"}


def test_a_criterion_with_many_passes_keeps_a_few_and_counts_the_rest(tmp_path):
    many = [
        passed(f"Deployment s{i} replicas", "1", "1", f"deploy s{i}", criterion="GO-07")
        for i in range(50)
    ]
    bad = failed("Deployment z replicas", "1", "0", "deploy z", criterion="GO-07", replicas=0)
    results = [CriterionResult("GO-07", "fail", "z: 0 replicas", ["t"], finding_dicts(*many, bad))]
    scope = Scope("subset", ["GO-07"], ["GO-07"])
    verdict = decide_run("v0.1", results, scope, {"lane": "v0.1", "suite.version": "0"})
    doc = verdict_files.document(verdict, {"started": "s", "finished": "f"}, None)
    [row] = json.loads(verdict_files.write(tmp_path, doc).read_text())["criteria"]
    assert row["passesOmitted"] == 50 - verdict_files.PASSES_KEPT
    assert [f["status"] for f in row["findings"]].count("fail") == 1 and row["findings"][-1][
        "found"
    ] == "0"
    assert len(row["findings"]) == verdict_files.PASSES_KEPT + 1
