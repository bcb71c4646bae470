"""A second lane by data alone: a v0.2 profile, written by this test to its own profiles folder
($AGENTRUN_LANE_PROFILES), is judged by the unchanged suite with v0.2's names, a sandbox lane is
seeded from it, and the in-cluster render works for it. Nothing of the package is edited for it.

The profile is written here, not shipped: v0.2 is not a lane of the spec yet, and a shipped
profile would be offered to every user as if it were.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from agentrun_sandbox import lane as sandbox
from agentrun_sandbox import source_files
from agentrun_sandbox.scenarios import SCENARIOS, SandboxControl
from pytest_agentrun.checks import tekton
from pytest_agentrun.catalogue.criteria import catalogue, render, templates
from pytest_agentrun.incluster import render as incluster
from pytest_agentrun.lane import PROFILES_ENV, LaneProfile, available_lanes
from pytest_agentrun.sandbox_session import failure_cause
from suite_run import ROOT, read_junit, run_pytest, run_suite_in_process

V01 = re.compile(r"v0\.1|v01")


def v02_profile(folder: Path) -> Path:
    """v0.1's profile with every lane name moved to v0.2: namespace, branches, GitOps path, Argo
    AppProject and Application, Tekton names, Secrets, worktree."""
    text = (ROOT / "pytest_agentrun" / "lanes" / "v0.1.yaml").read_text()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "v0.2.yaml"
    path.write_text(text.replace("v0.1", "v0.2").replace("v01", "v02"))
    return path


@pytest.fixture
def v02(tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    v02_profile(folder)
    monkeypatch.setenv(PROFILES_ENV, str(folder))
    return LaneProfile.load("v0.2")


def test_the_v02_profile_is_a_lane_of_its_own(v02):
    assert "v0.2" in available_lanes() and "v0.1" in available_lanes()
    assert (v02.runtime_namespace, v02.source_branch, v02.gitops_branch) == (
        "agentrun-v02",
        "v0.2",
        "v0.2-gitops",
    )
    assert (v02.runtime_path, v02.app_project, v02.application) == (
        "deploy/gitops/g14/runtime-v02",
        "agentrun-v02",
        "agentrun-g14-v02",
    )
    assert LaneProfile.load("v0.1").runtime_namespace == "agentrun-v01"


def test_criterion_texts_carry_the_v02_names_and_none_of_v01(v02):
    rendered = {row["id"]: render(row, v02) for row in templates()}
    assert rendered["RT-01"].text == "Namespace `agentrun-v02` exists and is Active."
    assert (
        "`argocd/agentrun-g14-v02`" in rendered["AR-02"].text
        and "`targetRevision: v0.2-gitops`" in rendered["AR-02"].text
    )
    assert "`agentrun-v02-ci-<short12>`" in rendered["TK-02"].text
    # localV01/githubV01 are field names of the mirror status, not lane names.
    left = {
        cid: V01.findall(" ".join((c.text, c.evidence, c.violation)).replace("V01", ""))
        for cid, c in rendered.items()
    }
    assert not {cid: found for cid, found in left.items() if found}


def test_the_v01_texts_are_the_spec_words():
    """Rendered for v0.1 (the default lane), every row is criteria.md's row word for word."""
    spec = (ROOT / "pytest_agentrun" / "data" / "spec" / "criteria.md").read_text()
    rows = {
        m.group(1): [cell.strip() for cell in m.group(2).split(" | ")]
        for m in re.finditer(r"^\| ([A-Z]{2,3}-\d{2}) \| (.*) \|$", spec, re.MULTILINE)
    }
    assert len(rows) == len(catalogue()) == 60

    # The DR rows' table has other columns than evidence and violation: their text is compared.
    def cells(c):
        return [c.text] if c.kind == "drive" else [c.text, c.evidence, c.violation]

    differ = [cid for cid, c in catalogue().items() if rows[cid][: len(cells(c))] != cells(c)]
    assert not differ, differ


