"""A driven release on a sandbox lane ends with the verification TaskRun (`tekton.dev/pipelineTask=
acceptance`) whose steps the sandbox's Tekton ran for real, as the Task's ServiceAccount: `pass` on
the conforming lane, `fail` naming the criteria on a violated one, `not-settled` when Argo CD never
syncs the release (and nothing is judged)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time


from agentrun_sandbox.scenarios import SCENARIOS, SandboxControl
from pytest_agentrun.incluster import render
from pytest_agentrun.lane import LaneProfile
from suite_run import ROOT
from test_drive_e2e import push_to_github

PROFILE = LaneProfile.load("v0.1")
ACCOUNT = render.task_name(PROFILE)
USER = f"system:serviceaccount:{PROFILE.tekton_namespace}:{ACCOUNT}"


def drive(control: SandboxControl) -> None:
    """trigger-current, then promote, as an operator runs them (their own waits are bounded)."""
    for command in (["trigger-current"], ["promote"]):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest_agentrun.cli",
                *command,
                "--lane-config",
                str(control.paths.lane_config),
                "--confirm",
                "--timeout",
                "60",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )


def verification_run(control: SandboxControl, timeout: float = 120) -> dict:
    """The acceptance TaskRun once it has finished."""
    deadline = time.monotonic() + timeout
    while True:
        runs = json.loads(
            control.kubectl(
                "get",
                "taskruns.tekton.dev",
                "-n",
                PROFILE.tekton_namespace,
                "-l",
                "tekton.dev/pipelineTask=acceptance",
                "-o",
                "json",
            )
        )["items"]
        condition = (
            next(iter((runs[-1].get("status") or {}).get("conditions") or [{}]), {}) if runs else {}
        )
        if condition.get("status") in ("True", "False") or time.monotonic() > deadline:
            assert runs and condition.get("status") in ("True", "False"), (
                f"no finished acceptance TaskRun: {runs}"
            )
            return runs[-1]


def results(task_run: dict) -> dict[str, str]:
    return {r["name"]: r["value"] for r in task_run["status"].get("results") or []}


def release(control: SandboxControl) -> dict:
    push_to_github(
        control,
        "docs/reference/release-notes.md",
        "# Notes\n\nverified in cluster\n",
        "docs: notes",
    )
    drive(control)
    return verification_run(control)


def test_a_conforming_release_ends_with_the_verdict_pass(fresh_lane):
    control = SandboxControl(fresh_lane.paths.root)
    task_run = release(control)
    found = results(task_run)
    assert {k: found[k] for k in ("verdict", "failed", "errors", "failed-criteria")} == {
        "verdict": "pass",
        "failed": "0",
        "errors": "0",
        "failed-criteria": "",
    }, task_run["status"]
    assert json.loads(found["counts"]).get("pass", 0) > 40, found["counts"]
    assert int(results(task_run)["passed"]) > 40
    assert task_run["spec"]["serviceAccountName"] == ACCOUNT
    pod = task_run["spec"][
        "podTemplate"
    ]  # placed on the worktree's host, still on the host network
    assert (
        pod["nodeSelector"] == PROFILE["sourceWorktree"]["nodeSelector"]
        and pod["hostNetwork"] is True
    )
    assert task_run["status"]["conditions"][0]["reason"] == "Succeeded"
    # every request the run made as the Task's ServiceAccount was allowed by the rendered RBAC
    mine = [r for r in fresh_lane.paths.api_requests() if r.get("user") == USER]
    assert {(r["resource"], r.get("subresource")) for r in mine} >= {
        ("applications", None),
        ("pods", None),
        ("secrets", None),
        ("services", "proxy"),
    }
    assert {r["verb"] for r in mine} <= {"get", "list", "watch", "proxy", "discovery"}, (
        "the Task only reads"
    )
    assert all(r["status"] == 200 for r in mine), [r for r in mine if r["status"] != 200]
    # the reports, the evidence bundle, the verdict and its attestation, and the settle record
    reports = next(fresh_lane.paths.workspaces.glob("runs/*/workspaces/acceptance-reports"))
    assert {
        "junit.xml",
        "report.html",
        "evidence",
        "verdict.json",
        "verification-summary.intoto.json",
        "settle.json",
        "lane.yaml",
    } <= {p.name for p in reports.iterdir()}
    secret = json.loads(
        control.kubectl(
            "get",
            "secret",
            "agentrun-v01-acceptance-git",
            "-n",
            PROFILE.tekton_namespace,
            "-o",
            "json",
        )
    )
    token = (
        base64.b64decode(secret["data"][".git-credentials"]).decode().split(":")[2].split("@")[0]
    )
    leaked = [
        p for p in reports.rglob("*") if p.is_file() and token in p.read_text(errors="replace")
    ]
    assert not leaked, f"the git credential reached the reports: {leaked}"
    logs = next(fresh_lane.paths.workspaces.glob("runs/*/*-acceptance/logs"))
    assert not [p for p in logs.iterdir() if token in p.read_text(errors="replace")]


def test_a_violated_lane_ends_with_the_verdict_fail_naming_the_criteria(fresh_lane):
    control = SandboxControl(fresh_lane.paths.root)
    SCENARIOS["provider-secret-missing"].apply(control)
    task_run = release(control)
    found = results(task_run)
    assert found["verdict"] == "fail" and "RT-07" in found["failed-criteria"].split(), found
    assert int(found["failed"]) >= 1
    assert task_run["status"]["conditions"][0]["status"] == "False", (
        "the Task fails unless the verdict is pass"
    )


def test_a_release_argo_never_syncs_is_not_settled_not_failed(fresh_lane):
    control = SandboxControl(fresh_lane.paths.root)
    task = json.loads(
        control.kubectl(
            "get", "tasks.tekton.dev", ACCOUNT, "-n", PROFILE.tekton_namespace, "-o", "json"
        )
    )
    index = [p["name"] for p in task["spec"]["params"]].index("settle-timeout")
    control.kubectl(
        "patch",
        "tasks.tekton.dev",
        ACCOUNT,
        "-n",
        PROFILE.tekton_namespace,
        "--type",
        "json",
        "-p",
        json.dumps([{"op": "replace", "path": f"/spec/params/{index}/default", "value": "3"}]),
    )
    control.set_faults(
        argoSyncError="one or more objects failed to apply: admission webhook denied the request"
    )
    task_run = release(control)
    found = results(task_run)
    assert found == {
        "verdict": "not-settled",
        "passed": "0",
        "failed": "0",
        "errors": "0",
        "counts": "{}",
        "failed-criteria": "",
    }
    settle = next(
        fresh_lane.paths.workspaces.glob("runs/*/workspaces/acceptance-reports/settle.json")
    )
    seen = json.loads(settle.read_text())
    assert seen["settled"] is False and seen["timeout"] == 3.0, seen
    assert (seen["sync"], seen["health"], seen["syncRevision"]) != (
        "Synced",
        "Healthy",
        seen["gitopsHead"],
    ), seen
    assert not settle.with_name("junit.xml").exists(), "an unsettled lane is not judged"
