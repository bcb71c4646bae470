"""The GitOps branch (truth level 3) as read through the mirror: catalog, runtime
manifests, history."""

from __future__ import annotations

from functools import cached_property

from ..model.documents import Catalog, ManifestSet, parse_manifests
from ..errors import EvidenceError
from ..lane import LaneProfile
from ..model.commits import CommitInfo
from .git import GitRemote


class GitopsBranch:
    def __init__(self, remote: GitRemote, profile: LaneProfile):
        self.remote = remote
        self.profile = profile
        self.branch = profile.gitops_branch
        self._versions: list[tuple[CommitInfo, Catalog]] | None = None

    def head(self) -> str | None:
        return self.remote.head(self.branch)

    def require_head(self) -> str:
        head = self.remote.fetch_branch(self.branch)
        if head is None:
            raise EvidenceError(
                "git", f"branch {self.branch}", self.remote.shown_url, "branch does not exist"
            )
        return head

    def where(self, path: str, sha: str | None = None) -> str:
        return f"{self.branch}@{(sha or self.require_head())[:12]}:{path}"

    @cached_property
    def catalog(self) -> Catalog:
        head = self.require_head()
        path = self.profile.catalog_path
        return Catalog.parse(self.where(path, head), self.remote.read(head, path))

    def runtime_files(self) -> list[str]:
        return self.remote.files(self.require_head(), self.profile.runtime_path)

    @cached_property
    def manifests(self) -> ManifestSet:
        head = self.require_head()
        paths = self.runtime_files()
        texts = {
            path: text or ""
            for path, text in zip(paths, self.remote.read_many([(head, p) for p in paths]))
        }
        return parse_manifests(texts, f"{self.branch}@{head[:12]}:")

    def history(self) -> list[CommitInfo]:
        """The branch's commits, newest first: one streamed read, shared by every criterion."""
        self.require_head()
        return self.remote.history(self.branch)

    def catalog_versions(self) -> list[tuple[CommitInfo, Catalog]]:
        """Every committed version of the catalog, newest first (read and parsed
        once per session)."""
        if self._versions is None:
            self.require_head()
            path = self.profile.catalog_path
            commits = self.remote.history(self.branch, path)
            texts = self.remote.read_many([(c.sha, path) for c in commits])
            self._versions = [
                (c, Catalog.parse(f"{self.branch}@{c.sha[:12]}:{path}", text))
                for c, text in zip(commits, texts)
            ]
        return self._versions

    def previous_catalog(self) -> Catalog | None:
        """The catalog version before the head's, or None while the catalog has only
        its first version."""
        earlier = self.earlier_catalogs()
        return earlier[0] if earlier else None

    def earlier_catalogs(self) -> list[Catalog]:
        """Every catalog version before the head's, newest first."""
        return [catalog for _, catalog in self.catalog_versions()[1:]]

    def first_catalog_commit(self) -> CommitInfo | None:
        """The commit that first added the catalog (None while the branch holds none)."""
        versions = self.catalog_versions()
        return versions[-1][0] if versions else None

    def all_files(self) -> dict[str, str]:
        """Every file of the branch at its head, path -> text."""
        head = self.require_head()
        paths = self.remote.files(head)
        return {
            path: text or ""
            for path, text in zip(paths, self.remote.read_many([(head, p) for p in paths]))
        }
