"""The logs under a troubled release's status: the tail of each container's log (current and
previous) of the Pods that are not Ready, restarting or terminated with an error.

What comes back is evidence for a finding, never a verdict: a log that cannot be read (403, 404,
400, a timeout, not recorded in an older bundle) is said so in its place and nothing is raised.
Healthy Pods are not read at all, so a healthy lane sends no request for logs.
"""

from __future__ import annotations

from typing import Any

from ..errors import EvidenceError
from ..model.pod_logs import BOUNDS, UNREADABLE, LogBounds, log_reads, terminations, trouble
from .kube import Kube

# pod name -> {"trouble": why it was read, "terminations": {container: what the status says},
#              "logs": {container: {"current"/"previous": tail or why not}, or why not}}
PodLogs = dict[str, dict[str, Any]]


def troubled_pod_logs(
    kube: Kube, namespace: str, pods: list[dict[str, Any]], bounds: LogBounds = BOUNDS
) -> PodLogs:
    """The logs of the troubled Pods among `pods` (one workload's release), at most
    bounds.pods_per_workload of them; the others are named with why they were not read."""
    found: PodLogs = {}
    troubled = [(pod, why) for pod in pods if (why := trouble(pod))]
    for index, (pod, why) in enumerate(troubled):
        name = (pod.get("metadata") or {}).get("name", "?")
        found[name] = {"trouble": why, "terminations": terminations(pod)}
        if index < bounds.pods_per_workload:
            found[name]["logs"] = _container_logs(kube, namespace, pod, bounds)
        else:
            found[name]["logs"] = (
                f"not read: only the first {bounds.pods_per_workload} "
                "troubled Pods of a workload are read"
            )
    return found


def _container_logs(
    kube: Kube, namespace: str, pod: dict[str, Any], bounds: LogBounds
) -> dict[str, Any]:
    reads, without_log = log_reads(pod)
    logs: dict[str, Any] = dict(without_log)
    for read in reads:
        try:
            text = kube.pod_log(namespace, read, bounds)
        except EvidenceError as exc:
            text = f"{UNREADABLE}: {exc.reason}"
        logs.setdefault(read.container, {})[read.instance] = text
    return logs
