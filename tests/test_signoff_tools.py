"""The tools around a sign-off: bundles that record their verdict, `diff`, Task
results, `--explain`, and `agentrun-lane`'s own habits (version, output formats, exit
codes, no traceback)."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from pytest_agentrun.evidence import bundle
from pytest_agentrun.catalogue import explain
from pytest_agentrun.evidence.diff import diff, text
from pytest_agentrun.cli import main, parser
from pytest_agentrun.catalogue.criteria import catalogue
from pytest_agentrun.verdict.status import CriterionResult
from pytest_agentrun.incluster import task_results
from pytest_agentrun.verdict import files as verdict_files
from pytest_agentrun.verdict.run import Scope, decide_run

ROOT = Path(__file__).resolve().parents[1]


def verdict_doc(statuses: dict[str, str], identity: dict | None = None) -> dict:
    def finding(cid: str, status: str) -> list[dict]:
        return (
            []
            if status == "not judged"
            else [
                {
                    "criterion": cid,
                    "ok": status == "pass",
                    "status": status,
                    "subject": "s",
                    "expected": "e",
                    "found": "f",
                    "where": f"where/{cid}",
                }
            ]
        )

    results = [
        CriterionResult(
            cid, status, "" if status == "pass" else "why", [f"t::{cid}"], finding(cid, status)
        )
        for cid in catalogue()
        if catalogue()[cid].kind == "passive"
        for status in [statuses.get(cid, "pass")]
    ]
    verdict = decide_run(
        "v0.1",
        results,
        Scope.of_run(False, None),
        identity or {"lane": "v0.1", "suite.version": "0"},
    )
    return verdict_files.document(
        verdict, {"started": "2026-01-01T00:00:00Z", "finished": "2026-01-01T00:01:00Z"}, None
    )


def recorded_bundle(directory: Path, doc: dict, entries: list[dict]) -> Path:
    directory.mkdir(parents=True)
    (directory / "evidence-main.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    bundle.write_manifest(directory, "v0.1", {}, directory.name, doc)
    bundle.mark_latest(directory)
    return directory


def test_a_bundle_records_its_verdict_and_latest_names_the_newest(tmp_path):
    first = recorded_bundle(tmp_path / "evidence" / "run-1", verdict_doc({}), [])
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["verdict"]["value"] == "fit"
    assert (
        manifest["verdict"]["sha256"]
        == hashlib.sha256((first / "verdict.json").read_bytes()).hexdigest()
    )
    second = recorded_bundle(tmp_path / "evidence" / "run-2", verdict_doc({"RT-02": "fail"}), [])
    assert (tmp_path / "evidence" / "latest").resolve() == second.resolve()
    assert (
        bundle.RecordedEvidence(tmp_path / "evidence" / "latest").manifest["verdict"]["value"]
        == "not fit"
    )


def test_diff_names_changed_criteria_commits_digests_and_evidence(tmp_path, capsys):
    image = {"service": "mgr", "repository": "reg/env", "digest": "sha256:" + "a" * 64}
    before = recorded_bundle(
        tmp_path / "a",
        verdict_doc(
            {}, {"lane": "v0.1", "suite.version": "0", "gitops.head": "1" * 40, "images": [image]}
        ),
        [{"source": "kubernetes", "key": "Deployment mgr", "value": {"ready": 1}}],
    )
    after = recorded_bundle(
        tmp_path / "b",
        verdict_doc(
            {"RT-02": "fail"},
            {
                "lane": "v0.1",
                "suite.version": "0",
                "gitops.head": "2" * 40,
                "images": [dict(image, digest="sha256:" + "b" * 64)],
            },
        ),
        [{"source": "kubernetes", "key": "Deployment mgr", "value": {"ready": 0}}],
    )
    result = diff(before, after)
    assert [(c["id"], c["before"], c["after"]) for c in result["criteria"]] == [
        ("RT-02", "pass", "fail")
    ]
    assert result["criteria"][0]["where"] == ["where/RT-02"]
    assert result["identity"]["gitops.head"] == {"before": "1" * 40, "after": "2" * 40}
    assert result["identity"]["image mgr"]["after"] == "reg/env@sha256:" + "b" * 64
    assert result["evidence"] == [
        {"source": "kubernetes", "key": "Deployment mgr", "change": "changed"}
    ]
    assert "RT-02   pass -> fail: why" in text(result)
    assert main(["diff", str(before), str(after), "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["criteria"][0]["id"] == "RT-02"
    assert main(["diff", str(before), str(tmp_path / "nowhere")]) == 4
    assert "not an evidence bundle" in capsys.readouterr().err
    (after / "verdict.json").write_text(
        (after / "verdict.json").read_text().replace('"fail"', '"pass"')
    )
    assert main(["diff", str(before), str(after)]) == 4
    assert "checksum does not match the manifest" in capsys.readouterr().err


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ({}, "pass"),
        ({"RT-02": "fail"}, "fail"),
        ({"RT-03": "cannot be decided"}, "fail"),
        ({"AR-01": "not judged"}, "incomplete"),
    ],
)
def test_task_results_come_from_the_verdict(tmp_path, statuses, expected):
    doc = verdict_doc(statuses)
    verdict_files.write(tmp_path, doc)
    values, _ = task_results.results(tmp_path / "junit.xml", tmp_path / "verdict.json")
    assert values["verdict"] == expected
    assert values["failed-criteria"] == " ".join(
        c for c, s in statuses.items() if s in ("fail", "cannot be decided")
    )
    assert sum(len(v.encode()) for v in values.values()) < 2048, (
        "well under Tekton's 4096-byte results limit"
    )


def test_task_results_without_a_verdict_are_error_and_every_result_is_bounded(tmp_path):
    paths = {
        name: tmp_path / name
        for name in ("passed", "failed", "errors", "verdict", "counts", "failed-criteria")
    }
    args = [
        "--junit",
        str(tmp_path / "junit.xml"),
        *[a for n, p in paths.items() for a in (f"--{n}", str(p))],
    ]
    assert task_results.main(args + ["--exit-with-verdict"]) == 1
    assert paths["verdict"].read_text() == "error"
    assert len(task_results.bounded("RT-01 " * 1000).encode()) <= task_results.MAX_RESULT_BYTES


def test_every_criterion_has_a_spec_source_quoted_from_the_chinese_spec():
    spec = (
        resources.files("pytest_agentrun")
        .joinpath("data/spec/spec-v01-cicd-lane.zh.md")
        .read_text()
    )
    headings = {line.strip("# ").strip() for line in spec.splitlines() if line.startswith("#")}
    sources = explain.sources()
    assert set(sources) == set(catalogue())
    for cid, source in sources.items():
        assert source["source"] in spec, cid
        assert source["section"] in headings, cid
        assert re.search(r"[\u4e00-\u9fff]", source["source"]), (
            f"{cid}: not the Chinese source sentence"
        )


def test_explain_names_the_spec_the_evidence_the_check_and_the_scenarios():
    lines = "\n".join(explain.text(catalogue()["RT-04"], ROOT / "acceptance"))
    assert "Pod ready、service health 和对应 image digest" in lines
    assert "restatement (criteria.md):\n  The image each running container actually runs" in lines
    assert "evidence      Kubernetes API + catalog" in lines
    assert (
        "acceptance/test_1_live_runtime.py::test_running_containers_carry_the_catalog_digest"
        in lines
    )
    assert "check  pytest_agentrun/checks/runtime.py::images_match_catalog" in lines
    assert "pod-runs-older-digest:" in lines


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest_agentrun.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        **kwargs,
    )


def test_cli_version_help_and_usage_exit_codes():
    from pytest_agentrun import __version__

    assert cli("--version").stdout.strip() == f"agentrun-lane {__version__}"
    unknown = cli("mirror", "status", "--lane", "v9.9")
    assert (
        unknown.returncode == 4
        and "unknown lane 'v9.9'" in unknown.stderr
        and "Traceback" not in unknown.stderr
    )
    assert cli("no-such-command").returncode == 4
    assert cli("mirror", "sync").returncode == 4, (
        "a change refused without --confirm is a usage error"
    )
    assert not undocumented_options(parser()), "every option and argument has help"


def undocumented_options(
    command: argparse.ArgumentParser, prefix: str = "agentrun-lane"
) -> list[str]:
    missing = []
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                missing += undocumented_options(sub, f"{prefix} {name}")
        elif not action.help and not isinstance(action, argparse._HelpAction):
            missing.append(f"{prefix} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_cli_survives_a_closed_pipe_and_unwritable_paths(tmp_path):
    piped = subprocess.run(
        f"{sys.executable} -m pytest_agentrun.cli render-incluster --lane v0.1 | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr
    unwritable = cli("render-incluster", "--lane", "v0.1", "--out", "/proc/agentrun-out")
    assert unwritable.returncode != 0 and "Traceback" not in unwritable.stderr
    missing = cli(
        "verify-signoff", str(tmp_path / "none.json"), "--key", str(tmp_path / "none.pub")
    )
    assert missing.returncode == 8 and "Traceback" not in missing.stderr


def test_the_allure_report_groups_by_truth_level_section_and_criterion():
    config = json.loads(
        resources.files("pytest_agentrun").joinpath("data/allurerc.json").read_text()
    )
    assert config["plugins"]["awesome"]["options"]["groupBy"] == ["epic", "feature", "story"]
    assert (
        "--config pytest_agentrun/data/allurerc.json"
        in (ROOT / "scripts" / "allure-report.sh").read_text()
    )
