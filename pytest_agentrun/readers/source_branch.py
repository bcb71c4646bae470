"""The lane's source branch (truth level 4) as read from the source repository:
its deploy intent."""

from __future__ import annotations

from ..lane import LaneProfile
from ..model.documents import DeployIntent
from .git import GitRemote


class SourceBranch:
    def __init__(self, remote: GitRemote, profile: LaneProfile):
        self.remote, self.profile = remote, profile

    def deploy_intent(self, commit: str) -> DeployIntent:
        """deploy.json as the source repository holds it at a commit (a broken file
        carries its error)."""
        path = self.profile.deploy_intent_path
        text = self.remote.read(commit, path)
        return DeployIntent.parse(f"{self.profile.source_branch}@{commit[:12]}:{path}", text)
