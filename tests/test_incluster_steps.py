"""The verification Task's own steps as the sandbox's Tekton runs them (task_steps.TaskPod), and how
a run that carries the verification task is read: the release is done when every other task is."""

from __future__ import annotations

import copy
import stat
import threading

import pytest
import yaml

from agentrun_sandbox.lane_tasks import TaskFailed
from agentrun_sandbox.task_steps import TaskPod
from pytest_agentrun.checks import tekton as tekton_checks
from pytest_agentrun.model.run_state import observe
from pytest_agentrun.incluster import render
from pytest_agentrun.lane import LaneProfile

PROFILE = LaneProfile.load("v0.1")
TASKS = ["prepare-source", "check", "plan", "promote", "acceptance"]


def prepare_only(mode: str) -> dict:
    [task] = render.render(PROFILE, mode=mode)["acceptance-task.yaml"]
    spec = copy.deepcopy(task["spec"])
    spec["steps"] = [s for s in spec["steps"] if s["name"] == "prepare"]
    return spec


def run_prepare(tmp_path, mode: str, basic_auth=None, node_paths=None):
    worktree = tmp_path / "worktree"
    worktree.mkdir(exist_ok=True)
    bindings = {
        "reports": tmp_path / "reports",
        "basic-auth": basic_auth,
        "ssh-directory": None,
        "source-worktree": worktree if mode == "workspace" else None,
    }
    bindings["reports"].mkdir(exist_ok=True)
    pod = TaskPod(
        prepare_only(mode), {}, bindings, tmp_path / "pod", {}, node_paths or {}, threading.Event()
    )
    pod.run()
    return yaml.safe_load((tmp_path / "reports" / "lane.yaml").read_text()), pod


@pytest.mark.parametrize("mode", render.MODES)
def test_prepare_without_credentials_says_so_in_the_lane_config(tmp_path, mode):
    nodes = {PROFILE["sourceWorktree"]["path"]: tmp_path / "worktree"}
    config, _ = run_prepare(tmp_path, mode, node_paths=nodes)
    assert config["source"]["credentials"] is False
    assert config["source"]["worktree"] == str(tmp_path / "worktree"), (
        "the mount, wherever the step sees it"
    )
    assert (
        config["kubernetes"] == {"inCluster": True}
        and config["mirror"]["readUrl"] == PROFILE["mirror"]["readUrl"]
    )


def test_prepare_copies_basic_auth_into_home_restricted_and_never_prints_it(tmp_path):
    auth = tmp_path / "auth"
    auth.mkdir()
    (auth / ".git-credentials").write_text("https://reader:s3cr3t-value@github.com\n")
    (auth / ".gitconfig").write_text("[credential]\n\thelper = store\n")
    config, pod = run_prepare(tmp_path, "workspace", basic_auth=auth)
    assert config["source"]["credentials"] is True
    [home] = [p for p in (tmp_path / "pod" / "volumes").iterdir() if p.name == "home"]
    copied = home / ".git-credentials"
    assert copied.read_text() == (auth / ".git-credentials").read_text()
    assert stat.S_IMODE(copied.stat().st_mode) == 0o400
    log = (tmp_path / "pod" / "logs" / "prepare.log").read_text()
    assert "s3cr3t-value" not in log and "credentials for the source repo: true" in log


