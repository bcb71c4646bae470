"""Live runtime checks (truth level 1): RT-*."""

from __future__ import annotations

from typing import Any

from ..finding import Finding, failed, judge, undecided
from ..model.images import DIGEST_AT_END, PINNED
from ..model.objects import ROLLOUT_KINDS, containers, object_ref, pod_spec
from ..model.release_pods import ReleasePods, release_pods
from ..model.rollout_state import rollout_problems
from .judges import judges


@judges("RT-01")
def namespace_active(name: str, namespace: dict[str, Any] | None) -> list[Finding]:
    """RT-01: the runtime namespace exists and is Active."""
    where = f"Namespace {name}"
    if namespace is None:
        return [failed(f"namespace {name}", "exists and Active", "not found (404)", where)]
    phase = namespace.get("status", {}).get("phase")
    deleting = namespace.get("metadata", {}).get("deletionTimestamp")
    found = f"phase {phase}" + (f", deletionTimestamp {deleting}" if deleting else "")
    return [
        judge(
            phase == "Active" and not deleting,
            f"namespace {name}",
            "phase Active",
            found,
            where,
            status=namespace.get("status", {}),
        )
    ]


def declared_workloads(intent_services: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(kind, name, desired replicas) of every enabled Deployment/StatefulSet
    deploy.json declares."""
    return [
        (s["workload"], s["id"], int(s.get("replicas", 1)))
        for s in intent_services
        if s.get("enabled", True) and s.get("workload") in ROLLOUT_KINDS
    ]


@judges("RT-02")
def workloads_ready(
    declared: list[tuple[str, str, int]],
    live: dict[tuple[str, str], dict[str, Any] | None],
    namespace: str,
    intent_where: str,
    logs: dict[tuple[str, str], dict[str, Any]] | None = None,
) -> list[Finding]:
    """RT-02: every declared workload is present and fully rolled out and ready at its current
    generation (rollout_state: no rollout in progress, no ProgressDeadlineExceeded).
    logs: (kind, name) -> its troubled Pods' logs (readers/pod_logs.py): a failure's evidence."""
    logs = logs or {}
    if not declared:
        return [
            failed(
                "declared workloads",
                "deploy.json declares at least one Deployment/StatefulSet",
                "none declared",
                intent_where,
            )
        ]
    findings = []
    for kind, name, desired in declared:
        obj = live.get((kind, name))
        where = f"{kind} {namespace}/{name}"
        if obj is None:
            findings.append(
                failed(
                    where,
                    f"present with {desired}/{desired} ready",
                    "not found (404)",
                    where,
                    declaredIn=intent_where,
                )
            )
            continue
        spec_replicas = (obj.get("spec") or {}).get("replicas", 1)
        problems = rollout_problems(obj)
        if spec_replicas != desired:
            problems.insert(0, f"spec.replicas {spec_replicas}, deploy.json {desired}")
        status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
        under = {"podLogs": logs[(kind, name)]} if problems and logs.get((kind, name)) else {}
        findings.append(
            judge(
                not problems,
                object_ref(obj),
                f"{desired}/{desired} ready and updated, no rollout in progress, "
                "observedGeneration current",
                "; ".join(problems)
                if problems
                else f"{status.get('readyReplicas')}/{desired} ready, rolled out",
                where,
                status={k: status.get(k) for k in STATUS_KEYS},
                declaredIn=intent_where,
                **under,
            )
        )
    return findings


STATUS_KEYS = (
    "replicas",
    "readyReplicas",
    "updatedReplicas",
    "availableReplicas",
    "unavailableReplicas",
    "observedGeneration",
    "currentRevision",
    "updateRevision",
    "conditions",
)
BAD_WAITING = (
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "CreateContainerError",
)


def _condition(pod: dict[str, Any], kind: str) -> str | None:
    return next(
        (
            c.get("status")
            for c in _status(pod).get("conditions", []) or []
            if isinstance(c, dict) and c.get("type") == kind
        ),
        None,
    )


def _status(pod: dict[str, Any]) -> dict[str, Any]:
    return pod.get("status") if isinstance(pod.get("status"), dict) else {}


def pod_readiness(pod: dict[str, Any]) -> tuple[bool | None, str]:
    """(ready?, what was seen) for one Pod; None when its status cannot decide it."""
    status = _status(pod)
    statuses = [c for c in status.get("containerStatuses") or [] if isinstance(c, dict)]
    inits = [c for c in status.get("initContainerStatuses") or [] if isinstance(c, dict)]
    ready = _condition(pod, "Ready")
    waiting = [
        f"{c.get('name')}: {((c.get('state') or {}).get('waiting') or {}).get('reason')}"
        for c in inits + statuses
        if ((c.get("state") or {}).get("waiting") or {}).get("reason") in BAD_WAITING
    ]
    if waiting:
        return False, f"Ready={ready}; waiting {', '.join(waiting)}"
    if not statuses:  # Ready=True alone is the kubelet's summary; the containers must show it too
        return None, f"Ready={ready} but status.containerStatuses is empty: no container to look at"
    unready = [c.get("name") for c in statuses if c.get("ready") is not True]
    if ready != "True" or unready:
        return False, f"Ready={ready}" + (
            f"; containers not ready: {', '.join(map(str, unready))}" if unready else ""
        )
    return True, "Ready=True, every container ready"


def _release(
    kind: str,
    name: str,
    workload: dict[str, Any] | None,
    pods: list[dict[str, Any]],
    replica_sets: list[dict[str, Any]],
) -> ReleasePods:
    if workload is None:
        return ReleasePods(None, problem=f"{kind} {name} is not live")
    return release_pods(workload, pods, replica_sets)


@judges("RT-03")
def pods_ready(
    declared: list[tuple[str, str, int]],
    live: dict[tuple[str, str], dict[str, Any] | None],
    pods: list[dict[str, Any]],
    events: list[dict[str, Any]],
    replica_sets: list[dict[str, Any]],
    logs: dict[str, dict[str, Any]] | None = None,
) -> list[Finding]:
    """RT-03: every Pod of the declared workloads' current revision is Ready, no container is
    crash-looping or failing to pull. Pods of old revisions, Terminating and terminal Pods are
    evidence. logs: Pod name -> its logs and terminations (readers/pod_logs.py), a non-pass's
    evidence only: what a log says, or that it could not be read, never decides the finding."""
    logs = logs or {}
    findings = []
    for kind, name, desired in declared:
        split = _release(kind, name, live.get((kind, name)), pods, replica_sets)
        subject, others = f"Pods of {kind} {name}", split.evidence()
        if split.problem:
            findings.append(
                undecided(
                    subject,
                    f"{desired} Ready Pod(s) of the current revision",
                    split.problem,
                    f"{kind} {name}",
                    notJudged=others,
                )
            )
            continue
        if desired and not split.pods:
            findings.append(
                failed(
                    subject,
                    f"{desired} Ready Pod(s) of {split.revision}",
                    "no Pod of the current revision",
                    f"{kind} {name}",
                    notJudged=others,
                )
            )
        for pod in split.pods:
            findings.append(_pod_finding(pod, events, split, others, logs))
    return findings or [
        failed("declared workloads", "at least one declared workload", "none", "deploy.json")
    ]


def _pod_finding(
    pod: dict[str, Any],
    events: list[dict[str, Any]],
    split: ReleasePods,
    others: list[str],
    logs: dict[str, dict[str, Any]],
) -> Finding:
    ok, found = pod_readiness(pod)
    name = (pod.get("metadata") or {}).get("name")
    statuses = [c for c in _status(pod).get("containerStatuses") or [] if isinstance(c, dict)]
    warnings = [
        f"{e.get('reason')}: {str(e.get('message', ''))[:120]}"
        for e in events
        if e.get("type") == "Warning" and (e.get("involvedObject") or {}).get("name") == name
    ]
    evidence = {
        "revision": split.revision,
        "restarts": {c.get("name"): c.get("restartCount", 0) for c in statuses},
        "warningEvents": warnings,
        "notJudged": others,
    }
    if ok is not True and name in logs:
        evidence["podLogs"] = {name: logs[name]}  # as RT-02's: Pod name -> its logs
    expected = (
        "condition Ready=True, every container ready, none waiting in "
        "CrashLoopBackOff/ImagePullBackOff"
    )
    if ok is None:
        return undecided(object_ref(pod), expected, found, object_ref(pod), **evidence)
    return judge(ok, object_ref(pod), expected, found, object_ref(pod), **evidence)


@judges("RT-04")
def images_match_catalog(
    declared: list[tuple[str, str, int]],
    live: dict[tuple[str, str], dict[str, Any] | None],
    pods: list[dict[str, Any]],
    replica_sets: list[dict[str, Any]],
    catalog_images: dict[str, dict[str, Any]],
    catalog_where: str,
    *,
    service_label: str,
) -> list[Finding]:
    """RT-04: what runs and what will run: the image each running container of the current revision
    runs (imageID) carries the catalog's digest, and each live workload's pod template names the
    catalog's image by digest (a template moved to a tag would run whatever the
    tag points at next)."""
    findings = []
    for kind, name, _ in declared:
        workload = live.get((kind, name))
        split = _release(kind, name, workload, pods, replica_sets)
        if workload is not None:
            findings += _template_images(workload, catalog_images, catalog_where, service_label)
        if split.problem:
            findings.append(
                undecided(
                    f"Pods of {kind} {name}",
                    "running containers on the catalog's digest",
                    split.problem,
                    f"{kind} {name}",
                    notJudged=split.evidence(),
                )
            )
            continue
        for pod in split.pods:
            findings += _running_images(
                pod, name, catalog_images, catalog_where, split, service_label
            )
    return findings or [
        failed(
            "running containers",
            "at least one running container of a declared workload",
            "none",
            "runtime namespace",
        )
    ]


def _service_of(obj: dict[str, Any], default: str, service_label: str) -> str:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return labels.get(service_label) or default


def _template_images(
    workload: dict[str, Any],
    catalog_images: dict[str, dict[str, Any]],
    catalog_where: str,
    service_label: str,
) -> list[Finding]:
    service = _service_of(
        workload, (workload.get("metadata") or {}).get("name", "?"), service_label
    )
    image = catalog_images.get(service) or {}
    want = image.get("repositoryDigest") or (
        f"<repository>@{image['digest']}" if image.get("digest") else None
    )
    findings = []
    for field, container in containers(workload):
        found = str(container.get("image", ""))
        pinned = PINNED.fullmatch(found)
        ok = (
            bool(pinned)
            and want is not None
            and (
                found == want
                if image.get("repositoryDigest")
                else pinned["digest"] == image.get("digest")
            )
        )
        findings.append(
            judge(
                ok,
                f"{object_ref(workload)} pod template {field}[{container.get('name')}]",
                f"image pinned by digest, {want} (catalog, service {service}, {catalog_where})",
                repr(found),
                object_ref(workload),
            )
        )
    return findings


def _running_images(
    pod: dict[str, Any],
    workload_name: str,
    catalog_images: dict[str, dict[str, Any]],
    catalog_where: str,
    split: ReleasePods,
    service_label: str,
) -> list[Finding]:
    service = _service_of(pod, workload_name, service_label)
    want = (catalog_images.get(service) or {}).get("digest")
    statuses = [c for c in _status(pod).get("containerStatuses") or [] if isinstance(c, dict)]
    expected = f"imageID digest {want} (catalog, service {service}, {catalog_where})"
    if not statuses:
        return [
            undecided(
                f"{object_ref(pod)} containers",
                expected,
                "status.containerStatuses is empty: nothing says what runs",
                object_ref(pod),
            )
        ]
    findings = []
    for status in statuses:
        match = DIGEST_AT_END.search(str(status.get("imageID") or ""))
        found = match.group(1) if match else None
        findings.append(
            judge(
                want is not None and found == want,
                f"{object_ref(pod)} container {status.get('name')}",
                expected,
                f"imageID {status.get('imageID')!r}",
                object_ref(pod),
                revision=split.revision,
                notJudged=split.evidence(),
            )
        )
    return findings


@judges("RT-05")
def health_answers(
    results: list[tuple[str, int | str, int | str | None, str, int, str]], namespace: str
) -> list[Finding]:
    """RT-05: each service's health path answers 2xx through the API server's service proxy.
    results: (service, container port from deploy.json, the Service port that reaches it or None,
    path, HTTP status, body excerpt); the proxy takes only a port of the Service."""
    findings = []
    for service, container_port, port, path, status, body in results:
        subject = f"service {service} {path}"
        if port is None:
            findings.append(
                failed(
                    subject,
                    f"a port of Service {namespace}/{service} that reaches "
                    f"container port {container_port}",
                    "none of its ports targets it",
                    f"Service {namespace}/{service}",
                )
            )
            continue
        where = f"GET /api/v1/namespaces/{namespace}/services/{service}:{port}/proxy{path}"
        findings.append(
            judge(
                200 <= status < 300,
                subject,
                "HTTP 2xx",
                f"HTTP {status}: {body[:120]}",
                where,
                containerPort=container_port,
            )
        )
    if not findings:
        return [
            failed(
                "health paths",
                "deploy.json declares at least one health path",
                "none",
                "deploy.json",
            )
        ]
    return findings


@judges("RT-07")
def secret_refs_exist(
    refs: dict[str, set[str]], secrets: dict[str, dict[str, Any] | None], namespace: str, where: str
) -> list[Finding]:
    """RT-07: every SecretRef the runtime manifests name exists with the named keys
    (values never read)."""
    findings = []
    for name, keys in sorted(refs.items()):
        secret = secrets.get(name)
        subject = f"Secret {namespace}/{name}"
        if secret is None:
            findings.append(
                failed(
                    subject,
                    f"exists with keys {sorted(keys)}",
                    "not found (404)",
                    subject,
                    referencedIn=where,
                )
            )
            continue
        missing = sorted(keys - set(secret.get("keys", [])))
        findings.append(
            judge(
                not missing,
                subject,
                f"keys {sorted(keys)}",
                f"missing keys {missing}" if missing else f"keys {secret.get('keys')}",
                subject,
                referencedIn=where,
            )
        )
    return findings or [
        failed(
            "SecretRefs",
            "the runtime manifests name at least one SecretRef",
            "none",
            where,
        )
    ]


def secret_refs(objects: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Secret name -> key names, from env secretKeyRef, envFrom secretRef, secret volumes and the
    secret sources of projected volumes (with items)."""
    refs: dict[str, set[str]] = {}
    for obj in objects:
        spec = pod_spec(obj)
        for _, container in containers(obj):
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
                refs.setdefault(secret["secretName"], set()).update(
                    i["key"] for i in secret.get("items", []) or []
                )
            for source in (volume.get("projected") or {}).get("sources") or []:
                projected = source.get("secret") if isinstance(source, dict) else None
                if projected and projected.get("name"):
                    refs.setdefault(projected["name"], set()).update(
                        i["key"] for i in projected.get("items", []) or []
                    )
    return refs
