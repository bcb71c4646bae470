"""The logs under a non-pass finding's status as a reader scans them in a report row: per troubled
Pod, why it was read, each container's last termination and the tail of its logs.

Reads the finding as the report carries it (report_findings: already masked), evidence key
`podLogs` (readers/pod_logs.py), and prints it; it judges nothing.
"""

from __future__ import annotations

from typing import Any

INDENT = "    "


def pod_logs_text(findings: list[dict[str, Any]]) -> str:
    """Text blocks for every finding that carries podLogs; empty when none does."""
    blocks = []
    for finding in findings:
        by_pod = (finding.get("evidence") or {}).get("podLogs")
        if not isinstance(by_pod, dict):
            continue
        for pod, entry in by_pod.items():
            blocks.append(_pod_block(finding.get("criterion", "?"), pod, entry))
    return "\n".join(blocks)


def _pod_block(criterion: str, pod: str, entry: Any) -> str:
    entry = entry if isinstance(entry, dict) else {}
    lines = [
        f"{f' {criterion} logs under the status: Pod {pod} ':-^80}",
        f"why read: {entry.get('trouble', '?')}",
    ]
    for container, ends in (entry.get("terminations") or {}).items():
        for label, end in ends.items():
            lines.append(f"{container} {label}: " + ", ".join(f"{k} {v}" for k, v in end.items()))
    logs = entry.get("logs")
    if not isinstance(logs, dict):
        lines.append(str(logs))
        return "\n".join(lines)
    for container, instances in logs.items():
        if not isinstance(instances, dict):
            lines.append(f"{container}: {instances}")
            continue
        for instance, text in instances.items():
            lines.append(f"{container} ({instance} instance):")
            lines += [INDENT + line for line in str(text).splitlines()] or [INDENT + "(empty)"]
    return "\n".join(lines)
