"""Argo CD desired state (truth level 2): the lane's AppProject and Application, via the API."""

from __future__ import annotations

from typing import Any

from ..lane import LaneProfile
from .kube import Kube


class Argo:
    def __init__(self, kube: Kube, profile: LaneProfile):
        self.kube = kube
        self.profile = profile
        self.namespace = profile.argocd_namespace

    def app_project(self) -> dict[str, Any] | None:
        return self.kube.get("AppProject", self.namespace, self.profile.app_project)

    def application(self) -> dict[str, Any] | None:
        """The lane's Application, from the namespace's list that AR-04 reads
        anyway (one request)."""
        name = self.profile.application
        return next(
            (a for a in self.applications() if a.get("metadata", {}).get("name") == name), None
        )

    def applications(self) -> list[dict[str, Any]]:
        return self.kube.list("Application", self.namespace)