def test_the_tekton_task_names_are_the_profiles(tmp_path, monkeypatch):
    """The lane's task list is a lane fact: a profile that renames a task changes what the checks
    look for."""
    folder = tmp_path / "profiles"
    path = v02_profile(folder)
    path.write_text(path.read_text().replace("{name: plan,", "{name: plan-v2,"))
    monkeypatch.setenv(PROFILES_ENV, str(folder))
    v02 = LaneProfile.load("v0.2")
    assert tekton.task_name(v02, "plan") == "plan-v2"
    assert tekton.task_name(LaneProfile.load("v0.1"), "plan") == "plan"
    runs = [{"metadata": {"name": "r-plan", "labels": {"tekton.dev/pipelineTask": "plan"}}}]
    assert tekton.task_run_of(v02, runs, "plan") is None
    assert tekton.task_run_of(LaneProfile.load("v0.1"), runs, "plan") == runs[0]


def test_the_verification_account_is_a_profile_fact(v02):
    """The in-cluster verification's ServiceAccount is the profile's (tekton.tasks.verify): render
    names the account and its Roles after it, RT-06 exempts exactly those Roles, and TK-03 wants a
    verification TaskRun to run as it."""
    v01 = LaneProfile.load("v0.1")
    assert v01.verification_service_account == "agentrun-v01-acceptance" == incluster.task_name(v01)
    for profile in (v01, v02):
        rbac = incluster.render(profile)["rbac.yaml"]
        assert [o["metadata"]["name"] for o in rbac if o["kind"] == "ServiceAccount"] == [
            profile.verification_service_account
        ]
        made = {
            (o["kind"], o["metadata"]["name"])
            for o in rbac
            if o["metadata"].get("namespace") == profile.runtime_namespace
        }
        exempt = {
            (n["kind"], n["name"])
            for n in profile.untracked_objects["named"]
            if n.get("group") == "rbac.authorization.k8s.io"
        }
        assert made == exempt
    pod = {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"}
    run = {
        "spec": {
            "taskRunTemplate": {
                "serviceAccountName": v02.tekton_service_account,
                "podTemplate": pod,
            }
        }
    }

    def verifying(account: str) -> dict:
        return {
            "metadata": {
                "name": "r-acceptance",
                "namespace": v02.tekton_namespace,
                "labels": {"tekton.dev/pipelineTask": "acceptance"},
            },
            "spec": {"serviceAccountName": account},
        }

    def judged(account: str) -> list:
        return tekton.pipeline_run_on_host_network(v02, "a" * 40, run, [verifying(account)])

    assert all(f.ok for f in judged("agentrun-v02-acceptance"))
    [wrong] = [f for f in judged("agentrun-v01-acceptance") if not f.ok]
    assert "agentrun-v02-acceptance" in wrong.expected and "agentrun-v01-acceptance" in wrong.found


def test_every_lane_fact_is_read_through_a_typed_accessor():
    """The package reads the profile's keys in lane.py only: everywhere else a LaneProfile property
    names the fact (a raw `profile["..."]` would hide a lane fact from the accessors)."""
    raw = re.compile(r"""profile(?:\.data)?\[["']|\.data\[["']""")
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "pytest_agentrun").rglob("*.py"))
        if path.name != "lane.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if raw.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_suite_judges_a_v02_lane_by_its_own_names(conforming_lane, tmp_path):
    """Against a lane that holds v0.1 only, --lane v0.2 looks for v0.2's objects: its namespace is
    missing (RT-01 fails naming it), and no check breaks on the other lane's names."""
    folder = tmp_path / "profiles"
    v02_profile(folder)
    original = Path(conforming_lane.lane_config)
    config = yaml.safe_load(original.read_text())
    config["lane"] = "v0.2"
    # Its paths are relative to the original file: this copy lives elsewhere.
    config["kubernetes"]["kubeconfig"] = str(original.parent / config["kubernetes"]["kubeconfig"])
    config["source"]["worktree"] = str(original.parent / config["source"]["worktree"])
    lane_config = tmp_path / "lane-v02.yaml"
    lane_config.write_text(yaml.safe_dump(config))
    reports = tmp_path / "reports"
    done = run_pytest(
        str(ROOT / "acceptance"),
        "--lane",
        "v0.2",
        "--lane-config",
        str(lane_config),
        "--agentrun-reports",
        str(reports),
        "-p",
        "no:cacheprovider",
        "-q",
        timeout=300,
        env={**os.environ, PROFILES_ENV: str(folder)},
    )
    assert (reports / "junit.xml").is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    verdicts, messages = read_junit(reports / "junit.xml")
    assert "RT-01" in verdicts and verdicts["RT-01"] == ["failed"], done.stdout[-3000:]
    assert "agentrun-v02" in "\n".join(messages["RT-01"])
    verdict = json.loads((reports / "verdict.json").read_text())
    assert verdict["lane"] == "v0.2" and not verdict["signedOff"]
    rows = {row["id"]: row for row in verdict["criteria"]}
    # TK-11 reads the v0.2 source branch, which this lane lacks: it says so (it used to crash).
    assert rows["TK-11"]["status"] == "cannot be decided" and "v0.2" in rows["TK-11"]["reason"]
    # What each check expected is said in v0.2's names (what it found may well be v0.1's).
    expected = [
        (f["criterion"], f["subject"], f["expected"])
        for row in rows.values()
        for f in row.get("findings", [])
    ]
    stale = [e for e in expected if V01.search(" ".join(e[1:]).replace("V01", ""))]
    assert expected and not stale, stale
    broken = {
        cid: m
        for cid, ms in messages.items()
        for m in ms
        if "Traceback" in m or "internal error" in m
    }
    assert not broken, json.dumps(broken)[:3000]