def test_prepare_copies_an_ssh_directory_restricted(tmp_path):
    ssh = tmp_path / "ssh"
    ssh.mkdir()
    (ssh / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nplanted\n")
    worktree = tmp_path / "worktree"
    worktree.mkdir()
    bindings = {
        "reports": tmp_path / "reports",
        "basic-auth": None,
        "ssh-directory": ssh,
        "source-worktree": worktree,
    }
    bindings["reports"].mkdir()
    TaskPod(
        prepare_only("workspace"), {}, bindings, tmp_path / "pod", {}, {}, threading.Event()
    ).run()
    copied = tmp_path / "pod" / "volumes" / "home" / ".ssh"
    assert stat.S_IMODE(copied.stat().st_mode) == 0o700
    assert stat.S_IMODE((copied / "id_ed25519").stat().st_mode) == 0o400
    assert (
        yaml.safe_load((tmp_path / "reports" / "lane.yaml").read_text())["source"]["credentials"]
        is True
    )
    assert "planted" not in (tmp_path / "pod" / "logs" / "prepare.log").read_text()


def test_a_hostpath_missing_on_the_node_fails_the_task(tmp_path):
    with pytest.raises(TaskFailed, match="does not exist on the node"):
        run_prepare(tmp_path, "hostpath", node_paths={})


def task_run(task: str, status: str, account: str = "agentrun-v01-tekton-runner") -> dict:
    return {
        "metadata": {"name": f"r-{task}", "labels": {"tekton.dev/pipelineTask": task}},
        "spec": {
            "serviceAccountName": account,
            "podTemplate": {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"},
        },
        "status": {
            "conditions": [
                {
                    "type": "Succeeded",
                    "status": status,
                    "reason": {"True": "Succeeded", "False": "Failed"}.get(status, "Running"),
                }
            ]
        },
    }


def pipeline_run(condition: str, tasks=TASKS) -> dict:
    return {
        "metadata": {"name": "r", "namespace": "agentrun-ci"},
        "spec": {
            "params": [{"name": "revision", "value": "a" * 40}],
            "pipelineRef": {"name": PROFILE.pipeline},
            "taskRunTemplate": {
                "serviceAccountName": "agentrun-v01-tekton-runner",
                "podTemplate": {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"},
            },
        },
        "status": {
            "conditions": [{"type": "Succeeded", "status": condition, "reason": "Running"}],
            "pipelineSpec": {"tasks": [{"name": t} for t in tasks]},
        },
    }


@pytest.mark.parametrize(
    "condition, acceptance, release, expected",
    [
        ("Unknown", "Unknown", "True", True),  # the release is done; the verification runs
        (
            "False",
            "False",
            "True",
            True,
        ),  # the verification found a fault: the release still succeeded
        ("True", "True", "True", True),
        ("Unknown", None, "Unknown", None),  # a release task still runs
        ("False", None, "False", False),  # a release task failed
    ],
)
def test_a_run_with_the_verification_task_succeeds_when_its_release_tasks_do(
    condition, acceptance, release, expected
):
    runs = [task_run(t, release) for t in TASKS[:-1]] + (
        [task_run("acceptance", acceptance)] if acceptance else []
    )
    assert observe(pipeline_run(condition), runs, 0.0).succeeded is expected


def test_a_run_without_the_verification_task_is_its_own_condition():
    runs = [task_run(t, "True") for t in TASKS[:-1]]
    assert observe(pipeline_run("Unknown", TASKS[:-1]), runs, 0.0).succeeded is None


def verdicts(findings) -> set[str]:
    return {f.status for f in findings}


def test_tk02_judges_the_release_tasks_of_a_run_still_verifying():
    run = pipeline_run("Unknown")
    runs = [task_run(t, "True") for t in TASKS[:-1]] + [
        task_run("acceptance", "Unknown", render.task_name(PROFILE))
    ]
    judged = tekton_checks.pipeline_run_for_commit(PROFILE, "a" * 40, run, "catalog", runs)
    assert verdicts(judged) == {"pass"}, judged
    failing = [task_run(t, "True") for t in TASKS[:-2]] + [task_run("promote", "False")]
    assert "fail" in verdicts(
        tekton_checks.pipeline_run_for_commit(PROFILE, "a" * 40, run, "catalog", failing)
    )
    without = tekton_checks.pipeline_run_for_commit(
        PROFILE, "a" * 40, pipeline_run("Unknown", TASKS[:-1]), "c", runs
    )
    assert "fail" in verdicts(without), (
        "a run without the verification task must itself have succeeded"
    )


def test_tk03_wants_the_verification_task_on_its_own_service_account():
    run = pipeline_run("True")
    own = [task_run(t, "True") for t in TASKS[:-1]] + [
        task_run("acceptance", "True", render.task_name(PROFILE))
    ]
    assert verdicts(tekton_checks.pipeline_run_on_host_network(PROFILE, "a" * 40, run, own)) == {
        "pass"
    }
    runner = own[:-1] + [task_run("acceptance", "True")]
    assert "fail" in verdicts(
        tekton_checks.pipeline_run_on_host_network(PROFILE, "a" * 40, run, runner)
    )
