"""Whether a Deployment or StatefulSet has finished rolling out: one definition for RT-02 and the
promotion wait. Read as `kubectl rollout status` reads it (kubectl's DeploymentStatusViewer and
StatefulSetStatusViewer, k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go), plus readiness:

- the controller has observed the current generation;
- Deployment: no Progressing=False (ProgressDeadlineExceeded), every replica updated, no old replica
  left (status.replicas = updatedReplicas), none unavailable, all ready;
- StatefulSet: all ready, and the update done: updateRevision = currentRevision (RollingUpdate
  completes it), or every replica updated (OnDelete never moves currentRevision).
"""

from __future__ import annotations

from typing import Any


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def rollout_problems(workload: dict[str, Any]) -> list[str]:
    """What keeps the workload from being fully rolled out and ready; empty when it is."""
    meta = workload.get("metadata") or {}
    spec = workload.get("spec") if isinstance(workload.get("spec"), dict) else {}
    status = workload.get("status") if isinstance(workload.get("status"), dict) else {}
    want = spec.get("replicas", 1) if isinstance(spec.get("replicas", 1), int) else 1
    problems = []
    generation, observed = meta.get("generation"), status.get("observedGeneration")
    if observed is None or _int(observed) < _int(generation):
        problems.append(f"observedGeneration {observed} behind generation {generation}")
    if _int(status.get("readyReplicas")) != want:
        problems.append(f"{_int(status.get('readyReplicas'))}/{want} ready")
    kind_check = _statefulset if workload.get("kind") == "StatefulSet" else _deployment
    return problems + kind_check(spec, status, want)


def _deployment(spec: dict[str, Any], status: dict[str, Any], want: int) -> list[str]:
    problems = []
    progressing = next(
        (
            c
            for c in status.get("conditions") or []
            if isinstance(c, dict) and c.get("type") == "Progressing"
        ),
        {},
    )
    if (
        progressing.get("status") == "False"
        or progressing.get("reason") == "ProgressDeadlineExceeded"
    ):
        problems.append(
            f"Progressing={progressing.get('status')} ({progressing.get('reason')}: "
            f"{progressing.get('message', '')})"
        )
    updated, replicas = _int(status.get("updatedReplicas")), _int(status.get("replicas"))
    if updated < want:
        problems.append(f"{updated}/{want} updated (rollout in progress)")
    if replicas > updated:
        problems.append(
            f"{replicas - updated} old replica(s) pending termination ({replicas} replicas, "
            f"{updated} updated)"
        )
    if _int(status.get("unavailableReplicas")):
        problems.append(f"{status['unavailableReplicas']} unavailable")
    return problems


def _statefulset(spec: dict[str, Any], status: dict[str, Any], want: int) -> list[str]:
    current, update = status.get("currentRevision"), status.get("updateRevision")
    updated = _int(status.get("updatedReplicas"))
    if update and (update == current or updated >= want):
        return []
    return [
        f"update not complete: currentRevision {current}, updateRevision {update}, "
        f"{updated}/{want} updated"
    ]
