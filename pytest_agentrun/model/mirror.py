"""The git mirror as values: its status against the source repository, and a branch fast-forward."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class MirrorStatus:
    localV01: str | None
    githubV01: str | None
    localGitops: str | None
    githubGitops: str | None
    pendingFlush: bool
    sourceInSync: bool
    exactFetch: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BranchMove:
    branch: str
    source: str  # where the new head comes from (URL, credentials masked)
    target: str  # what was moved
    before: str | None
    after: str
    moved: bool

    def as_dict(self) -> dict:
        return asdict(self)
