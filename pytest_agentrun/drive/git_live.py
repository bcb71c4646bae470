"""Live git reads for the drive helpers, never cached: an exact fetch of one SHA through a URL, and
one file at a branch head, followed incrementally in one cache repository while a drive waits."""

from __future__ import annotations

import tempfile
from pathlib import Path

import git

from ..errors import DriveError
from ..readers import git as git_reader
from ..readers.git import GIT_ENV, last_error_line
from ..masking import redact_url


def exact_fetch(url: str, sha: str) -> None:
    """`git fetch --depth=1 <url> <sha>` must bring exactly that commit (what the lane's
    source task does); a DriveError says why it did not. Live: the reader's exact fetch,
    without the session cache."""
    ok, detail = git_reader.exact_fetch(url, sha)
    if not ok:
        raise DriveError(f"exact fetch of {sha} from {redact_url(url)} failed: {detail}")


class BranchFollower:
    """Reads one file at a branch head again and again, incrementally: one cache repository for the
    whole wait, and each look is a single fetch of that branch, which brings only the new objects
    (no scratch repository, no separate ls-remote). Close it (or use `with`) to remove the cache."""

    MISSING_REF = "couldn't find remote ref"

    def __init__(self, url: str, branch: str, cache_dir: Path):
        self.url, self.branch = url, branch
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._scratch = tempfile.TemporaryDirectory(prefix="agentrun-follow-", dir=cache_dir)
        self._repo = git.Repo.init(self._scratch.name, bare=True)
        self._ref = f"refs/remotes/follow/{branch}"

    def file_at_head(self, path: str) -> tuple[str | None, str | None]:
        """(head of the branch, text of `path` there): (None, None) without the branch, (head, None)
        without the file."""
        try:
            self._repo.git.execute(
                [
                    "git",
                    "fetch",
                    "--quiet",
                    "--no-tags",
                    self.url,
                    f"+refs/heads/{self.branch}:{self._ref}",
                ],
                env=GIT_ENV,
            )
        except git.GitCommandError as exc:
            if self.MISSING_REF in str(exc.stderr):
                return None, None
            raise DriveError(
                f"reading {self.branch} from {redact_url(self.url)} failed: {last_error_line(exc)}"
            ) from None
        head = self._repo.git.rev_parse(self._ref)
        try:
            return head, self._repo.git.show(f"{head}:{path}", strip_newline_in_stdout=False)
        except git.GitCommandError:
            return head, None

    def close(self) -> None:
        self._repo.close()
        self._scratch.cleanup()

    def __enter__(self) -> "BranchFollower":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
