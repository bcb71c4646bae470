"""Live git reads for the drive helpers, never cached: an exact fetch of one SHA through a URL, and
one file at a branch head. Each uses a scratch bare repository that is removed afterwards."""

from __future__ import annotations

import tempfile

import git

from ..errors import DriveError
from ..readers import git as git_reader
from ..readers.git import GIT_ENV, last_error_line
from ..redact import redact_url


def exact_fetch(url: str, sha: str) -> None:
    """`git fetch --depth=1 <url> <sha>` must bring exactly that commit (what the lane's source task does);
    a DriveError says why it did not. Live: the reader's exact fetch, without the session cache."""
    ok, detail = git_reader.exact_fetch(url, sha)
    if not ok:
        raise DriveError(f"exact fetch of {sha} from {redact_url(url)} failed: {detail}")


def file_at_head(url: str, branch: str, path: str) -> tuple[str | None, str | None]:
    """(head of `branch` at url, text of `path` there): (None, None) without the branch, (head, None)
    without the file."""
    with tempfile.TemporaryDirectory(prefix="agentrun-drive-") as scratch:
        repo = git.Repo.init(scratch, bare=True)
        try:
            if not repo.git.execute(["git", "ls-remote", url, f"refs/heads/{branch}"], env=GIT_ENV):
                return None, None
            repo.git.execute(["git", "fetch", "--quiet", "--depth=1", url, f"refs/heads/{branch}"], env=GIT_ENV)
            head = repo.git.rev_parse("FETCH_HEAD")
        except git.GitCommandError as exc:
            raise DriveError(f"reading {branch} from {redact_url(url)} failed: {last_error_line(exc)}") from None
        try:
            return head, repo.git.show(f"FETCH_HEAD:{path}")
        except git.GitCommandError:
            return head, None
