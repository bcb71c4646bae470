"""Git evidence through GitPython: ls-remote, fetch into a session cache, files and history at refs.

Each remote (source repo, mirror) gets its own bare cache repository for the session. Nothing
here can push: the only commands are ls-remote, fetch (into the cache) and reads of the cache.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from pathlib import Path

import git

from ..defaults import TIMEOUTS
from ..errors import EvidenceError
from ..evidence.cache import EvidenceCache
from ..masking import redact_text, redact_url
from .breaker import Breaker
from ..model.commits import CommitInfo

# Never wait for a password or a host-key prompt: an unreachable remote must fail at once.
GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=10",
    "GIT_HTTP_LOW_SPEED_LIMIT": "1",
    "GIT_HTTP_LOW_SPEED_TIME": "30",
}


def last_error_line(exc: git.GitCommandError) -> str:
    """The last line git printed when it failed, with any credential masked."""
    lines = [l.strip() for l in str(exc.stderr or exc).splitlines() if l.strip()]
    if not lines:
        return "git failed"
    line = re.sub(r"^(?:stderr|stdout): ", "", lines[-1]).strip("'").strip()
    return redact_text(line.removeprefix("fatal: "))


# What git prints when the remote did not answer (or not in time): the remote is down,
# not the ref missing.
DOWN = (
    "could not resolve host",
    "connection refused",
    "failed to connect",
    "operation too slow",
    "timed out",
    "connection reset",
    "empty reply",
    "returned error: 5",
    "returned error: 429",
    "the remote end hung up",
    "early eof",
    "unexpected disconnect",
)


def remote_down(reason: str) -> bool:
    return any(marker in reason.lower() for marker in DOWN)


def ls_remote(url: str, *refs: str, timeout: float | None = None) -> dict[str, str]:
    """ref -> SHA as the remote lists them now (all refs, or those named);
    git.GitCommandError on failure."""
    out = git.cmd.Git().execute(
        ["git", "ls-remote", url, *refs], env=GIT_ENV, kill_after_timeout=timeout
    )
    pairs = (line.split("\t", 1) for line in out.splitlines() if "\t" in line)
    return {ref: sha for sha, ref in pairs}


def exact_fetch(url: str, sha: str) -> tuple[bool, str]:
    """A real shallow fetch of one full SHA (`git fetch --depth=1 <url> <sha>`) into a scratch
    repository, as the lane's source task does it: (whether exactly that commit came, FETCH_HEAD or
    git's error). `--no-tags`: without tag following git asks no ref list (2 requests, not 3);
    whether the server gives that SHA is the same question."""
    with tempfile.TemporaryDirectory(prefix="agentrun-exact-fetch-") as scratch:
        repo = git.Repo.init(scratch, bare=True)
        try:
            repo.git.execute(
                ["git", "fetch", "--quiet", "--no-tags", "--depth=1", url, sha], env=GIT_ENV
            )
            got = repo.git.rev_parse("FETCH_HEAD")
        except git.GitCommandError as exc:
            return False, last_error_line(exc)
        finally:
            repo.close()
        return got == sha, f"FETCH_HEAD {got}"


class GitRemote:
    """One remote and its session cache repository. The remote is asked once: a single fetch of
    every branch (`+refs/heads/*`) gives both the ref list and the objects. History is read with
    one streamed `git log` per branch, shared by every criterion that walks it; batches of files
    and diffs are read by one `cat-file --batch` / `diff-tree --stdin` process each. Every value
    still goes through the evidence cache, one key per value, so a run records and replays."""

    def __init__(
        self,
        name: str,
        url: str,
        cache: EvidenceCache,
        cache_dir: Path,
        breaker: Breaker | None = None,
        *,
        credentials: bool = True,
    ):
        self.name = name
        self.credentials = credentials  # False: every read is refused at once (lane config)
        self.url = url
        self.shown_url = redact_url(url)
        self._cache = cache
        self._dir = cache_dir / "git" / f"{name}.git"
        self._repo: git.Repo | None = None
        # GitPython's persistent cat-file helpers are not thread-safe; held only around leaf git
        # work (never across an evidence-cache read, which could wait on another thread).
        self._lock = threading.RLock()
        self.breaker = breaker or Breaker("git")

    def _remote_error(self, what: str, exc: git.GitCommandError) -> EvidenceError:
        """The error of a command that asked the remote; a remote found down opens its breaker."""
        error = EvidenceError("git", what, self.shown_url, last_error_line(exc))
        return self.breaker.trip(error) if remote_down(error.reason) or exc.status == -9 else error

    def _ask_remote(self, what: str) -> float:
        """Before a command that talks to the remote: fail fast if it is down; its time limit."""
        self.breaker.check(what, self.shown_url)
        return self.breaker.timeout(TIMEOUTS.git_remote)

    def _refuse_without_credentials(self, what: str) -> None:
        if not self.credentials:
            raise EvidenceError("git", what, self.shown_url, f"no credentials for {self.shown_url}")

    @property
    def repo(self) -> git.Repo:
        self._refuse_without_credentials("objects")
        with self._lock:
            if self._repo is None:
                self._dir.parent.mkdir(parents=True, exist_ok=True)
                self._repo = git.Repo.init(self._dir, bare=True)
                self._repo.git.update_environment(**GIT_ENV)
            return self._repo

    def close(self) -> None:
        """End GitPython's cat-file helper processes (they would outlive the session otherwise)."""
        with self._lock:
            if self._repo is not None:
                self._repo.close()
                self._repo.git.clear_cache()
                self._repo = None

    def _git(self, *args: str, stdin: bytes | None = None, timeout: float | None = None) -> bytes:
        """One git command in the cache repository: its stdout; git.GitCommandError on failure
        (status -9 when it ran past `timeout`, as GitPython's kill_after_timeout reports it)."""
        # The cache lives one session: the housekeeping git starts after a fetch is work lost.
        command = ["git", "-c", "maintenance.auto=false", f"--git-dir={self._dir}", *args]
        try:
            done = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                env={**os.environ, **GIT_ENV},
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise git.GitCommandError(command, -9, f"timed out after {timeout:.0f}s") from None
        if done.returncode != 0:  # text, as GitPython's own commands report it (last_error_line)
            raise git.GitCommandError(
                command, done.returncode, done.stderr.decode("utf-8", "replace").strip()
            )
        return done.stdout

    # -- remote refs ---------------------------------------------------------------------------
    def refs(self) -> dict[str, str]:
        """refs/heads/<branch> -> SHA as the remote lists them now, every branch fetched with it."""

        def fetch() -> dict[str, str]:
            self._refuse_without_credentials("ls-remote")
            self.repo  # noqa: B018 - creates the cache repository
            space = f"refs/remotes/{self.name}/"
            timeout = self._ask_remote("ls-remote")
            try:
                self._git(
                    "fetch",
                    "--quiet",
                    "--prune",
                    "--no-tags",
                    self.url,
                    f"+refs/heads/*:{space}*",
                    timeout=timeout,
                )
                out = self._git("for-each-ref", "--format=%(objectname) %(refname)", space).decode()
            except git.GitCommandError as exc:
                raise self._remote_error("ls-remote", exc) from None
            pairs = (line.split(" ", 1) for line in out.splitlines() if " " in line)
            return {"refs/heads/" + ref[len(space) :]: sha for sha, ref in pairs}

        return self._cache.get(f"git:{self.name}", "ls-remote", fetch)

    def head(self, branch: str) -> str | None:
        """The branch's head commit on the remote, or None if the branch does not exist."""
        return self.refs().get(f"refs/heads/{branch}")

    # -- objects -------------------------------------------------------------------------------
    def fetch_branch(self, branch: str) -> str | None:
        """The branch's head, its full history in the cache (refs() fetched every
        branch), or None."""
        return self.head(branch)

    def ensure_commit(self, sha: str) -> git.Commit:
        """The commit, fetched by full SHA if no fetched branch holds it."""

        def fetch() -> str:
            self.refs()  # the branches first: a commit they hold needs no fetch of its own
            with self._lock:
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
        with self._lock:
            return self.repo.commit(sha)

    # Every read below goes through the evidence cache, so a run can be recorded and replayed.
    def _cached(self, key: str, fetch):
        return self._cache.get(f"git:{self.name}", key, fetch)

    def read(self, sha: str, path: str) -> str | None:
        """A file's text at a commit, or None if the commit has no such file."""

        def fetch() -> str | None:
            commit = self.ensure_commit(sha)
            with self._lock:
                blob = _entry(commit, path)
                if blob is None or blob.type != "blob":
                    return None
                return blob.data_stream.read().decode("utf-8", "replace")

        return self._cached(f"read {sha}:{path}", fetch)

    def read_many(self, wanted: list[tuple[str, str]]) -> list[str | None]:
        """read() of many (sha, path) at once: what is not cached yet comes from one
        cat-file --batch."""
        keys = [f"read {sha}:{path}" for sha, path in wanted]
        todo = [w for w, k in zip(wanted, keys) if not self._cache.cached(f"git:{self.name}", k)]
        batch = self._cat_file_batch(todo) if todo and not self._cache.replay else {}
        return [
            self._cached(
                k,
                lambda w=w: (
                    batch[w] if batch.get(w, MISSING) is not MISSING else _uncached_read(self, *w)
                ),
            )
            for w, k in zip(wanted, keys)
        ]

    def _cat_file_batch(self, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
        """(sha, path) -> text, None for a tree, MISSING when the object is not in the cache yet."""
        self.refs()
        try:
            out = self._git(
                "cat-file", "--batch", stdin="".join(f"{s}:{p}\n" for s, p in wanted).encode()
            )
        except git.GitCommandError:
            return {}
        result: dict[tuple[str, str], str | None] = {}
        position = 0
        for spec in wanted:
            end = out.index(b"\n", position)
            header = out[position:end].split()
            position = end + 1
            if len(header) != 3:  # "<spec> missing" / "ambiguous"
                result[spec] = MISSING
                continue
            size = int(header[2])
            body = out[position : position + size]
            position += size + 1
            result[spec] = body.decode("utf-8", "replace") if header[1] == b"blob" else None
        return result

    def exists(self, sha: str, path: str) -> bool:
        def fetch() -> bool:
            commit = self.ensure_commit(sha)
            with self._lock:
                return _entry(commit, path) is not None

        return self._cached(f"exists {sha}:{path}", fetch)

    def files(self, sha: str, prefix: str = "") -> list[str]:
        """Every file path at a commit, under `prefix` when given."""

        def fetch() -> list[str]:
            commit = self.ensure_commit(sha)
            with self._lock:
                tree = commit.tree
                if prefix.strip("/"):
                    entry = _entry(commit, prefix)
                    if entry is None or entry.type != "tree":
                        return []
                    tree = entry
                return sorted(item.path for item in tree.traverse() if item.type == "blob")

        return self._cached(f"files {sha}:{prefix}", fetch)

    def history(self, branch_or_sha: str, path: str | None = None) -> list[CommitInfo]:
        """Commits reachable from a fetched branch or a commit (newest first), optionally only those
        whose change against the first parent touches path. One `git log` per branch or commit;
        the path-filtered histories are taken from it."""
        if path:
            prefix = path.strip("/") + "/"
            return self._cached(
                f"history {branch_or_sha}:{path}",
                lambda: [
                    c
                    for c in self.history(branch_or_sha)
                    if any(f == path or f.startswith(prefix) for f in c.files)
                ],
            )

        def fetch() -> list[CommitInfo]:
            is_sha = len(branch_or_sha) == 40
            rev = (
                self.ensure_commit(branch_or_sha).hexsha
                if is_sha
                else f"refs/remotes/{self.name}/{branch_or_sha}"
            )
            self.refs()
            try:
                out = self._git(
                    "log",
                    "-z",
                    "--name-only",
                    "--no-renames",
                    "--root",
                    "--diff-merges=first-parent",
                    f"--format={LOG_FORMAT}",
                    rev,
                    "--",
                )
            except git.GitCommandError as exc:
                raise EvidenceError(
                    "git", f"history {branch_or_sha}", self.shown_url, last_error_line(exc)
                ) from None
            return parse_log(out.decode("utf-8", "replace"))

        return self._cached(f"history {branch_or_sha}:", fetch)

    def changed_files(self, old: str, new: str) -> list[str]:
        return self.changed_files_of([(old, new)])[(old, new)]

    def changed_files_of(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        """Paths that differ between each (old, new) pair of commits: one diff-tree --stdin for all.
        An EvidenceError of any pair is raised (prime_changed_files() keeps each pair's own)."""
        self.prime_changed_files(pairs)
        return {pair: self._changed(pair, {}) for pair in pairs}

    def prime_changed_files(self, pairs: list[tuple[str, str]]) -> None:
        """Read the diffs of many pairs at once into the evidence cache; a pair that cannot be read
        caches its failure, for changed_files() of that pair to raise."""
        key = lambda p: f"changed {p[0]}..{p[1]}"  # noqa: E731
        todo = [
            p for p in dict.fromkeys(pairs) if not self._cache.cached(f"git:{self.name}", key(p))
        ]
        if not todo or self._cache.replay:
            return
        known = set()
        for sha in sorted({s for pair in todo for s in pair}):
            try:
                self.ensure_commit(sha)
                known.add(sha)
            except EvidenceError:
                pass  # that pair's own read below fails with this reason
        batch = self._diff_tree_batch([p for p in todo if set(p) <= known])
        for pair in todo:
            try:
                self._changed(pair, batch)
            except EvidenceError:
                pass

    def _changed(self, pair: tuple[str, str], batch: dict[tuple[str, str], list[str]]) -> list[str]:
        def fetch() -> list[str]:
            if pair in batch:
                return batch[pair]
            a, b = self.ensure_commit(pair[0]), self.ensure_commit(pair[1])
            with self._lock:
                return sorted({p for d in a.diff(b) for p in (d.a_path, d.b_path) if p})

        return self._cached(f"changed {pair[0]}..{pair[1]}", fetch)

    def _diff_tree_batch(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        if not pairs:
            return {}
        stdin = "".join(f"{new} {old}\n" for old, new in pairs).encode()
        try:
            tokens = (
                self._git(
                    "diff-tree",
                    "--stdin",
                    "-r",
                    "--name-only",
                    "-z",
                    "--no-renames",
                    "--always",
                    stdin=stdin,
                )
                .decode("utf-8", "replace")
                .split("\0")
            )
        except git.GitCommandError:
            return {}
        # Output: for each input line, "<new>" then the changed paths; the next header is the next
        # pair's <new> (a path spelled exactly as that 40-hex SHA would be
        # misread: not a real risk).
        result: dict[tuple[str, str], list[str]] = {}
        position = 0
        for index, (old, new) in enumerate(pairs):
            if position >= len(tokens) or tokens[position] != new:
                return result
            following = pairs[index + 1][1] if index + 1 < len(pairs) else None
            end = position + 1
            while end < len(tokens) and tokens[end] != following and tokens[end]:
                end += 1
            result[(old, new)] = sorted(set(tokens[position + 1 : end]))
            position = end
        return result

    def ancestry(self, branch_or_sha: str) -> list[str]:
        """Every commit reachable from a fetched branch or a commit, itself included
        (rev-list: SHAs only)."""

        def fetch() -> list[str]:
            is_sha = len(branch_or_sha) == 40
            rev = (
                self.ensure_commit(branch_or_sha).hexsha
                if is_sha
                else f"refs/remotes/{self.name}/{branch_or_sha}"
            )
            self.refs()
            try:
                return self._git("rev-list", rev, "--").decode().split()
            except git.GitCommandError as exc:
                raise EvidenceError(
                    "git", f"rev-list {branch_or_sha}", self.shown_url, last_error_line(exc)
                ) from None

        return self._cached(f"ancestry {branch_or_sha}", fetch)

    def exact_fetch(self, sha: str) -> tuple[bool, str]:
        """exact_fetch() of one full SHA from this remote, once per session."""
        return self._cache.get(
            f"git:{self.name}", f"exact-fetch {sha}", lambda: exact_fetch(self.url, sha)
        )


MISSING = object()
# One record per commit, split at \x1e: SHA, parents, author, author email, committer email,
# message, then (from --name-only -z) the changed paths, each NUL-terminated.
LOG_FORMAT = "%x1e%H%x00%P%x00%an%x00%ae%x00%ce%x00%B"


def parse_log(out: str) -> list[CommitInfo]:
    commits = []
    for record in out.split("\x1e")[1:]:
        fields = record.split("\0")
        sha, parents, author, author_email, committer_email, message = fields[:6]
        files = {f.lstrip("\n") for f in fields[6:]} - {""}
        commits.append(
            CommitInfo(
                sha,
                tuple(parents.split()),
                author,
                author_email,
                committer_email,
                message.strip(),
                tuple(sorted(files)),
            )
        )
    return commits


def _entry(commit: git.Commit, path: str):
    try:
        return commit.tree / path.strip("/")
    except KeyError:
        return None


def _uncached_read(remote: GitRemote, sha: str, path: str) -> str | None:
    commit = remote.ensure_commit(sha)
    with remote._lock:
        blob = _entry(commit, path)
        return (
            blob.data_stream.read().decode("utf-8", "replace")
            if blob is not None and blob.type == "blob"
            else None
        )
