"""The fixed source worktree (truth level 5): branch, upstream distance, cleanliness (as `git
status` says and by content, worktree_content.py), ignore rules.

Read-only: `git status`, `git rev-list`, `git check-ignore` and the content reading never change
a worktree, and the suite never fetches into it (the remote head is read with ls-remote by the
git reader). The content reading leaves the reading process's GIT_* variables out.
"""

from __future__ import annotations

from pathlib import Path

import git

from ..errors import EvidenceError
from ..evidence.cache import EvidenceCache
from ..model.worktree import IgnoreRule, WorktreeState
from .worktree_content import read_content


class Worktree:
    def __init__(self, path: Path, cache: EvidenceCache):
        self.path = path
        self._cache = cache

    def _repo(self) -> git.Repo:
        if not self.path.is_dir():
            raise EvidenceError(
                "worktree", "source worktree", str(self.path), "directory does not exist"
            )
        try:
            return git.Repo(self.path)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise EvidenceError(
                "worktree", "source worktree", str(self.path), "not a git worktree"
            ) from None

    def state(self, branch: str) -> WorktreeState:
        def fetch() -> WorktreeState:
            repo = self._repo()
            current = None if repo.head.is_detached else repo.active_branch.name
            upstream = f"origin/{branch}"
            try:
                upstream_head = repo.git.rev_parse(
                    "--verify", "--quiet", f"refs/remotes/{upstream}"
                )
            except git.GitCommandError:
                upstream_head = None
            ahead = behind = 0
            if upstream_head:
                counts = repo.git.rev_list("--left-right", "--count", f"HEAD...{upstream}").split()
                ahead, behind = int(counts[0]), int(counts[1])
            porcelain = repo.git.status("--porcelain=v1", "--untracked-files=all")
            return WorktreeState(
                str(self.path),
                current,
                repo.head.commit.hexsha,
                upstream if upstream_head else None,
                upstream_head or None,
                ahead,
                behind,
                tuple(l for l in porcelain.splitlines() if l),
                read_content(self.path),
            )

        return self._cache.get("worktree", f"state {self.path}", fetch)

    def ignore_rule(self, relpath: str) -> IgnoreRule | None:
        """The rule that matches `relpath` (ignoring or re-including it), or None if none does."""

        def fetch() -> IgnoreRule | None:
            status, out, err = self._repo().git.check_ignore(
                "-v", "-n", "--no-index", relpath, with_extended_output=True, with_exceptions=False
            )
            if status not in (0, 1):
                raise EvidenceError(
                    "worktree", f"check-ignore {relpath}", str(self.path), err.strip()
                )
            source, line, pattern = out.split("\t", 1)[0].split(":", 2)
            return IgnoreRule(source, int(line), pattern) if source else None

        return self._cache.get("worktree", f"check-ignore -v {relpath}", fetch)
