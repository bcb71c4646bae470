"""Whether Argo CD tracks a live object as part of the lane's Application (RT-06,
the promotion wait).

Argo CD marks what it applies by the method argocd-cm's `application.resourceTrackingMethod`
names (Argo CD docs, user-guide/resource_tracking.md): `annotation` (the 3.x default) writes
`argocd.argoproj.io/tracking-id: <app>:<group>/<kind>:<namespace>/<name>`, `label` (the 2.x
default) writes `app.kubernetes.io/instance: <app>`, `annotation+label` both. A tracking-id counts
only when it names the object it sits on: Argo CD ignores a copied annotation. The methods and
keys are lane data (`argocd.tracking`).
"""

from __future__ import annotations

import re
from typing import Any

TRACKING_ID = re.compile(
    r"^(?P<app>[^:]+):(?P<group>[^/]*)/(?P<kind>[^:]+):(?P<namespace>[^/]*)/(?P<name>.+)$"
)


def tracking_id(application: str, obj: dict[str, Any]) -> str:
    """The tracking-id Argo CD writes on obj for the Application."""
    meta = obj.get("metadata") or {}
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    return (
        f"{application}:{group}/{obj.get('kind')}:{meta.get('namespace') or ''}/{meta.get('name')}"
    )


def tracked_by(
    obj: dict[str, Any], application: str, tracking: dict[str, Any], argocd_namespace: str = ""
) -> str | None:
    """How obj is tracked as the Application's ("annotation ..." / "label ..."), or None."""
    meta = obj.get("metadata") or {}
    methods = set(tracking.get("methods") or [])
    value = (meta.get("annotations") or {}).get(tracking["annotation"])
    if (
        "annotation" in methods
        and isinstance(value, str)
        and _names(value, obj, application, argocd_namespace)
    ):
        return f"annotation {tracking['annotation']}={value}"
    if "label" in methods and (meta.get("labels") or {}).get(tracking["label"]) == application:
        return f"label {tracking['label']}={application}"
    return None


def _names(value: str, obj: dict[str, Any], application: str, argocd_namespace: str) -> bool:
    # Applications outside the control-plane namespace are written <namespace>_<app>.
    parsed = TRACKING_ID.match(value)
    if not parsed:
        return False
    meta = obj.get("metadata") or {}
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    return (
        parsed["app"] in (application, f"{argocd_namespace}_{application}")
        and (parsed["group"], parsed["kind"], parsed["name"])
        == (group, obj.get("kind"), meta.get("name"))
        and parsed["namespace"] in ("", meta.get("namespace") or "")
    )


def describe(application: str, tracking: dict[str, Any]) -> str:
    """What tracking is expected, in the reviewer's words."""
    ways = []
    if "annotation" in tracking.get("methods", []):
        ways.append(f"annotation {tracking['annotation']}={application}:<group>/<kind>:<ns>/<name>")
    if "label" in tracking.get("methods", []):
        ways.append(f"label {tracking['label']}={application}")
    return " or ".join(ways)
