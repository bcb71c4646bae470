"""The source worktree as values: its state against its upstream, and the rule that ignores a path."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorktreeState:
    path: str
    branch: str | None          # None when HEAD is detached
    head: str
    upstream: str | None        # e.g. origin/v0.1
    upstream_head: str | None
    ahead: int
    behind: int
    changes: tuple[str, ...]    # `git status --porcelain` lines: modified, staged and untracked


@dataclass(frozen=True)
class IgnoreRule:
    """The exclude pattern that decides a path (`git check-ignore -v`)."""
    source: str                 # file holding it: `.gitignore`, `sub/.gitignore`, `.git/info/exclude` or absolute
    line: int
    pattern: str

    @property
    def negated(self) -> bool:  # `!pattern` re-includes the path
        return self.pattern.startswith("!")
