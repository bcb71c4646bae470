"""Logs under the status: which Pods of the release are troubled, which of their containers' logs
can be read, and what their last termination said (issue 20 part 3).

A Pod is troubled when it is not Ready, a container restarted (restartCount > 0, CrashLoopBackOff)
or one terminated with an error. Only troubled Pods are read: a healthy lane asks for no log.

Which instance has a log follows the kubelet (kubernetes/kubernetes pkg/kubelet/kubelet_pods.go,
validateContainerLogStatus): `previous` names the instance in `lastState.terminated` (without one
the answer is 400 "previous terminated container … not found"); the current instance has a log
when it runs or has terminated; a waiting container serves its last instance's log as its current
one, so only `previous` is asked for it, and one that never ran has no log at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNREADABLE = "log could not be read"
MESSAGE_CHARS = 2000  # a termination message is at most 4 KiB (kubelet); the reports need less


@dataclass(frozen=True)
class LogBounds:
    """How much of a troubled Pod's logs is read (the one place these defaults live)."""

    tail_lines: int = 50  # `tailLines`: the end of the log says why it stopped
    limit_bytes: int = 16 * 1024  # `limitBytes`: a log of very long lines stays small too
    pods_per_workload: int = 3  # a workload of 100 crash-looping replicas is read 3 times


BOUNDS = LogBounds()


@dataclass(frozen=True)
class LogRead:
    """One log to ask for: `GET …/pods/<pod>/log?container=<container>&previous=<previous>`."""

    pod: str
    container: str
    previous: bool

    @property
    def instance(self) -> str:
        return "previous" if self.previous else "current"


def _statuses(pod: dict[str, Any]) -> list[dict[str, Any]]:
    status = pod.get("status") if isinstance(pod.get("status"), dict) else {}
    found = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    return [c for c in found if isinstance(c, dict) and c.get("name")]


def _state(container: dict[str, Any], field: str) -> dict[str, Any]:
    state = container.get(field) if isinstance(container.get(field), dict) else {}
    return {k: v for k, v in state.items() if isinstance(v, dict)}


def _ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(
        isinstance(c, dict) and c.get("type") == "Ready" and c.get("status") == "True"
        for c in conditions
    )


def _failed(terminated: dict[str, Any] | None) -> bool:
    return bool(terminated) and terminated.get("exitCode") not in (0, None)


def trouble(pod: dict[str, Any]) -> str | None:
    """Why the Pod's logs are worth reading, or None for a healthy Pod."""
    reasons = [] if _ready(pod) else ["not Ready"]
    for container in _statuses(pod):
        name, restarts = container["name"], container.get("restartCount") or 0
        if isinstance(restarts, int) and restarts > 0:
            reasons.append(f"{name} restarted {restarts} time(s)")
        if _failed(_state(container, "state").get("terminated")):
            reasons.append(
                f"{name} terminated with exit code "
                f"{_state(container, 'state')['terminated'].get('exitCode')}"
            )
    return "; ".join(reasons) or None


def log_reads(pod: dict[str, Any]) -> tuple[list[LogRead], dict[str, str]]:
    """The logs the kubelet can serve for the Pod's containers, and the containers that have
    none with why (no request is sent for those)."""
    name = (pod.get("metadata") or {}).get("name", "?")
    reads, none = [], {}
    for container in _statuses(pod):
        state, last = _state(container, "state"), _state(container, "lastState")
        if "running" in state or "terminated" in state:
            reads.append(LogRead(name, container["name"], previous=False))
        if "terminated" in last or (container.get("restartCount") or 0) > 0:
            # restartCount without lastState: a previous instance ran; the answer says the rest
            reads.append(LogRead(name, container["name"], previous=True))
        if not any(r.container == container["name"] for r in reads):
            waiting = (state.get("waiting") or {}).get("reason") or "no state"
            none[container["name"]] = f"no log: the container has not run yet ({waiting})"
    return reads, none


def terminations(pod: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each container's termination as the status records it: the current instance's
    (state.terminated) and the last one's (lastState.terminated): reason, exit code, message."""
    found: dict[str, dict[str, Any]] = {}
    for container in _statuses(pod):
        for field, label in (("state", "terminated"), ("lastState", "lastTerminated")):
            terminated = _state(container, field).get("terminated")
            if terminated:
                found.setdefault(container["name"], {})[label] = _termination(terminated)
    return found


def _termination(terminated: dict[str, Any]) -> dict[str, Any]:
    kept = {
        k: terminated.get(k)
        for k in ("reason", "exitCode", "signal", "finishedAt")
        if terminated.get(k) is not None
    }
    if terminated.get("message"):
        kept["message"] = str(terminated["message"])[:MESSAGE_CHARS]
    return kept


def tail(text: str, bounds: LogBounds = BOUNDS) -> str:
    """The end of a log within the bounds, also when the server sent more than it was asked."""
    kept = "\n".join(text.splitlines()[-bounds.tail_lines :]).encode("utf-8")
    return kept[-bounds.limit_bytes :].decode("utf-8", "ignore")  # a cut character is dropped