def test_explain_shows_the_criterion_in_the_lanes_words(tmp_path):
    folder = tmp_path / "profiles"
    v02_profile(folder)
    done = run_pytest(
        str(ROOT / "acceptance"),
        "--lane",
        "v0.2",
        "--explain",
        "AR-01",
        "-p",
        "no:cacheprovider",
        timeout=60,
        env={**os.environ, PROFILES_ENV: str(folder)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    assert first == (
        "AR-01  AppProject `argocd/agentrun-v02` exists and its destinations contain only "
        "namespace `agentrun-v02`."
    ), first


def test_the_in_cluster_render_works_for_v02(tmp_path):
    folder = tmp_path / "profiles"
    v02_profile(folder)
    command = [
        sys.executable,
        "-m",
        "pytest_agentrun.cli",
        "render-incluster",
        "--lane",
        "v0.2",
        "--out",
        str(tmp_path / "out"),
    ]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, PROFILES_ENV: str(folder)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rendered = "\n".join(p.read_text() for p in sorted((tmp_path / "out").iterdir()))
    assert "agentrun-v02" in rendered and "agentrun-ci" in rendered
    assert not V01.findall(rendered), sorted(set(re.findall(r"\S*(?:v0\.1|v01)\S*", rendered)))


def test_a_sandbox_start_up_failure_names_its_cause():
    traceback = (
        "sandbox lane failed to start in /tmp/x:\nTraceback (most recent call last):\n"
        '  File "seed.py", line 3, in seed\n    api.create(ns)\n'
        "agentrun_sandbox.controlplane.store.KubeApiError: create Secret: 404 NotFound: "
        'namespaces "agentrun-v01" not found\n'
    )
    assert failure_cause(traceback) == (
        "sandbox lane failed to start in /tmp/x: agentrun_sandbox.controlplane."
        'store.KubeApiError: create Secret: 404 NotFound: namespaces "agentrun-v01" not found'
    )
    assert failure_cause("sandbox lane did not become ready within 60s (/tmp/x)") == (
        "sandbox lane did not become ready within 60s (/tmp/x)"
    )


def test_the_sandbox_source_tree_is_written_in_the_lanes_names(v02):
    """The seeded repository (source_tree/ filled from the profile) names its own lane only."""
    tree = source_files.files(v02.data)
    assert "docs/reference/lane-v0.2.md" in tree
    intent = json.loads(tree[v02.deploy_intent_path])
    assert (intent["lane"], intent["runtime"]["namespace"]) == ("v0.2", "agentrun-v02")
    assert {s["secretRef"] for s in intent["services"][0]["providers"]} == set(
        v02.provider_secret_refs.values()
    )
    left = {name: V01.findall(name + text.decode()) for name, text in tree.items()}
    assert not {name: found for name, found in left.items() if found}
    assert (
        json.loads(source_files.file(LaneProfile.load("v0.1").data, "deploy/deploy.json"))["lane"]
        == "v0.1"
    )


@pytest.fixture
def v02_sandbox(tmp_path, monkeypatch):
    """A sandbox lane started for the v0.2 profile: the supervisor finds it as the plugin does."""
    folder = tmp_path / "profiles"
    v02_profile(folder)
    monkeypatch.setenv(PROFILES_ENV, str(folder))
    handle = sandbox.up(tmp_path / "lane", lane="v0.2", parent_pid=os.getpid())
    yield handle
    sandbox.down(tmp_path / "lane")


def v01_names_read(reports: Path) -> list[str]:
    """Whatever the run read (its evidence bundle) that names the v0.1 lane."""
    text = "".join(
        p.read_text() for p in (reports / "evidence" / "latest").glob("evidence-*.jsonl")
    )
    return sorted(set(re.findall(r"[\w./:-]*(?:v0\.1|v01)[\w./:-]*", text.replace("V01", ""))))


def test_a_sandbox_seeded_from_the_v02_profile_signs_off_and_its_violation_fails(
    v02_sandbox, tmp_path
):
    """The sandbox takes every name from the profile it is started for: the v0.2 lane it seeds
    passes the whole passive catalogue in v0.2's names (nothing the suite read names v0.1), and a
    violation of it fails the criterion that names it."""
    fit = run_suite_in_process(v02_sandbox.lane_config, tmp_path / "fit", lane="v0.2")
    assert fit.returncode == 0, fit.output[-3000:]
    assert re.search(
        r"^FIT TO SIGN OFF lane v0\.2 \(gitops [0-9a-f]{8}, source [0-9a-f]{8}\): 56 of 56 passive "
        r"catalogue criteria pass;",
        fit.output,
        re.MULTILINE,
    ), fit.output[-1500:]
    assert not v01_names_read(tmp_path / "fit")

    SCENARIOS["ci-commit-on-source-branch"].apply(SandboxControl(v02_sandbox.paths.root))
    violated = run_suite_in_process(v02_sandbox.lane_config, tmp_path / "violated", lane="v0.2")
    assert violated.returncode == 1, violated.output[-3000:]
    assert re.search(
        r"^NOT FIT TO SIGN OFF lane v0\.2 .*: 1 of 56 passive catalogue criteria fail: TK-11;",
        violated.output,
        re.MULTILINE,
    ), violated.output[-1500:]
    assert violated.failed() == {"TK-11"}
    said = "\n".join(violated.messages["TK-11"])
    assert "v0.2" in said and "agentrun-v02-tekton" in said, said


def test_sandbox_up_for_a_lane_without_a_profile_says_so(tmp_path):
    """Refused before anything starts, in one line naming the profiles there are."""
    env = {k: v for k, v in os.environ.items() if k != PROFILES_ENV}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_agentrun.cli",
            "sandbox",
            "up",
            "--lane",
            "v0.2",
            "--dir",
            str(tmp_path / "lane"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 1 and done.stderr.splitlines() == [
        "agentrun-lane: unknown lane 'v0.2': profiles exist for v0.1 (pytest_agentrun/lanes/)"
    ], done.stderr
    assert not (tmp_path / "lane").exists()
