"""Whether the runtime has rolled out one revision: pure functions over the live workloads and pods.

Done means: every Deployment/StatefulSet the Application tracks has rolled out as RT-02 judges it
(rollout_state), and every Pod of its current revision (release_pods, as RT-03/RT-04 choose them:
Evicted, Terminating and other revisions' Pods are not waited for) is Running and Ready, boots the
revision (env AGENTRUN_BOOT_COMMIT) and runs the catalog's digest (containerStatuses imageID).
"""

from __future__ import annotations

from typing import Any

from .objects import object_ref
from .rollout_state import rollout_problems

BOOT_COMMIT_ENV = "AGENTRUN_BOOT_COMMIT"


def catalog_digests(services: list[dict[str, Any]]) -> tuple[dict[str, str], str]:
    """The catalog's env image digest per serviceId (a container of that name runs it), and the
    first service's for any other container; "" where the catalog names none."""
    digests = {e.get("serviceId"): (e.get("image") or {}).get("digest") or "" for e in services}
    first = (services[0].get("image") or {}).get("digest") or "" if services else ""
    return digests, first


def workload_problem(workload: dict[str, Any]) -> str | None:
    """Why the workload has not finished rolling out, or None (the RT-02 judgement)."""
    problems = rollout_problems(workload)
    return f"{object_ref(workload)}: {'; '.join(problems)}" if problems else None


def pod_problem(
    pod: dict[str, Any], revision: str, digests: dict[str, str], digest: str
) -> str | None:
    """Why the pod is not a ready pod of `revision` on the catalog's digest, or None.
    digests: digest per container name (the catalog's serviceId); `digest` for
    any other container."""
    ref, meta, status = object_ref(pod), pod["metadata"], pod.get("status") or {}
    for container in (pod.get("spec") or {}).get("containers") or []:
        env = {e.get("name"): e.get("value") for e in container.get("env") or []}
        booted = env.get(BOOT_COMMIT_ENV)
        if booted != revision:  # a pod of another revision: the rollout has not replaced it
            return (
                f"{ref} container {container.get('name')} boots "
                f"{booted or f'no {BOOT_COMMIT_ENV}'}, not {revision}"
            )
    if meta.get("deletionTimestamp"):
        return f"{ref} is terminating"
    if status.get("phase") != "Running":
        return f"{ref} is {status.get('phase') or 'not scheduled'}"
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
    if ready.get("status") != "True":
        return f"{ref} is not Ready"
    if not status.get("containerStatuses"):  # Ready=True alone says nothing of what runs (as RT-03)
        return f"{ref} reports Ready but no containerStatuses"
    for cs in status.get("containerStatuses") or []:
        want = digests.get(cs.get("name"), digest)
        if not want:
            return f"{ref} container {cs.get('name')}: the catalog gives no digest to compare with"
        if not (cs.get("imageID") or "").endswith(want):
            return (
                f"{ref} container {cs.get('name')} runs {cs.get('imageID') or 'no image yet'}, "
                f"not {want}"
            )
    return None
