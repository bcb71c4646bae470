"""`pytest acceptance --drive` end to end on sandbox lanes: a change pushed to GitHub's v0.1 is
driven through the mirror, the simulated Tekton and Argo CD, and judged, as a person would do it.

The doc-only release must pass every criterion, DR-01..DR-04 included; the bun.lock release must
build (DR-04 then refuses to judge it, by name); a failing task, a timeout and a sync error must
each fail the criterion of their stage with a clear message and leave the GitOps branch and
registry as they were.
"""

from __future__ import annotations

import httpx
import pytest
import yaml

from agentrun_sandbox.scenarios import SCENARIOS, SandboxControl
from pytest_agentrun.lane import LaneProfile
from suite_run import run_suite

PROFILE = LaneProfile.load("v0.1")
DRIVE = ("DR-01", "DR-02", "DR-03", "DR-04")


def push_to_github(control: SandboxControl, path: str, text: str, message: str) -> str:
    """What the developer does in the fixed worktree: commit on v0.1 and push it to GitHub."""
    from agentrun_sandbox.seed import git

    work = control.paths.worktree
    target = work / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    git(work, "add", path)
    git(work, "commit", "-q", "-m", message)
    git(work, "push", "-q", "origin", PROFILE.source_branch)
    return git(work, "rev-parse", "HEAD")


def registry_tags(control: SandboxControl) -> list[str]:
    url = control.config["registry"]["url"].rstrip("/")
    repository = PROFILE.env_repository.split("/", 1)[1]
    return sorted(
        httpx.get(f"{url}/v2/{repository}/tags/list", timeout=10).json().get("tags") or []
    )


def gitops_head(control: SandboxControl) -> str:
    from agentrun_sandbox.seed import git

    return git(control.paths.bare("mirror"), "rev-parse", PROFILE.gitops_branch)


def runtime_pods(control: SandboxControl) -> list[dict]:
    return yaml.safe_load(
        control.kubectl("get", "pods", "-n", PROFILE.runtime_namespace, "-o", "yaml")
    )["items"]


def boot_commits(pods: list[dict]) -> set[str]:
    return {
        e["value"]
        for p in pods
        for c in p["spec"]["containers"]
        for e in c.get("env") or []
        if e["name"] == "AGENTRUN_BOOT_COMMIT"
    }


def image_digests(pods: list[dict]) -> set[str]:
    return {
        s["imageID"].rpartition("@")[2]
        for p in pods
        for s in p["status"].get("containerStatuses") or []
    }


def drive_suite(handle, tmp_path, *extra: str):
    return run_suite(handle.lane_config, tmp_path / "reports", "--drive", *extra, timeout=600)


def test_a_doc_only_change_is_released_by_reuse_and_passes_everything(fresh_lane, tmp_path):
    control = SandboxControl(fresh_lane.paths.root)
    before = control.catalog()["services"][0]
    tags = registry_tags(control)
    commit = push_to_github(
        control,
        "docs/reference/release-notes.md",
        "# Release notes\n\nA doc-only change.\n",
        "docs: release notes",
    )
    result = drive_suite(fresh_lane, tmp_path)
    assert result.returncode == 0, result.output[-4000:]
    assert set(DRIVE) <= result.passed() and not result.failed(), result.output[-4000:]
    assert "build=0 reuse=1 unsafeReuse=0" in result.output  # the wait printed the plan as it came
    after = control.catalog()
    entry = after["services"][0]
    assert after["sourceCommit"] == commit and entry["bootCommit"] == commit
    assert entry["status"] == "reused" and entry["envIdentity"] == before["envIdentity"]
    assert entry["image"] == before["image"] and registry_tags(control) == tags
    pods = runtime_pods(control)
    assert boot_commits(pods) == {commit} and image_digests(pods) == {before["image"]["digest"]}


