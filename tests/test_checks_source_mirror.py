"""Clean-source (SRC-02..06) and mirror (MR-02, MR-03) checks on hand-made evidence."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from agentrun_sandbox import source_files
from pytest_agentrun.checks import mirror, source
from pytest_agentrun.model.documents import DeployIntent
from pytest_agentrun.evidence.cache import EvidenceCache
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.readers.mirror import Mirror
from pytest_agentrun.model.mirror import MirrorStatus
from pytest_agentrun.readers.git import GitRemote
from pytest_agentrun.model.worktree import IgnoreRule
from finding_lines import oks

SHA = "a" * 40
DIGEST = "sha256:" + "b" * 64
REPO = "127.0.0.1:5000/agentrun/agentrun-mgr-env"


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


# -- SRC-02 ----------------------------------------------------------------------------------------


def test_src02_probes_come_from_the_profile(profile):
    assert source.worktree_root_probes(profile) == [".worktree/", ".worktree/some-task/file"]


def test_src02_only_a_tracked_gitignore_counts(profile):
    probes = source.worktree_root_probes(profile)
    by_gitignore = IgnoreRule(".gitignore", 3, ".worktree/")
    assert all(oks(source.worktree_root_ignored(dict.fromkeys(probes, by_gitignore), "/w")))
    [missing, _] = source.worktree_root_ignored(dict.fromkeys(probes), "/w")
    assert (
        not missing.ok
        and missing.found.startswith("not ignored")
        and missing.where == "worktree /w/.gitignore"
    )
    local = IgnoreRule(".git/info/exclude", 7, ".worktree/")
    assert not any(oks(source.worktree_root_ignored(dict.fromkeys(probes, local), "/w")))
    reincluded = {
        probes[0]: by_gitignore,
        probes[1]: IgnoreRule(".gitignore", 9, "!.worktree/some-task/"),
    }
    assert oks(source.worktree_root_ignored(reincluded, "/w")) == [True, False]


# -- SRC-03 ----------------------------------------------------------------------------------------

CLEAN_TREE = {
    "README.md": "Images are pinned by digest; see docs/reference/env-image.md.\n",
    "docs/reference/env-image.md": (
        "Compare manifest digests (sha256) obtained with the schema2 Accept header.\n"
    ),
    # a pinned base image is source
    "deploy/runtime/env/Containerfile": f"FROM oven/bun:1.2.19-debian@{DIGEST}\n",
    "deploy/schemas/artifact-catalog.schema.json": "{}\n",  # the catalog schema is source
    "deploy/deploy.json": "{}\n",
}


def test_src03_clean_tree_passes_rule_by_rule(profile):
    findings = source.source_tracks_no_generated_state(profile, SHA, CLEAN_TREE, "ls-remote")
    assert all(oks(findings)) and len(findings) == 4


@pytest.mark.parametrize(
    "path, text, rule",
    [
        ("deploy/artifact-catalog.v01.json", "{}", "artifact catalog"),
        ("backup/artifact-catalog.v02.json", "{}", "artifact catalog"),
        (
            "deploy/gitops/g14/runtime-v01/deployment-agentrun-mgr.yaml",
            "kind: Deployment",
            "rendered runtime",
        ),
        ("deploy/runtime.rendered.yaml", "kind: Deployment", "rendered runtime"),
        ("deploy/gitops/g14/.generated", "promote", "CI rollout metadata"),
        ("docs/release-notes.md", f"intro\nrunning {REPO}@{DIGEST}\n", "env image digest"),
    ],
)
def test_src03_each_kind_of_generated_state_fails(profile, path, text, rule):
    findings = source.source_tracks_no_generated_state(
        profile, SHA, {**CLEAN_TREE, path: text}, "ls-remote"
    )
    [bad] = [f for f in findings if not f.ok]
    assert rule in bad.expected and bad.where.startswith(f"v0.1@{SHA[:12]}:{path}")
    if "digest" in rule:
        assert bad.where.endswith(":2")


def test_src03_missing_branch_fails(profile):
    [f] = source.source_tracks_no_generated_state(profile, None, {}, "ls-remote x")
    assert not f.ok and f.where == "ls-remote x"


# -- SRC-04 / SRC-05 -------------------------------------------------------------------------------


def intent(edit=None, text=None) -> DeployIntent:
    data = json.loads(source_files.file(LaneProfile.load("v0.1").data, "deploy/deploy.json"))
    if edit:
        edit(data)
    return DeployIntent.parse(
        "v0.1@x:deploy/deploy.json", text if text is not None else json.dumps(data, indent=2)
    )


def test_src04_deploy_intent_valid(profile):
    assert all(oks(source.deploy_intent_valid(profile, intent())))
    prod = source.deploy_intent_valid(
        profile, intent(lambda d: d["runtime"].update(namespace="agentrun_prod"))
    )
    assert (
        not prod[-1].ok
        and prod[-1].found == "'agentrun_prod'"
        and prod[-1].where.startswith("v0.1@x:deploy/deploy.json:")
    )
    assert any(not f.ok and "namespace" in f.found for f in prod[:-1]), (
        "the schema refuses an underscore namespace too"
    )
    [missing] = source.deploy_intent_valid(
        profile, DeployIntent.parse("v0.1@x:deploy/deploy.json", None)
    )
    assert not missing.ok and missing.found == "missing"
    [broken] = source.deploy_intent_valid(profile, intent(text="{nope"))
    assert not broken.ok and "not valid JSON" in broken.found


def test_src05_conforming_intent_passes(profile):
    [f] = source.deploy_intent_only_intent(profile, intent())
    assert f.ok


@pytest.mark.parametrize(
    "edit, kind",
    [
        (lambda d: d["services"][1].update(image=f"{REPO}@{DIGEST}"), "image"),
        (
            lambda d: d["services"][0]["env"].update(AGENTRUN_IMAGE=f"{REPO}:env-0123"),
            "env image reference",
        ),
        (lambda d: d["services"][0].update(status="reused"), "publish status"),
        (
            lambda d: d["services"][0]["env"].update(LAST_RUN="agentrun-v01-ci-0123456789ab"),
            "PipelineRun/TaskRun id",
        ),
        (lambda d: d["runtime"].update(gitopsRevision=SHA), "GitOps revision"),
        (lambda d: d["services"][0]["env"].update(SYNCED=SHA), "revision"),
        (
            lambda d: d["runtime"].update(rbac={"apiVersion": "v1", "kind": "ServiceAccount"}),
            "rendered manifest",
        ),
        (
            lambda d: d["services"][0]["env"].update(PLAN="build=0 reuse=1 unsafeReuse=0"),
            "reuse evidence",
        ),
    ],
)
def test_src05_ci_artifacts_fail(profile, edit, kind):
    bad = [f for f in source.deploy_intent_only_intent(profile, intent(edit)) if not f.ok]
    assert bad and any(kind in f.found for f in bad), [f.found for f in bad]
    assert all(f.where.startswith("v0.1@x:deploy/deploy.json") for f in bad)


def test_src05_credentials_fail_and_are_never_shown(profile):
    token = "ghp_" + "T0ken" * 8
    bad = [
        f
        for f in source.deploy_intent_only_intent(
            profile, intent(lambda d: d["services"][0]["env"].update(GH=token))
        )
        if not f.ok
    ]
    assert [f.found for f in bad] == ["token: value <redacted>"] and token not in repr(bad)
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----"
    bad = [
        f
        for f in source.deploy_intent_only_intent(
            profile, intent(lambda d: d["runtime"].update(sshKey=key))
        )
        if not f.ok
    ]
    assert {f.found for f in bad} == {"SSH key: key 'sshKey'", "private-key: value <redacted>"}


# -- SRC-06 ----------------------------------------------------------------------------------------


def test_src06_reads_agents_md_and_reference_docs_only():
    assert source.reference_docs_paths(
        ["AGENTS.md", "README.md", "docs/reference/a.md", "docs/guide/b.md"]
    ) == ["AGENTS.md", "docs/reference/a.md"]


def test_src06_history_passes_targets_fail(profile):
    docs = {
        "AGENTS.md": "## History\n\n`agentrun_dev` and `agentrun_prod` are deprecated.\n",
        "docs/reference/lane.md": "# Lane\n\nThe lane runs in `agentrun-v01`.\n",
    }
    assert all(oks(source.docs_present_no_forbidden_target(profile, SHA, docs, "r")))
    docs["docs/reference/lane.md"] += "\nWhen green, deploy v0.1 to agentrun_prod.\n"
    bad = [f for f in source.docs_present_no_forbidden_target(profile, SHA, docs, "r") if not f.ok]
    assert [(f.where, f.found.split(" (")[0]) for f in bad] == [
        (f"v0.1@{SHA[:12]}:docs/reference/lane.md:5", "presented as a v0.1 target")
    ]
    assert oks(source.docs_present_no_forbidden_target(profile, SHA, {}, "r")) == [True]
    assert oks(source.docs_present_no_forbidden_target(profile, None, {}, "r")) == [False]


# -- MR-02 / MR-03 ---------------------------------------------------------------------------------


def status(fetch_ok=True, local_gitops=SHA, github_gitops=SHA):
    return MirrorStatus(
        SHA,
        SHA,
        local_gitops,
        github_gitops,
        local_gitops != github_gitops,
        True,
        {
            "localV01": fetch_ok,
            "sha": SHA,
            "detail": "FETCH_HEAD " + SHA if fetch_ok else "not our ref",
        },
    )


def test_mr02_exact_fetch():
    assert oks(mirror.exact_fetch_of_source_head(status(), "m")) == [True]
    [f] = mirror.exact_fetch_of_source_head(status(False), "m")
    assert not f.ok and f.found == "not our ref" and f.where == "m"


@pytest.mark.parametrize(
    "relation, ok",
    [("equal", True), ("behind", True), ("ahead", False), ("diverged", False), ("missing", False)],
)
def test_mr03_verdict_by_relation(relation, ok):
    [f] = mirror.gitops_flush_fast_forward(status(), relation, "m", "g")
    assert f.ok is ok and f.where == "m; g"


def git(cwd: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
        "HOME": str(cwd),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repos(tmp_path):
    """A work repo with one GitOps commit pushed to a `github` and a `mirror` bare repo."""
    for name in ("github", "mirror"):
        git(tmp_path, "init", "-q", "--bare", name)
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "v0.1-gitops")
    commit(work, "a")
    for name in ("github", "mirror"):
        git(work, "push", "-q", str(tmp_path / name), "v0.1-gitops")
    return tmp_path


def commit(work: Path, content: str) -> str:
    (work / "catalog.json").write_text(content)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", content)
    return git(work, "rev-parse", "HEAD")


def relation(root: Path, profile) -> str:
    cache = EvidenceCache()
    remotes = [
        GitRemote(name, str(root / name), cache, root / "cache") for name in ("github", "mirror")
    ]
    return Mirror(*remotes, profile).gitops_relation()


def test_mr03_relation_read_from_real_histories(repos, profile):
    work = repos / "work"
    assert relation(repos, profile) == "equal"
    commit(work, "b")
    git(work, "push", "-q", str(repos / "mirror"), "v0.1-gitops")
    assert relation(repos, profile) == "behind", "a pending flush is a fast-forward of GitHub"
    git(work, "push", "-q", "--force", str(repos / "github"), "v0.1-gitops")
    git(work, "reset", "-q", "--hard", "HEAD~1")
    git(work, "push", "-q", "--force", str(repos / "mirror"), "v0.1-gitops")
    assert relation(repos, profile) == "ahead"
    commit(work, "c")
    git(work, "push", "-q", "--force", str(repos / "mirror"), "v0.1-gitops")
    assert relation(repos, profile) == "diverged"
