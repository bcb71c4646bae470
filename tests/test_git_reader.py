"""The git reader on real repositories: one fetch per remote, one streamed history per branch,
batched reads and diffs that agree with GitPython's one-at-a-time answers, no helper left behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import git as gitpython
import pytest

from pytest_agentrun.evidence.cache import EvidenceCache
from pytest_agentrun.readers.git import GitRemote

WHO = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.org",
    "GIT_COMMITTER_NAME": "CI",
    "GIT_COMMITTER_EMAIL": "ci@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **WHO, "HOME": str(cwd)}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def commit(work: Path, files: dict[str, str | None], message: str) -> str:
    for path, text in files.items():
        target = work / path
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    git(work, "add", "-A")
    git(work, "commit", "-q", "--allow-empty", "-m", message)
    return git(work, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def remote_repo(tmp_path_factory):
    """A bare remote with a linear main branch (adds, edits, a removal, a rename, an empty commit,
    a multi-line message), a side branch merged back, and an unrelated branch."""
    root = tmp_path_factory.mktemp("git-reader")
    work = root / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    shas = [commit(work, {"a.txt": "a\n", "deploy/cat.json": '{"v": 1}\n'}, "root")]
    shas.append(
        commit(work, {"deploy/cat.json": '{"v": 2}\n', "b.txt": "b\n"}, "second\n\nwith a body")
    )
    shas.append(commit(work, {"b.txt": None}, "remove b"))
    git(work, "mv", "a.txt", "deploy/renamed.txt")
    shas.append(commit(work, {}, "rename a"))
    shas.append(commit(work, {}, "empty"))
    git(work, "checkout", "-q", "-b", "side")
    commit(work, {"side.txt": "side\n"}, "side work")
    git(work, "checkout", "-q", "main")
    commit(work, {"deploy/cat.json": '{"v": 3}\n'}, "main moves on")
    git(work, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    git(work, "checkout", "-q", "--orphan", "other")
    commit(work, {"o.txt": "o\n"}, "unrelated")
    bare = root / "remote.git"
    git(root, "clone", "-q", "--bare", str(work), str(bare))
    return bare, work


def reader(remote_repo, tmp_path, cache=None) -> GitRemote:
    return GitRemote("r", str(remote_repo[0]), cache or EvidenceCache(), tmp_path / "cache")


def gitpython_history(repo: gitpython.Repo, rev: str, path: str | None = None):
    """What the reader answered before: one diff per commit against its first parent."""
    out = []
    for c in repo.iter_commits(rev, paths=path) if path else repo.iter_commits(rev):
        if c.parents:
            files = {p for d in c.parents[0].diff(c) for p in (d.a_path, d.b_path) if p}
        else:
            files = {i.path for i in c.tree.traverse() if i.type == "blob"}
        out.append(
            (
                c.hexsha,
                tuple(p.hexsha for p in c.parents),
                c.author.name,
                c.author.email,
                c.committer.email,
                c.message.strip(),
                tuple(sorted(files)),
            )
        )
    return out


def test_one_fetch_gives_every_branch_and_its_objects(remote_repo, tmp_path):
    remote = reader(remote_repo, tmp_path)
    refs = remote.refs()
    expected = dict(
        line.split("\t")[::-1]
        for line in git(
            remote_repo[1], "ls-remote", str(remote_repo[0]), "refs/heads/*"
        ).splitlines()
    )
    assert refs == expected and set(refs) == {
        "refs/heads/main",
        "refs/heads/side",
        "refs/heads/other",
    }
    keys = {(r.source, r.key) for r in remote._cache.records}
    assert keys == {("git:r", "ls-remote")}, "refs and objects come from one fetch"
    assert remote.read(refs["refs/heads/other"], "o.txt") == "o\n"  # no fetch by SHA needed
    assert ("git:r", f"commit {refs['refs/heads/other']}") in {
        (r.source, r.key) for r in remote._cache.records
    }
    remote.close()


def test_history_is_one_streamed_read_equal_to_the_per_commit_diffs(remote_repo, tmp_path):
    remote = reader(remote_repo, tmp_path)
    remote.refs()
    ours = [
        (c.sha, c.parents, c.author, c.author_email, c.committer_email, c.message, c.files)
        for c in remote.history("main")
    ]
    theirs = gitpython_history(gitpython.Repo(remote_repo[0]), "main")
    assert ours == theirs and len(ours) == 8
    assert ours[-1][1] == () and ours[-1][6] == ("a.txt", "deploy/cat.json"), (
        "the root lists all its files"
    )
    assert ours[0][5] == "merge side" and ours[0][6] == ("side.txt",), (
        "a merge: its change against the first parent"
    )
    catalog = [c.sha for c in remote.history("main", "deploy/cat.json")]
    assert catalog == [
        h[0] for h in gitpython_history(gitpython.Repo(remote_repo[0]), "main", "deploy/cat.json")
    ]
    assert [c.sha for c in remote.history("main", "deploy")] == [
        c.sha for c in remote.history("main") if any(f.startswith("deploy/") for f in c.files)
    ]
    remote.close()


def test_batched_reads_and_diffs_agree_with_single_ones(remote_repo, tmp_path):
    remote = reader(remote_repo, tmp_path)
    head = remote.head("main")
    commits = [c.sha for c in remote.history("main")]
    wanted = [
        (sha, path) for sha in commits for path in ("deploy/cat.json", "b.txt", "deploy", "nope")
    ]
    batched = remote.read_many(wanted)
    single = reader(remote_repo, tmp_path / "single")
    assert batched == [single.read(sha, path) for sha, path in wanted]
    assert None in batched and '{"v": 3}\n' in batched
    pairs = list(zip(commits[1:], commits)) + [(head, head)]
    changed = remote.changed_files_of(pairs)
    assert changed == {pair: single.changed_files(*pair) for pair in pairs}
    assert changed[(head, head)] == [] and any(changed.values())
    remote.close(), single.close()


def test_a_missing_commit_fails_that_read_with_the_reason(remote_repo, tmp_path):
    remote = reader(remote_repo, tmp_path)
    ghost = "0" * 40
    with pytest.raises(Exception, match=ghost):
        remote.changed_files_of([(remote.head("main"), ghost)])
    remote.close()


def test_replay_serves_history_reads_and_diffs_recorded(remote_repo, tmp_path):
    from pytest_agentrun.evidence.bundle import BundleWriter, RecordedEvidence, write_manifest

    bundle = tmp_path / "bundle"
    recording = reader(remote_repo, tmp_path, EvidenceCache(recorder=BundleWriter(bundle, "main")))
    commits = [c.sha for c in recording.history("main")]
    texts = recording.read_many([(sha, "deploy/cat.json") for sha in commits])
    diffs = recording.changed_files_of(list(zip(commits[1:], commits)))
    recording.close()
    write_manifest(bundle, "v0.1", {}, "run")
    replaying = GitRemote(
        "r",
        "http://127.0.0.1:9/unreachable.git",
        EvidenceCache(replay=RecordedEvidence(bundle)),
        tmp_path / "replay-cache",
    )
    assert replaying.history("main") == recording.history("main")
    assert replaying.read_many([(sha, "deploy/cat.json") for sha in commits]) == texts
    assert replaying.changed_files_of(list(zip(commits[1:], commits))) == diffs


def cat_file_helpers() -> list[int]:
    """Child processes of this test process that are git cat-file helpers."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"cat-file" in cmdline:
                found.append(int(entry.name))
    return found


def test_close_ends_gitpythons_cat_file_helpers(remote_repo, tmp_path):
    before = set(cat_file_helpers())
    remote = reader(remote_repo, tmp_path)
    head = remote.head("main")
    assert remote.read(head, "deploy/cat.json") == '{"v": 3}\n'
    assert remote.files(head)
    assert set(cat_file_helpers()) - before, (
        "reading blobs starts GitPython's persistent cat-file helpers"
    )
    remote.close()
    assert set(cat_file_helpers()) - before == set(), "close() leaves no cat-file helper behind"


def test_an_unreachable_remote_fails_with_gits_own_reason(tmp_path):
    remote = GitRemote("r", "http://127.0.0.1:9/nowhere.git", EvidenceCache(), tmp_path / "cache")
    with pytest.raises(Exception) as failed:
        remote.refs()
    assert "ls-remote" in str(failed.value) and "connect" in str(failed.value).lower(), str(
        failed.value
    )
