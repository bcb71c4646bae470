"""Git evidence through GitPython: ls-remote, fetch into a session cache, files and history at refs.

Each remote (source repo, mirror) gets its own bare cache repository for the session. Nothing
here can push: the only commands are ls-remote, fetch (into the cache) and reads of the cache.
"""

from __future__ import annotations

import fnmatch
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import git

from ..errors import EvidenceError
from ..evidence import EvidenceCache
from ..redact import redact_text, redact_url
from .breaker import Breaker

# Never wait for a password or a host-key prompt: an unreachable remote must fail at once.
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=10",
           "GIT_HTTP_LOW_SPEED_LIMIT": "1", "GIT_HTTP_LOW_SPEED_TIME": "30"}


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    parents: tuple[str, ...]
    author: str
    author_email: str
    committer_email: str
    message: str
    files: tuple[str, ...]     # paths changed against the first parent (all paths for a root commit)

    @property
    def subject(self) -> str:
        """The message's first line; git allows an empty message (--allow-empty-message)."""
        return self.message.splitlines()[0] if self.message.strip() else "(no message)"


def last_error_line(exc: git.GitCommandError) -> str:
    """The last line git printed when it failed, with any credential masked."""
    lines = [l.strip() for l in str(exc.stderr or exc).splitlines() if l.strip()]
    if not lines:
        return "git failed"
    line = re.sub(r"^(?:stderr|stdout): ", "", lines[-1]).strip("'").strip()
    return redact_text(line.removeprefix("fatal: "))


# What git prints when the remote did not answer (or not in time): the remote is down, not the ref missing.
DOWN = ("could not resolve host", "connection refused", "failed to connect", "operation too slow",
        "timed out", "connection reset", "empty reply", "returned error: 5", "returned error: 429",
        "the remote end hung up", "early eof", "unexpected disconnect")


def remote_down(reason: str) -> bool:
    return any(marker in reason.lower() for marker in DOWN)


def ls_remote(url: str, *refs: str, timeout: float | None = None) -> dict[str, str]:
    """ref -> SHA as the remote lists them now (all refs, or those named); git.GitCommandError on failure."""
    out = git.cmd.Git().execute(["git", "ls-remote", url, *refs], env=GIT_ENV, kill_after_timeout=timeout)
    pairs = (line.split("\t", 1) for line in out.splitlines() if "\t" in line)
    return {ref: sha for sha, ref in pairs}


def exact_fetch(url: str, sha: str) -> tuple[bool, str]:
    """A real shallow fetch of one full SHA (`git fetch --depth=1 <url> <sha>`) into a scratch repository,
    as the lane's source task does it: (whether exactly that commit came, FETCH_HEAD or git's error)."""
    with tempfile.TemporaryDirectory(prefix="agentrun-exact-fetch-") as scratch:
        repo = git.Repo.init(scratch, bare=True)
        try:
            repo.git.execute(["git", "fetch", "--quiet", "--depth=1", url, sha], env=GIT_ENV)
            got = repo.git.rev_parse("FETCH_HEAD")
        except git.GitCommandError as exc:
            return False, last_error_line(exc)
        return got == sha, f"FETCH_HEAD {got}"


