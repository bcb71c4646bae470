"""Git mirror status (spec: `agentrun v01 git-mirror status`), read from ls-remote of both sides."""

from __future__ import annotations

from ..lane import LaneProfile
from .git import GitRemote
from ..model.mirror import MirrorStatus


class Mirror:
    """The lane's git mirror seen against the source repository, read only: `sync()` and `flush()`
    belong to the LaneDriver (drive/driver.py), which exists only when the user
    asked for a change."""

    def __init__(self, source: GitRemote, mirror: GitRemote, profile: LaneProfile):
        self.source, self.remote, self.profile = source, mirror, profile
        self._status: MirrorStatus | None = None

    def status(self) -> MirrorStatus:
        if self._status is None:
            self._status = read_mirror_status(self.source, self.remote, self.profile)
        return self._status

    def gitops_relation(self) -> str:
        """GitHub's GitOps branch against the mirror's: `equal`; `behind` (GitHub's head is an
        ancestor of the mirror's: a pending flush fast-forwards it); `ahead` (the mirror's
        head is an ancestor of GitHub's); `diverged`; or `missing` on either side. Both
        histories are fetched."""
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
        localV01=local_v01,
        githubV01=github_v01,
        localGitops=local_gitops,
        githubGitops=github_gitops,
        pendingFlush=local_gitops != github_gitops,
        sourceInSync=local_v01 is not None and local_v01 == github_v01,
        exactFetch={"localV01": ok, "sha": local_v01, "detail": detail},
    )
