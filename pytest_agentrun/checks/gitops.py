"""GitOps branch checks (truth level 3): GO-*."""

from __future__ import annotations

import re
from typing import Any

from ..documents import Catalog, ManifestSet
from ..finding import Finding, failed, judge
from ..lane import LaneProfile

PINNED = re.compile(r"^(?P<repo>[^@\s]+)@(?P<digest>sha256:[0-9a-f]{64})$")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet")


def branch_holds_lane_files(profile: LaneProfile, head: str | None, catalog_exists: bool,
                            runtime_files: list[str], where: str) -> list[Finding]:
    """GO-01: the GitOps branch exists with the catalog and a non-empty runtime path."""
    branch = profile.gitops_branch
    if head is None:
        return [failed("GO-01", f"branch {branch}", "exists", "branch not found", where)]
    return [
        judge("GO-01", catalog_exists, f"{branch}:{profile.catalog_path}", "file present",
              "present" if catalog_exists else "missing", f"{branch}@{head[:12]}:{profile.catalog_path}"),
        judge("GO-01", bool(runtime_files), f"{branch}:{profile.runtime_path}/", "at least one file",
              f"{len(runtime_files)} files", f"{branch}@{head[:12]}:{profile.runtime_path}", files=runtime_files),
    ]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of any workload kind (Pod, Deployment, Job, CronJob ...)."""
    spec = obj.get("spec", {}) or {}
    if obj.get("kind") == "Pod":
        return spec
    if obj.get("kind") == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template", {}).get("spec", {}) or {}


def containers(obj: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(field, container) for every container and initContainer of a workload."""
    spec = pod_spec(obj)
    return [(f, c) for f in ("initContainers", "containers") for c in spec.get(f, []) or []]


def service_id(obj: dict[str, Any]) -> str:
    labels = obj.get("metadata", {}).get("labels", {}) or {}
    return labels.get("agentrun.io/service") or obj.get("metadata", {}).get("name", "?")


def images_pinned_to_catalog(manifests: ManifestSet, catalog: Catalog) -> list[Finding]:
    """GO-02: every image is pinned by digest, and the digest is the catalog's digest for its service."""
    findings: list[Finding] = []
    for manifest in manifests.of_kind(*WORKLOAD_KINDS):
        sid = service_id(manifest.obj)
        entry = catalog.service(sid)
        for field, container in containers(manifest.obj):
            image = str(container.get("image", ""))
            where = manifests.where(manifest, f"image: {image}" if image else None)
            subject = f"{manifest.kind} {manifest.name} {field}[{container.get('name')}]"
            match = PINNED.match(image)
            if not match:
                findings.append(failed("GO-02", subject, "image pinned by digest (@sha256:<64 hex>)", repr(image), where))
            elif entry is None:
                findings.append(failed("GO-02", subject, f"a catalog entry for service {sid!r}", "no such service in the catalog",
                                       where, catalog=catalog.where))
            else:
                want = entry.get("image", {}).get("digest")
                findings.append(judge("GO-02", match["digest"] == want, subject, f"catalog digest {want} ({catalog.where})",
                                      match["digest"], where))
    if not findings:
        findings.append(failed("GO-02", "runtime manifests", "at least one workload with containers", "none", "runtime path",
                               parseErrors=manifests.errors))
    return findings
