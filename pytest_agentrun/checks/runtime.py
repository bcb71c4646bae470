"""Live runtime checks (truth level 1): RT-*."""

from __future__ import annotations

import re
from typing import Any

from ..finding import Finding, failed, judge
from .gitops import pod_spec
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


BAD_WAITING = ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "CreateContainerError")
DIGEST_IN = re.compile(r"@(sha256:[0-9a-f]{64})$")


def selected(pods: list[dict[str, Any]], workload: dict[str, Any]) -> list[dict[str, Any]]:
    """The Pods a workload's selector (matchLabels) picks."""
    wanted = (workload.get("spec", {}).get("selector") or {}).get("matchLabels") or {}
    return [p for p in pods if wanted and all((p["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())]


def _condition(pod: dict[str, Any], kind: str) -> str | None:
    return next((c.get("status") for c in pod.get("status", {}).get("conditions", []) or [] if c.get("type") == kind), None)


def pods_ready(declared: list[tuple[str, str, int]], live: dict[tuple[str, str], dict[str, Any] | None],
               pods: list[dict[str, Any]], events: list[dict[str, Any]]) -> list[Finding]:
    """RT-03: every Pod of the declared workloads is Ready, no container is crash-looping or failing to pull."""
    findings = []
    for kind, name, desired in declared:
        workload = live.get((kind, name))
        own = selected(pods, workload) if workload else []
        if desired and not own:
            findings.append(failed("RT-03", f"Pods of {kind} {name}", f"{desired} Ready Pod(s)", "no Pod found",
                                   f"{kind} {name}"))
        for pod in own:
            statuses = pod.get("status", {}).get("containerStatuses", []) or []
            waiting = [f"{c['name']}: {c['state']['waiting'].get('reason')}" for c in statuses
                       if (c.get("state") or {}).get("waiting", {}).get("reason") in BAD_WAITING]
            ready = _condition(pod, "Ready")
            warnings = [f"{e.get('reason')}: {e.get('message', '')[:120]}" for e in events
                        if e.get("type") == "Warning" and e.get("involvedObject", {}).get("name") == pod["metadata"]["name"]]
            findings.append(judge(
                "RT-03", ready == "True" and not waiting, object_ref(pod), "condition Ready=True, no container waiting in "
                "CrashLoopBackOff/ImagePullBackOff", f"Ready={ready}" + (f"; waiting {', '.join(waiting)}" if waiting else ""),
                object_ref(pod), restarts={c["name"]: c.get("restartCount", 0) for c in statuses}, warningEvents=warnings))
    return findings or [failed("RT-03", "declared workloads", "at least one declared workload", "none", "deploy.json")]


def images_match_catalog(declared: list[tuple[str, str, int]], live: dict[tuple[str, str], dict[str, Any] | None],
                         pods: list[dict[str, Any]], catalog_digest: dict[str, str], catalog_where: str) -> list[Finding]:
    """RT-04: the image each running container actually runs (imageID) carries the catalog's digest."""
    findings = []
    for kind, name, _ in declared:
        workload = live.get((kind, name))
        for pod in selected(pods, workload) if workload else []:
            service = (pod["metadata"].get("labels") or {}).get("agentrun.io/service", name)
            want = catalog_digest.get(service)
            for status in pod.get("status", {}).get("containerStatuses", []) or []:
                match = DIGEST_IN.search(status.get("imageID", ""))
                found = match.group(1) if match else None
                findings.append(judge("RT-04", want is not None and found == want,
                                      f"{object_ref(pod)} container {status.get('name')}",
                                      f"imageID digest {want} (catalog, service {service}, {catalog_where})",
                                      f"imageID {status.get('imageID')!r}", object_ref(pod)))
    return findings or [failed("RT-04", "running containers", "at least one running container of a declared workload",
                               "none", "runtime namespace")]


def health_answers(results: list[tuple[str, int, str, int, str]], namespace: str) -> list[Finding]:
    """RT-05: each service's health path answers 2xx through the API server's service proxy.
    results: (service, port, path, HTTP status, body excerpt)."""
    findings = [judge("RT-05", 200 <= status < 300, f"service {service} {path}", "HTTP 2xx",
                      f"HTTP {status}: {body[:120]}",
                      f"GET /api/v1/namespaces/{namespace}/services/{service}:{port}/proxy{path}")
                for service, port, path, status, body in results]
    return findings or [failed("RT-05", "health paths", "deploy.json declares at least one health path", "none", "deploy.json")]


def managed_by_argo(manifests: list[tuple[str, str, str]], live: dict[tuple[str, str], dict[str, Any] | None],
                    application: str, allowed: list[str]) -> list[Finding]:
    """RT-06: the live objects of the runtime manifests carry Argo CD's tracking, and no field manager
    other than Argo CD's and the cluster's own controllers (a hand kubectl apply/patch/edit is drift)."""
    findings = []
    for kind, name, where in manifests:
        obj = live.get((kind, name))
        subject = f"{kind} {name}"
        if obj is None:
            findings.append(failed("RT-06", subject, "live, tracked by Argo CD", "not found (404)", where))
            continue
        meta = obj.get("metadata", {})
        tracked = ((meta.get("labels") or {}).get("app.kubernetes.io/instance") == application
                   or str((meta.get("annotations") or {}).get("argocd.argoproj.io/tracking-id", "")).startswith(f"{application}:"))
        drift = [f"{m.get('manager')} ({m.get('operation')} at {m.get('time')}, fields {sorted((m.get('fieldsV1') or {}).keys())})"
                 for m in meta.get("managedFields", []) or [] if m.get("manager") not in allowed]
        findings.append(judge("RT-06", tracked, f"{object_ref(obj)} tracking",
                              f"label app.kubernetes.io/instance={application} or tracking-id {application}:...",
                              "tracked" if tracked else "no Argo CD tracking label or annotation", object_ref(obj)))
        findings.append(judge("RT-06", not drift, f"{object_ref(obj)} field managers", f"only {', '.join(allowed)}",
                              "; ".join(drift) if drift else "none other", object_ref(obj),
                              managers=sorted({m.get("manager") for m in meta.get("managedFields", []) or []})))
    return findings or [failed("RT-06", "runtime manifests", "at least one object", "none", "runtime path")]


def secret_refs_exist(refs: dict[str, set[str]], secrets: dict[str, dict[str, Any] | None], namespace: str,
                      where: str) -> list[Finding]:
    """RT-07: every SecretRef the runtime manifests name exists with the named keys (values never read)."""
    findings = []
    for name, keys in sorted(refs.items()):
        secret = secrets.get(name)
        subject = f"Secret {namespace}/{name}"
        if secret is None:
            findings.append(failed("RT-07", subject, f"exists with keys {sorted(keys)}", "not found (404)", subject,
                                   referencedIn=where))
            continue
        missing = sorted(keys - set(secret.get("keys", [])))
        findings.append(judge("RT-07", not missing, subject, f"keys {sorted(keys)}",
                              f"missing keys {missing}" if missing else f"keys {secret.get('keys')}", subject,
                              referencedIn=where))
    return findings or [failed("RT-07", "SecretRefs", "the runtime manifests name at least one SecretRef", "none", where)]


def secret_refs(objects: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Secret name -> key names, from env secretKeyRef, envFrom secretRef and secret volumes (with items)."""
    refs: dict[str, set[str]] = {}
    for obj in objects:
        spec = pod_spec(obj)
        for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
            for env in container.get("env", []) or []:
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    refs.setdefault(ref["name"], set()).add(ref["key"])
            for source in container.get("envFrom", []) or []:
                if source.get("secretRef"):
                    refs.setdefault(source["secretRef"]["name"], set())
        for volume in spec.get("volumes", []) or []:
            secret = volume.get("secret")
            if secret:
                refs.setdefault(secret["secretName"], set()).update(i["key"] for i in secret.get("items", []) or [])
    return refs
