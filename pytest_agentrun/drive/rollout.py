"""Whether the runtime has rolled out one revision: pure functions over the live workloads and pods.

Done means: every Deployment/StatefulSet of the Application has observed its generation and has
all replicas updated and ready, and every pod its selector picks is Running and Ready, boots the
revision (env AGENTRUN_BOOT_COMMIT) and runs the catalog's digest (containerStatuses imageID). Pods
are found through each workload's selector: Argo CD labels the workloads it applies, not their pods.
"""

from __future__ import annotations

from typing import Any

from ..readers.kube import object_ref

BOOT_COMMIT_ENV = "AGENTRUN_BOOT_COMMIT"


def catalog_digests(services: list[dict[str, Any]]) -> tuple[dict[str, str], str]:
    """The catalog's env image digest per serviceId (a container of that name runs it), and the first
    service's for any other container; "" where the catalog names none."""
    digests = {e.get("serviceId"): (e.get("image") or {}).get("digest") or "" for e in services}
    first = (services[0].get("image") or {}).get("digest") or "" if services else ""
    return digests, first


def label_selector(selector: dict[str, Any]) -> str:
    """A LabelSelector object as the `labelSelector` query parameter."""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], ",".join(expr.get("values") or [])
        parts.append({"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})",
                      "Exists": key, "DoesNotExist": f"!{key}"}[op])
    return ",".join(parts)


def workload_problem(workload: dict[str, Any]) -> str | None:
    """Why the workload has not finished rolling out, or None."""
    spec, status = workload.get("spec") or {}, workload.get("status") or {}
    generation, observed = workload["metadata"].get("generation", 0), status.get("observedGeneration", 0)
    if observed < generation:
        return f"{object_ref(workload)} has not observed generation {generation} yet (observed {observed})"
    want = spec.get("replicas", 1)
    ready, updated = status.get("readyReplicas", 0), status.get("updatedReplicas", 0)
    if ready != want or updated != want:
        return f"{object_ref(workload)} has {ready}/{want} ready and {updated}/{want} updated replicas"
    return None


def pod_problem(pod: dict[str, Any], revision: str, digests: dict[str, str], digest: str) -> str | None:
    """Why the pod is not a ready pod of `revision` on the catalog's digest, or None.
    digests: digest per container name (the catalog's serviceId); `digest` for any other container."""
    ref, meta, status = object_ref(pod), pod["metadata"], pod.get("status") or {}
    for container in (pod.get("spec") or {}).get("containers") or []:
        env = {e.get("name"): e.get("value") for e in container.get("env") or []}
        booted = env.get(BOOT_COMMIT_ENV)
        if booted != revision:   # a pod of another revision: the rollout has not replaced it
            return f"{ref} container {container.get('name')} boots {booted or f'no {BOOT_COMMIT_ENV}'}, not {revision}"
    if meta.get("deletionTimestamp"):
        return f"{ref} is terminating"
    if status.get("phase") != "Running":
        return f"{ref} is {status.get('phase') or 'not scheduled'}"
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
    if ready.get("status") != "True":
        return f"{ref} is not Ready"
    for cs in status.get("containerStatuses") or []:
        want = digests.get(cs.get("name"), digest)
        if not want:
            return f"{ref} container {cs.get('name')}: the catalog gives no digest to compare with"
        if not (cs.get("imageID") or "").endswith(want):
            return f"{ref} container {cs.get('name')} runs {cs.get('imageID') or 'no image yet'}, not {want}"
    return None
