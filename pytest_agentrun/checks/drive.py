"""Checks of driven outcomes (DR-*), on what the drive helpers did and what the lane shows afterwards."""

from __future__ import annotations

from ..drive.mirror_sync import BranchMove
from ..finding import Finding, judge


def mirror_settled(synced: BranchMove, flushed: BranchMove, heads: dict[str, str | None]) -> list[Finding]:
    """DR-01: after sync the mirror's source branch is GitHub's; after flush GitHub's GitOps branch is the mirror's."""
    return [
        judge("DR-01", heads["localV01"] == heads["githubV01"] == synced.after, f"{synced.branch} after sync",
              f"mirror = GitHub = {synced.after}", f"mirror {heads['localV01']}, GitHub {heads['githubV01']}",
              synced.target, move=synced.as_dict()),
        judge("DR-01", heads["githubGitops"] == heads["localGitops"] == flushed.after, f"{flushed.branch} after flush",
              f"GitHub = mirror = {flushed.after}", f"GitHub {heads['githubGitops']}, mirror {heads['localGitops']}",
              flushed.target, move=flushed.as_dict()),
    ]