class GitRemote:
    def __init__(self, name: str, url: str, cache: EvidenceCache, cache_dir: Path, breaker: Breaker | None = None,
                 *, credentials: bool = True):
        self.name = name
        self.credentials = credentials      # False: every read is refused at once (lane config)
        self.url = url
        self.shown_url = redact_url(url)
        self._cache = cache
        self._dir = cache_dir / "git" / f"{name}.git"
        self._repo: git.Repo | None = None
        self.breaker = breaker or Breaker("git")

    def _remote_error(self, what: str, exc: git.GitCommandError) -> EvidenceError:
        """The error of a command that asked the remote; a remote found down opens its breaker."""
        error = EvidenceError("git", what, self.shown_url, last_error_line(exc))
        return self.breaker.trip(error) if remote_down(error.reason) or exc.status == -9 else error

    def _ask_remote(self, what: str) -> float:
        """Before a command that talks to the remote: fail fast if it is down; its time limit."""
        self.breaker.check(what, self.shown_url)
        return self.breaker.timeout(120.0)

    def _refuse_without_credentials(self, what: str) -> None:
        if not self.credentials:
            raise EvidenceError("git", what, self.shown_url, f"no credentials for {self.shown_url}")

    @property
    def repo(self) -> git.Repo:
        self._refuse_without_credentials("objects")
        if self._repo is None:
            self._dir.parent.mkdir(parents=True, exist_ok=True)
            self._repo = git.Repo.init(self._dir, bare=True)
            self._repo.git.update_environment(**GIT_ENV)
        return self._repo

    # -- remote refs ---------------------------------------------------------------------------
    def refs(self) -> dict[str, str]:
        def fetch() -> dict[str, str]:
            self._refuse_without_credentials("ls-remote")
            timeout = self._ask_remote("ls-remote")
            try:
                return ls_remote(self.url, timeout=timeout)
            except git.GitCommandError as exc:
                raise self._remote_error("ls-remote", exc) from None
        return self._cache.get(f"git:{self.name}", "ls-remote", fetch)

    def head(self, branch: str) -> str | None:
        """The branch's head commit on the remote, or None if the branch does not exist."""
        return self.refs().get(f"refs/heads/{branch}")

    # -- objects -------------------------------------------------------------------------------
    def fetch_branch(self, branch: str) -> str | None:
        """Fetch the branch (full history) into the cache; its head, or None if absent."""
        head = self.head(branch)
        if head is None:
            return None
        def fetch() -> str:
            timeout = self._ask_remote(f"fetch {branch}")
            try:
                self.repo.git.fetch(self.url, f"+refs/heads/{branch}:refs/remotes/{self.name}/{branch}",
                                    kill_after_timeout=timeout)
            except git.GitCommandError as exc:
                raise self._remote_error(f"fetch {branch}", exc) from None
            return head
        return self._cache.get(f"git:{self.name}", f"fetch {branch}", fetch)

    def ensure_commit(self, sha: str) -> git.Commit:
        """The commit, fetched by full SHA if no fetched branch holds it."""
        def fetch() -> str:
            try:
                self.repo.commit(sha)
            except (ValueError, git.BadName):
                timeout = self._ask_remote(f"commit {sha}")
                try:
                    self.repo.git.fetch(self.url, sha, kill_after_timeout=timeout)
                except git.GitCommandError as exc:
                    raise self._remote_error(f"commit {sha}", exc) from None
            return sha
        self._cache.get(f"git:{self.name}", f"commit {sha}", fetch)
        return self.repo.commit(sha)

    # Every read below goes through the evidence cache, so a run can be recorded and replayed.
    def _cached(self, key: str, fetch):
        return self._cache.get(f"git:{self.name}", key, fetch)

    def read(self, sha: str, path: str) -> str | None:
        """A file's text at a commit, or None if the commit has no such file."""
        def fetch() -> str | None:
            blob = self._entry(sha, path)
            if blob is None or blob.type != "blob":
                return None
            return blob.data_stream.read().decode("utf-8", "replace")
        return self._cached(f"read {sha}:{path}", fetch)

    def exists(self, sha: str, path: str) -> bool:
        return self._cached(f"exists {sha}:{path}", lambda: self._entry(sha, path) is not None)

    def files(self, sha: str, prefix: str = "") -> list[str]:
        """Every file path at a commit, under `prefix` when given."""
        def fetch() -> list[str]:
            tree = self.ensure_commit(sha).tree
            if prefix.strip("/"):
                entry = self._entry(sha, prefix)
                if entry is None or entry.type != "tree":
                    return []
                tree = entry
            return sorted(item.path for item in tree.traverse() if item.type == "blob")
        return self._cached(f"files {sha}:{prefix}", fetch)

    def _entry(self, sha: str, path: str):
        try:
            return self.ensure_commit(sha).tree / path.strip("/")
        except KeyError:
            return None

    def history(self, branch_or_sha: str, path: str | None = None) -> list[CommitInfo]:
        """Commits reachable from a fetched ref (newest first), optionally only those touching path."""
        def fetch() -> list[CommitInfo]:
            rev = branch_or_sha if len(branch_or_sha) == 40 else f"refs/remotes/{self.name}/{branch_or_sha}"
            commits = self.repo.iter_commits(rev, paths=path) if path else self.repo.iter_commits(rev)
            return [self._info(c) for c in commits]
        return self._cached(f"history {branch_or_sha}:{path or ''}", fetch)

    def _info(self, commit: git.Commit) -> CommitInfo:
        if commit.parents:
            diff = commit.parents[0].diff(commit)
            files = {d.a_path for d in diff} | {d.b_path for d in diff}
        else:
            files = {item.path for item in commit.tree.traverse() if item.type == "blob"}
        return CommitInfo(commit.hexsha, tuple(p.hexsha for p in commit.parents), commit.author.name,
                          commit.author.email, commit.committer.email, commit.message.strip(),
                          tuple(sorted(f for f in files if f)))

    def changed_files(self, old: str, new: str) -> list[str]:
        def fetch() -> list[str]:
            a, b = self.ensure_commit(old), self.ensure_commit(new)
            return sorted({p for d in a.diff(b) for p in (d.a_path, d.b_path) if p})
        return self._cached(f"changed {old}..{new}", fetch)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether `ancestor` is reachable from `descendant` (both fetched or fetchable by SHA)."""
        def fetch() -> bool:
            self.ensure_commit(ancestor), self.ensure_commit(descendant)
            try:
                self.repo.git.merge_base("--is-ancestor", ancestor, descendant)
                return True
            except git.GitCommandError as exc:
                if exc.status == 1:
                    return False
                raise EvidenceError("git", f"merge-base {ancestor} {descendant}", self.shown_url, last_error_line(exc)) from None
        return self._cached(f"is-ancestor {ancestor} {descendant}", fetch)

    def ancestry(self, branch_or_sha: str) -> list[str]:
        """Every commit reachable from a fetched branch or a commit, itself included (rev-list: SHAs only)."""
        def fetch() -> list[str]:
            is_sha = len(branch_or_sha) == 40
            rev = self.ensure_commit(branch_or_sha).hexsha if is_sha else f"refs/remotes/{self.name}/{branch_or_sha}"
            return self.repo.git.rev_list(rev).split()
        return self._cached(f"ancestry {branch_or_sha}", fetch)

    def exact_fetch(self, sha: str) -> tuple[bool, str]:
        """exact_fetch() of one full SHA from this remote, once per session."""
        return self._cache.get(f"git:{self.name}", f"exact-fetch {sha}", lambda: exact_fetch(self.url, sha))


def matches_any(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)
