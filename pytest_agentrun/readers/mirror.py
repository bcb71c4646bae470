"""Git mirror status (spec: `agentrun v01 git-mirror status`), read from ls-remote of both sides."""

from __future__ import annotations

from ..errors import DriveError
from ..lane import LaneConfig, LaneProfile
from .git import GitRemote
from ..model.mirror import MirrorStatus


class Mirror:
    """The lane's git mirror seen against the source repository. `status()` reads; `sync()` and
    `flush()` change the lane and refuse unless `drive_allowed` (pytest --drive, or a confirmed command)."""

    def __init__(self, source: GitRemote, mirror: GitRemote, profile: LaneProfile, config: LaneConfig | None = None):
        self.source, self.remote, self.profile, self.config = source, mirror, profile, config
        self.drive_allowed = False
        self._status: MirrorStatus | None = None

    def status(self) -> MirrorStatus:
        if self._status is None:
            self._status = read_mirror_status(self.source, self.remote, self.profile)
        return self._status

    # Driving (only with --drive or a confirming command): read live, never from the session cache.
    def sync(self):
        """Fast-forward the mirror's source branch to GitHub's (DR-01)."""
        from ..drive.mirror_sync import sync
        self._status = None
        return sync(self._require_config())

    def flush(self):
        """Fast-forward GitHub's GitOps branch to the mirror's; refuses a non-fast-forward (DR-01)."""
        from ..drive.mirror_sync import flush
        self._status = None
        return flush(self._require_config())

    def _require_config(self) -> LaneConfig:
        if not self.drive_allowed:
            raise DriveError("mirror sync/flush changes the lane: run pytest with --drive (or the confirming command)")
        if self.config is None:
            raise RuntimeError("driving the mirror needs the lane connection config")
        return self.config

    def gitops_relation(self) -> str:
        """GitHub's GitOps branch against the mirror's: `equal`; `behind` (GitHub's head is an
        ancestor of the mirror's: a pending flush fast-forwards it); `ahead` (the mirror's head is an
        ancestor of GitHub's); `diverged`; or `missing` on either side. Both histories are fetched."""
        status, branch = self.status(), self.profile.gitops_branch
        local, github = status.localGitops, status.githubGitops
        if local is None or github is None:
            return "missing"
        if local == github:
            return "equal"
        self.remote.fetch_branch(branch)
        self.source.fetch_branch(branch)
        if github in {c.sha for c in self.remote.history(branch)}:
            return "behind"
        if local in {c.sha for c in self.source.history(branch)}:
            return "ahead"
        return "diverged"


def read_mirror_status(source: GitRemote, mirror: GitRemote, profile: LaneProfile) -> MirrorStatus:
    local_v01 = mirror.head(profile.source_branch)
    github_v01 = source.head(profile.source_branch)
    local_gitops = mirror.head(profile.gitops_branch)
    github_gitops = source.head(profile.gitops_branch)
    if local_v01:
        ok, detail = mirror.exact_fetch(local_v01)
    else:
        ok, detail = False, f"mirror has no branch {profile.source_branch}"
    return MirrorStatus(
        localV01=local_v01, githubV01=github_v01, localGitops=local_gitops, githubGitops=github_gitops,
        pendingFlush=local_gitops != github_gitops,
        sourceInSync=local_v01 is not None and local_v01 == github_v01,
        exactFetch={"localV01": ok, "sha": local_v01, "detail": detail},
    )
