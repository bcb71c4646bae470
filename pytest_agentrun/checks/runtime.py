"""Live runtime checks (truth level 1): RT-*."""

from __future__ import annotations

from typing import Any

from ..finding import Finding, failed, judge
from ..readers.kube import object_ref

READY_KINDS = ("Deployment", "StatefulSet")


def namespace_active(name: str, namespace: dict[str, Any] | None) -> list[Finding]:
    """RT-01: the runtime namespace exists and is Active."""
    where = f"Namespace {name}"
    if namespace is None:
        return [failed("RT-01", f"namespace {name}", "exists and Active", "not found (404)", where)]
    phase = namespace.get("status", {}).get("phase")
    deleting = namespace.get("metadata", {}).get("deletionTimestamp")
    found = f"phase {phase}" + (f", deletionTimestamp {deleting}" if deleting else "")
    return [judge("RT-01", phase == "Active" and not deleting, f"namespace {name}", "phase Active", found, where,
                  status=namespace.get("status", {}))]


def declared_workloads(intent_services: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(kind, name, desired replicas) of every enabled Deployment/StatefulSet deploy.json declares."""
    return [(s["workload"], s["id"], int(s.get("replicas", 1)))
            for s in intent_services if s.get("enabled", True) and s.get("workload") in READY_KINDS]


def workloads_ready(declared: list[tuple[str, str, int]], live: dict[tuple[str, str], dict[str, Any] | None],
                    namespace: str, intent_where: str) -> list[Finding]:
    """RT-02: every declared workload is present and fully ready at its current generation."""
    if not declared:
        return [failed("RT-02", "declared workloads", "deploy.json declares at least one Deployment/StatefulSet",
                       "none declared", intent_where)]
    findings = []
    for kind, name, desired in declared:
        obj = live.get((kind, name))
        where = f"{kind} {namespace}/{name}"
        if obj is None:
            findings.append(failed("RT-02", where, f"present with {desired}/{desired} ready", "not found (404)", where,
                                   declaredIn=intent_where))
            continue
        spec_replicas = obj.get("spec", {}).get("replicas", 1)
        status = obj.get("status", {})
        ready = status.get("readyReplicas", 0) or 0
        generation = obj.get("metadata", {}).get("generation")
        observed = status.get("observedGeneration")
        ok = ready == spec_replicas == desired and observed is not None and observed >= (generation or 0)
        findings.append(judge(
            "RT-02", ok, object_ref(obj),
            f"{desired}/{desired} ready (deploy.json replicas {desired}), observedGeneration = generation {generation}",
            f"{ready}/{spec_replicas} ready, observedGeneration {observed}", where,
            status={k: status.get(k) for k in ("replicas", "readyReplicas", "updatedReplicas", "availableReplicas", "observedGeneration")},
            declaredIn=intent_where))
    return findings
