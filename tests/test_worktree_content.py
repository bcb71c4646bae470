"""SRC-01 by content (issue 20): real git repositories in tmp dirs, each hiding a difference from
`git status` in one way; the reader reads it and the check names its kind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pytest_agentrun.checks import source
from pytest_agentrun.evidence.cache import EvidenceCache
from pytest_agentrun.finding import UNDECIDED
from pytest_agentrun.model import worktree as kinds
from pytest_agentrun.readers.worktree import Worktree

INTENT = "deploy/deploy.json"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A committed worktree (its own global config, so the machine's never counts)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    (tmp_path / "gitconfig").write_text("[user]\n\tname = t\n\temail = t@example.com\n")
    work = tmp_path / "work"
    (work / "deploy").mkdir(parents=True)
    git(work, "init", "-q", "-b", "v0.1")
    (work / INTENT).write_text('{"namespace": "agentrun-v01"}\n')
    (work / "README.md").write_text("lane\n")
    (work / "run.sh").write_text("#!/bin/sh\n")
    (work / "run.sh").chmod(0o755)
    (work / ".gitignore").write_text(".worktree/\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "init")
    return work


def judged(work: Path):
    state = Worktree(work, EvidenceCache()).state("v0.1")
    [finding] = source.worktree_content_clean(state.content, f"worktree {work}")
    return state, finding


def kinds_of(state) -> set[str]:
    return {d.kind for d in state.content.differences}


def test_a_clean_worktree_passes_and_ignored_files_do_not_count(repo):
    (repo / ".worktree" / "task-1").mkdir(parents=True)
    (repo / ".worktree" / "task-1" / "notes.md").write_text("wip\n")
    state, finding = judged(repo)
    assert finding.ok, finding.found
    assert state.content.tracked == 4 and not state.changes


def test_an_assume_unchanged_file_edited_fails_though_git_status_is_clean(repo):
    git(repo, "update-index", "--assume-unchanged", INTENT)
    (repo / INTENT).write_text('{"namespace": "agentrun_prod"}\n')
    state, finding = judged(repo)
    assert not state.changes  # git status prints nothing
    assert not finding.ok and kinds_of(state) == {kinds.ASSUME_UNCHANGED}
    assert "hidden from git status: assume-unchanged" in finding.found and INTENT in finding.found
    assert finding.evidence["flagged"] == {INTENT: ["assume-unchanged"]}


def test_a_flagged_file_with_equal_content_passes_and_is_reported(repo):
    git(repo, "update-index", "--skip-worktree", "README.md")
    state, finding = judged(repo)
    assert finding.ok and finding.evidence["flagged"] == {"README.md": ["skip-worktree"]}
    assert "1 file(s) flagged" in finding.found


def test_a_skip_worktree_file_edited_fails(repo):
    git(repo, "update-index", "--skip-worktree", INTENT)
    (repo / INTENT).write_text("{}\n")
    state, finding = judged(repo)
    assert not state.changes and not finding.ok and kinds_of(state) == {kinds.SKIP_WORKTREE}


def test_untracked_files_hidden_by_info_exclude_or_an_excludes_file_fail(repo, tmp_path):
    (repo / ".git" / "info" / "exclude").write_text("scratch.txt\n")
    (repo / "scratch.txt").write_text("by hand\n")
    excludes = tmp_path / "global-ignore"
    excludes.write_text("*.local\n")
    git(repo, "config", "--global", "core.excludesFile", str(excludes))
    (repo / "deploy" / "override.local").write_text("{}\n")
    state, finding = judged(repo)
    assert not state.changes and not finding.ok
    assert kinds_of(state) == {kinds.LOCAL_EXCLUDE, kinds.EXCLUDES_FILE}
    assert kinds.LOCAL_EXCLUDE in finding.found and kinds.EXCLUDES_FILE in finding.found


def test_an_untracked_gitignore_that_hides_itself_fails(repo):
    (repo / "deploy" / ".gitignore").write_text("*\n")
    (repo / "deploy" / "extra.json").write_text("{}\n")
    state, finding = judged(repo)
    assert not state.changes and not finding.ok
    assert kinds_of(state) == {kinds.UNTRACKED_GITIGNORE}


def test_a_sparse_checkout_hiding_a_tracked_path_fails(repo):
    git(repo, "sparse-checkout", "set", "--no-cone", "/README.md", "/run.sh", "/.gitignore")
    assert not (repo / INTENT).exists()
    state, finding = judged(repo)
    assert not state.changes and not finding.ok
    assert kinds_of(state) == {kinds.SPARSE, kinds.SKIP_WORKTREE}
    assert "missing on disk" in finding.found


def test_a_replace_ref_that_shows_a_modified_commit_as_head_fails(repo):
    """HEAD keeps the right commit id while git reads another commit for it: git status compares
    the index with the replacement's tree and prints nothing."""
    head = git(repo, "rev-parse", "HEAD")
    (repo / INTENT).write_text('{"namespace": "agentrun_prod"}\n')
    git(repo, "commit", "-q", "-am", "by hand")
    git(repo, "replace", head, git(repo, "rev-parse", "HEAD"))
    git(repo, "reset", "-q", "--soft", head)
    state, finding = judged(repo)
    assert not state.changes and state.head == head and not finding.ok
    assert kinds_of(state) == {kinds.REPLACE, kinds.INDEX, kinds.MODIFIED}
    assert f"refs/replace/{head}" in finding.found