def test_a_bun_lock_change_builds_a_new_env_image_and_dr04_refuses_to_judge_it(
    fresh_lane, tmp_path
):
    control = SandboxControl(fresh_lane.paths.root)
    before = control.catalog()["services"][0]
    tags = registry_tags(control)
    commit = push_to_github(
        control,
        "bun.lock",
        '{\n  "lockfileVersion": 1,\n  "workspaces": {"": {"name": "agentrun", '
        '"dependencies": {"zod": "3.23.8"}}},\n  "packages": {"zod": ["zod@3.23.8", "", {}, '
        '"sha512-new"]}\n}\n',
        "deps: add zod",
    )
    result = drive_suite(fresh_lane, tmp_path)
    assert {"DR-01", "DR-02", "DR-03"} <= result.passed(), result.output[-4000:]
    assert result.failed() == {"DR-04"}, result.output[-4000:]
    assert "cannot be decided on this change" in "\n".join(
        result.messages["DR-04"]
    ) and "bun.lock" in "\n".join(result.messages["DR-04"])
    entry = control.catalog()["services"][0]
    assert entry["status"] == "built" and entry["envIdentity"] != before["envIdentity"]
    assert (
        entry["image"]["digest"] != before["image"]["digest"] and entry["image"]["tag"] not in tags
    )
    assert entry["image"]["tag"] in registry_tags(control)
    pods = runtime_pods(control)
    assert boot_commits(pods) == {commit} and image_digests(pods) == {entry["image"]["digest"]}


@pytest.mark.parametrize(
    "fault, extra, failing, says",
    [
        ({"failTask": "check"}, (), "DR-02", "failed"),
        ({"taskDelaySeconds": 60}, ("--drive-timeout", "4"), "DR-02", "did not finish within 4s"),
    ],
    ids=["failing-task", "timeout"],
)
def test_a_run_that_fails_or_times_out_fails_dr02_and_promotes_nothing(
    fresh_lane, tmp_path, fault, extra, failing, says
):
    control = SandboxControl(fresh_lane.paths.root)
    gitops, tags = gitops_head(control), registry_tags(control)
    push_to_github(control, "docs/reference/release-notes.md", "# Notes\n", "docs: notes")
    control.set_faults(**fault)
    result = drive_suite(fresh_lane, tmp_path, *extra)
    message = "\n".join(result.messages.get(failing, []))
    assert failing in result.failed() and says in message, result.output[-4000:]
    assert "TASK" in message and "check" in message  # the table of every task's last state
    assert {"DR-03", "DR-04"} <= result.failed()  # nothing to judge: each says why
    assert gitops_head(control) == gitops and registry_tags(control) == tags


def test_an_argo_sync_error_fails_dr03_with_argos_message(fresh_lane, tmp_path):
    control = SandboxControl(fresh_lane.paths.root)
    push_to_github(control, "docs/reference/release-notes.md", "# Notes\n", "docs: notes")
    control.set_faults(
        argoSyncError="one or more objects failed to apply: admission webhook denied the request"
    )
    result = drive_suite(fresh_lane, tmp_path)
    assert "DR-02" in result.passed(), result.output[-4000:]
    message = "\n".join(result.messages.get("DR-03", []))
    assert "DR-03" in result.failed() and "admission webhook denied" in message, result.output[
        -4000:
    ]


def test_a_doc_only_change_that_rebuilds_fails_dr04_and_tk09(fresh_lane, tmp_path):
    """The lane defect DR-04 exists for: a planner that rebuilds the env image for
    a doc-only change."""
    control = SandboxControl(fresh_lane.paths.root)
    push_to_github(control, "docs/reference/release-notes.md", "# Notes\n", "docs: notes")
    control.set_faults(planIgnoresCatalog=True)
    result = drive_suite(fresh_lane, tmp_path)
    assert {"DR-02", "DR-03"} <= result.passed(), result.output[-4000:]
    assert {"DR-04", "TK-09"} <= result.failed(), result.output[-4000:]
    message = "\n".join(result.messages["DR-04"])
    assert "'build=1 reuse=0 unsafeReuse=0'" in message and "status 'built'" in message


def test_a_diverged_github_gitops_branch_fails_dr01_and_is_left_alone(fresh_lane, tmp_path):
    control = SandboxControl(fresh_lane.paths.root)
    SCENARIOS["github-gitops-diverged"].apply(control)
    github = control.paths.bare("github")
    from agentrun_sandbox.seed import git

    before = git(github, "rev-parse", PROFILE.gitops_branch)
    result = drive_suite(fresh_lane, tmp_path, "-k", "mirror_sync_then_flush")
    assert result.failed() == {"DR-01"}, result.output[-4000:]
    assert "not a fast-forward" in "\n".join(result.messages["DR-01"]), result.messages
    assert git(github, "rev-parse", PROFILE.gitops_branch) == before
