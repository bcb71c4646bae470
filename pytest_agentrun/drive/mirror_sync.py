"""Mirror sync and flush (spec: `agentrun v01 git-mirror sync|flush`), fast-forward only.

sync: the mirror's source branch is moved to GitHub's. flush: GitHub's GitOps branch is moved to the
mirror's. Both fetch the two heads into a scratch repository, refuse anything that is not a
fast-forward (naming both SHAs), and push without --force. Real lanes and the sandbox alike.
"""

from __future__ import annotations

import tempfile

import git

from ..errors import DriveError
from ..lane import LaneConfig
from ..readers.git import GIT_ENV, last_error_line, ls_remote
from ..masking import redact_url
from ..model.mirror import BranchMove


def _head(url: str, branch: str) -> str | None:
    return ls_remote(url, f"refs/heads/{branch}").get(f"refs/heads/{branch}")


def fast_forward(from_url: str, to_read_url: str, to_push_url: str, branch: str) -> BranchMove:
    """Make `branch` at to_push_url equal to `branch` at from_url, if and only if that
    is a fast-forward."""
    with tempfile.TemporaryDirectory(prefix="agentrun-drive-") as scratch:
        repo = git.Repo.init(scratch, bare=True)
        try:
            new = _head(from_url, branch)
            old = _head(to_read_url, branch)
            if new is None:
                raise DriveError(f"{redact_url(from_url)} has no branch {branch}: nothing to move")
            move = BranchMove(
                branch, redact_url(from_url), redact_url(to_push_url), old, new, old != new
            )
            if not move.moved:
                return move
            repo.git.execute(
                ["git", "fetch", "--quiet", from_url, f"refs/heads/{branch}"], env=GIT_ENV
            )
            if old is not None:
                repo.git.execute(
                    ["git", "fetch", "--quiet", to_read_url, f"refs/heads/{branch}"], env=GIT_ENV
                )
                if not _is_ancestor(repo, old, new):
                    raise DriveError(
                        f"refusing to move {branch} at {redact_url(to_push_url)} from {old} to "
                        f"{new}: not a fast-forward (the two histories diverged)"
                    )
            repo.git.execute(
                ["git", "push", "--quiet", to_push_url, f"{new}:refs/heads/{branch}"], env=GIT_ENV
            )
            return move
        except git.GitCommandError as exc:
            raise DriveError(f"moving {branch} failed: {last_error_line(exc)}") from None


def _is_ancestor(repo: git.Repo, old: str, new: str) -> bool:
    try:
        repo.git.merge_base("--is-ancestor", old, new)
        return True
    except git.GitCommandError as exc:
        if exc.status == 1:
            return False
        raise


def sync(config: LaneConfig) -> BranchMove:
    """DR-01 sync: the mirror's source branch fast-forwarded to GitHub's."""
    return fast_forward(
        config.source_repo_url,
        config.mirror_read_url,
        config.mirror_write_url,
        config.profile.source_branch,
    )


def flush(config: LaneConfig) -> BranchMove:
    """DR-01 flush: GitHub's GitOps branch fast-forwarded to the mirror's (refuses a
    non-fast-forward)."""
    return fast_forward(
        config.mirror_read_url,
        config.source_repo_url,
        config.source_repo_url,
        config.profile.gitops_branch,
    )


def live_heads(config: LaneConfig) -> dict[str, str | None]:
    """The four heads read now (not from the session's evidence cache): localV01, githubV01,
    localGitops, githubGitops; one ls-remote per side."""
    profile = config.profile
    source, gitops = f"refs/heads/{profile.source_branch}", f"refs/heads/{profile.gitops_branch}"
    sides = {}
    for side, url in (("local", config.mirror_read_url), ("github", config.source_repo_url)):
        try:
            sides[side] = ls_remote(url, source, gitops)
        except git.GitCommandError as exc:
            raise DriveError(
                f"ls-remote {redact_url(url)} failed: {last_error_line(exc)}"
            ) from None
    return {
        "localV01": sides["local"].get(source),
        "githubV01": sides["github"].get(source),
        "localGitops": sides["local"].get(gitops),
        "githubGitops": sides["github"].get(gitops),
    }
