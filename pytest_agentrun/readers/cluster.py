"""The live runtime as the Kubernetes API shows it (truth level 1)."""

from __future__ import annotations

from typing import Any

from ..lane import LaneProfile
from .kube import Kube


class Cluster:
    def __init__(self, kube: Kube, profile: LaneProfile):
        self.kube = kube
        self.profile = profile
        self._by_name: dict[tuple[str, str], tuple[list, dict]] = {}   # (kind, namespace) -> (list, name -> object)

    @property
    def namespace_name(self) -> str:
        return self.profile.runtime_namespace

    def namespace(self, name: str | None = None) -> dict[str, Any] | None:
        return self.kube.get("Namespace", None, name or self.namespace_name)

    def workload(self, kind: str, name: str) -> dict[str, Any] | None:
        """The named object of the runtime namespace, from the one list of its kind the session
        reads anyway (no GET per object: the requests stay constant in the number of services)."""
        objects = self.objects(kind)
        key = (kind, self.namespace_name)
        if key not in self._by_name or self._by_name[key][0] is not objects:
            index = {}
            for obj in objects:
                index.setdefault(obj.get("metadata", {}).get("name"), obj)
            self._by_name[key] = (objects, index)
        return self._by_name[key][1].get(name)

    def objects(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return self.kube.list(kind, namespace or self.namespace_name)

    def pods(self) -> list[dict[str, Any]]:
        return self.objects("Pod")

    def secret_metadata(self, name: str) -> dict[str, Any] | None:
        """A Secret's name and key names only: values are dropped as soon as they arrive."""
        return self.kube.secret_keys(self.namespace_name, name)

    def health(self, service: str, port: int | str, path: str) -> tuple[int, str]:
        return self.kube.proxy_get(self.namespace_name, service, port, path)
