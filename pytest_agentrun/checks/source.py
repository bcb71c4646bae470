"""Clean source checks (truth level 5): SRC-*."""

from __future__ import annotations

from ..finding import Finding, judge
from ..lane import LaneProfile
from ..readers.worktree import WorktreeState


def worktree_clean(profile: LaneProfile, state: WorktreeState, remote_head: str | None, remote_where: str) -> list[Finding]:
    """SRC-01: the worktree is on the source branch, equal to origin (and GitHub), with nothing modified or untracked."""
    branch = profile.source_branch
    where = f"worktree {state.path}"
    return [
        judge("SRC-01", state.branch == branch, "worktree branch", branch,
              repr(state.branch) if state.branch else "detached HEAD", where),
        judge("SRC-01", state.upstream_head is not None and state.ahead == 0 and state.behind == 0,
              f"worktree against origin/{branch}", "neither ahead nor behind",
              f"ahead {state.ahead}, behind {state.behind}" if state.upstream_head else f"no origin/{branch}", where),
        judge("SRC-01", remote_head is not None and state.head == remote_head, f"worktree HEAD against {branch} on the source repo",
              f"{remote_head} ({remote_where})", state.head, where),
        judge("SRC-01", not state.changes, "worktree status", "clean (nothing modified, staged or untracked)",
              "; ".join(state.changes[:10]) + (f" (+{len(state.changes) - 10} more)" if len(state.changes) > 10 else "")
              if state.changes else "clean", where, changes=list(state.changes)),
    ]
