"""The object the suite holds: one lane, its readers, and the session's evidence cache. It only
reads: what changes the lane is the LaneDriver (drive/driver.py), built only under
--drive or --confirm.

Whether the lane is real, the sandbox, or (later) recorded evidence is decided once, by the
connection config; checks and tests never ask which.
"""

from __future__ import annotations

from pathlib import Path

from ..model.documents import DeployIntent
from ..evidence.cache import EvidenceCache
from .gitops import GitopsBranch
from ..lane import LaneConfig
from .mirror import Mirror
from .argo import Argo
from .breaker import DEFAULT_DEADLINE, Breaker, Deadline
from .cluster import Cluster
from .git import GitRemote
from .kube import Kube
from .registry import Registry
from .source_branch import SourceBranch
from .tekton import Tekton
from .worktree import Worktree


class LaneSession:
    def __init__(
        self,
        config: LaneConfig,
        cache: EvidenceCache | None = None,
        evidence_deadline: float | None = DEFAULT_DEADLINE,
    ):
        self.config = config
        self.profile = config.profile
        self.cache = cache or EvidenceCache()
        # One deadline for all the evidence, one breaker per source (a down source fails fast).
        self.deadline = Deadline(evidence_deadline)
        self.kube = Kube(config, self.cache, Breaker("kubernetes", self.deadline))
        self.cluster = Cluster(self.kube, self.profile)
        self.tekton = Tekton(self.kube, self.profile)
        self.argo = Argo(self.kube, self.profile)
        self.source = GitRemote(
            "source",
            config.source_repo_url,
            self.cache,
            config.cache_dir,
            Breaker("git", self.deadline),
            credentials=config.source_credentials,
        )
        self.mirror_remote = GitRemote(
            "mirror",
            config.mirror_read_url,
            self.cache,
            config.cache_dir,
            Breaker("git", self.deadline),
        )
        self.source_branch = SourceBranch(self.source, self.profile)
        self.mirror = Mirror(self.source, self.mirror_remote, self.profile)
        self.gitops = GitopsBranch(self.mirror_remote, self.profile)
        self.registry = Registry(
            config.registry_url, self.cache, breaker=Breaker("registry", self.deadline)
        )
        self.worktree = Worktree(config.worktree, self.cache)
        self._prefetch = None

    def prefetch(self, workers: int) -> None:
        """Read the known read set on a small pool in the background (see prefetch.py)."""
        from .prefetch import Prefetch

        if workers > 0 and self._prefetch is None:
            self._prefetch = Prefetch(self, workers).start()

    def deploy_intent(self, commit: str) -> DeployIntent:
        """deploy.json as the source repository holds it at a commit (readers/source_branch.py)."""
        return self.source_branch.deploy_intent(commit)

    def close(self) -> None:
        if self._prefetch is not None:
            self._prefetch.close()
        self.registry.close()
        self.kube.close()
        self.source.close()
        self.mirror_remote.close()
        if hasattr(self.cache.recorder, "close"):
            self.cache.recorder.close()

    @staticmethod
    def default_cache_dir() -> Path:
        import tempfile

        return Path(tempfile.mkdtemp(prefix="agentrun-evidence-"))