def test_an_index_that_differs_from_head_while_the_files_match_fails(repo):
    other = subprocess.run(
        ["git", "-C", str(repo), "hash-object", "-w", "--stdin"],
        check=True,
        input="{}\n",
        capture_output=True,
        text=True,
    ).stdout.strip()
    git(repo, "update-index", "--cacheinfo", f"100644,{other},{INTENT}")
    git(repo, "update-index", "--skip-worktree", INTENT)
    state, finding = judged(repo)
    assert not finding.ok and kinds_of(state) == {kinds.INDEX}


def test_a_mode_change_hidden_by_core_filemode_fails(repo):
    git(repo, "config", "core.fileMode", "false")
    (repo / "run.sh").chmod(0o644)
    state, finding = judged(repo)
    assert not state.changes and not finding.ok
    assert "mode 100644 on disk, 100755 in HEAD" in finding.found


def test_core_worktree_pointing_elsewhere_fails(repo, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    git(repo, "config", "core.worktree", str(elsewhere))
    state, finding = judged(repo)
    assert not finding.ok and kinds.CORE_WORKTREE in kinds_of(state)


def test_the_readers_git_variables_do_not_change_what_it_reads(repo, tmp_path, monkeypatch):
    (repo / INTENT).write_text("{}\n")
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "no-index"))
    monkeypatch.setenv("GIT_REPLACE_REF_BASE", "refs/nothing/")
    content = Worktree(repo, EvidenceCache()).state("v0.1").content
    assert {d.kind for d in content.differences} == {kinds.MODIFIED}
    assert {"GIT_INDEX_FILE", "GIT_REPLACE_REF_BASE"} <= set(content.ignored_env)


def test_plain_untracked_and_modified_files_are_named_too(repo):
    (repo / "notes.txt").write_text("x\n")
    (repo / "README.md").write_text("changed\n")
    state, finding = judged(repo)
    assert kinds_of(state) == {kinds.UNTRACKED, kinds.MODIFIED}
    assert "hidden from git status" not in finding.found


def test_a_state_without_content_cannot_be_decided():
    [finding] = source.worktree_content_clean(None, "worktree /w")
    assert finding.status == UNDECIDED and "not read" in finding.found


def test_ignore_files_inside_a_directory_the_branch_ignores_do_not_count(repo):
    """A virtualenv under an ignored directory brings its own .gitignore files: nothing they hide
    was visible before them."""
    (repo / ".worktree" / "venv" / "lib").mkdir(parents=True)
    (repo / ".worktree" / "venv" / "lib" / ".gitignore").write_text("*\n")
    state, finding = judged(repo)
    assert finding.ok, finding.found
