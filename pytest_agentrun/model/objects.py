"""Kubernetes objects as values: how a reviewer names one, and the served
resources discovery lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote


# The workload kinds a release rolls out (replicas, a current revision, readiness).
ROLLOUT_KINDS = ("Deployment", "StatefulSet")
# Every kind that carries a pod template (or is a Pod).
POD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet")


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of any workload kind (Pod, Deployment, Job, CronJob ...)."""
    spec = obj.get("spec", {}) or {}
    if obj.get("kind") == "Pod":
        return spec
    if obj.get("kind") == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template", {}).get("spec", {}) or {}


def containers(obj: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(field, container) for every initContainer and container of a workload, in that order."""
    spec = pod_spec(obj)
    return [(f, c) for f in ("initContainers", "containers") for c in spec.get(f, []) or []]


def object_ref(obj: dict[str, Any]) -> str:
    """How a reviewer finds an object: `Deployment agentrun-v01/agentrun-mgr`."""
    meta = obj.get("metadata", {})
    ns = meta.get("namespace")
    return f"{obj.get('kind', '?')} {ns + '/' if ns else ''}{meta.get('name', '?')}"


@dataclass(frozen=True)
class Resource:
    """One served resource (an APIResource of a group-version), without its subresources."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        scope = f"/namespaces/{quote(namespace)}" if self.namespaced and namespace else ""
        return f"{root}{scope}/{self.plural}" + (f"/{quote(name)}" if name else "")

    def describe(self) -> str:
        return f"{self.kind} ({self.plural}.{self.group or 'core'}/{self.version})"


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = str(api_version or "").rpartition("/")
    return group, version
