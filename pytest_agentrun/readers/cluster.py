"""The live runtime as the Kubernetes API shows it (truth level 1)."""

from __future__ import annotations

from typing import Any

from ..lane import LaneProfile
from .kube import Kube


class Cluster:
    def __init__(self, kube: Kube, profile: LaneProfile):
        self.kube = kube
        self.profile = profile

    @property
    def namespace_name(self) -> str:
        return self.profile.runtime_namespace

    def namespace(self, name: str | None = None) -> dict[str, Any] | None:
        return self.kube.get("Namespace", None, name or self.namespace_name)

    def workload(self, kind: str, name: str) -> dict[str, Any] | None:
        """The named object of the runtime namespace, from the one list of its kind the session
        reads anyway (no GET per object: the requests stay constant in the number of services)."""
        return next((o for o in self.objects(kind) if o.get("metadata", {}).get("name") == name), None)

    def objects(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return self.kube.list(kind, namespace or self.namespace_name)

    def pods(self) -> list[dict[str, Any]]:
        return self.objects("Pod")

    def secret_metadata(self, name: str) -> dict[str, Any] | None:
        """A Secret's name and key names only: values are dropped as soon as they arrive."""
        return self.kube.secret_keys(self.namespace_name, name)

    def health(self, service: str, port: int | str, path: str) -> tuple[int, str]:
        return self.kube.proxy_get(self.namespace_name, service, port, path)
