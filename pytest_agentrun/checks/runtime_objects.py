"""RT-06: every live object of the runtime namespace is managed by Argo CD, without hand drift.

The live objects are all of the namespace (every namespaced kind discovery serves), not only
those the manifests name: a hand-made ConfigMap is drift too. An object Argo CD does not track is
no drift when the lane profile's `untrackedObjects` says the cluster or the lane makes it: derived
by a controller from a tracked object (ownerReferences up to one), an Endpoints named after a
tracked Service, the per-namespace defaults, the Secrets of the lane's secret management, the
runner Jobs and Aipod workloads the lane's runtime starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..finding import Finding, failed, judge, undecided
from ..lane import LaneProfile
from ..model.objects import Resource, split_api_version
from ..model.objects import object_ref
from ..model.tracking import describe, tracked_by
from .judges import judges

Key = tuple[str, str, str]  # group, kind, name
MAX_OWNER_DEPTH = 8  # Pod -> ReplicaSet -> Deployment is 2; anything deeper is a loop


@dataclass(frozen=True)
class ManifestObject:
    api_version: str
    kind: str
    name: str
    where: str


def key_of(obj: dict[str, Any]) -> Key:
    group, _ = split_api_version(obj.get("apiVersion", ""))
    return group, str(obj.get("kind")), str((obj.get("metadata") or {}).get("name"))


class _Namespace:
    """The live objects with their tracking, and the exemption rules of the lane profile."""

    def __init__(self, profile: LaneProfile, objects: list[dict[str, Any]]):
        self.profile = profile
        self.rules = profile.untracked_objects
        self.objects = {key_of(o): o for o in objects}
        uids = [((o.get("metadata") or {}).get("uid"), o) for o in objects]
        self.by_uid = {uid: o for uid, o in uids if uid}
        self.tracking = {
            k: tracked_by(o, profile.application, profile.argo_tracking, profile.argocd_namespace)
            for k, o in self.objects.items()
        }

    def exempt(self, obj: dict[str, Any]) -> str | None:
        """Why an untracked object is no drift, or None."""
        return self._by_rule(obj) or self._derived(obj, 0)

    def _by_rule(self, obj: dict[str, Any]) -> str | None:
        group, kind, name = key_of(obj)
        if any(
            r.get("group", "") == group and r["kind"] == kind for r in self.rules.get("kinds") or []
        ):
            return f"{kind} is written by the cluster about other objects"
        for rule in self.rules.get("named") or []:
            if (rule.get("group", ""), rule["kind"], rule["name"]) == (group, kind, name):
                return rule.get("why", "created by the cluster in every namespace")
        if (group, kind) == ("", "Secret") and name in (self.rules.get("secrets") or []):
            return "created by the lane's secret management"
        labels = (obj.get("metadata") or {}).get("labels") or {}
        for rule in self.rules.get("createdByRuntime") or []:
            if (
                rule.get("group", group) == group
                and rule.get("kind", kind) == kind
                and rule["labels"].items() <= labels.items()
            ):
                selector = ", ".join(f"{k}={v}" for k, v in rule["labels"].items())
                return f"created by the lane's runtime ({selector})"
        for rule in self.rules.get("sameNameAs") or []:
            if rule["kind"] == kind and self.tracking.get(("", rule["of"], name)):
                return f"the cluster's {kind} of tracked {rule['of']} {name}"
        return None

    def _derived(self, obj: dict[str, Any], depth: int) -> str | None:
        for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
            owner = self._owner(ref)
            if owner is None or depth >= MAX_OWNER_DEPTH:
                continue
            if self.tracking.get(key_of(owner)):
                return f"derived by a controller from tracked {object_ref(owner)}"
            above = self._by_rule(owner) or self._derived(owner, depth + 1)
            if above:
                return f"derived from {object_ref(owner)}, {above}"
        return None

    def _owner(self, ref: dict[str, Any]) -> dict[str, Any] | None:
        if not isinstance(ref, dict):
            return None
        if ref.get("uid") and ref["uid"] in self.by_uid:
            return self.by_uid[ref["uid"]]
        group, _ = split_api_version(ref.get("apiVersion", ""))
        return (
            self.objects.get((group, str(ref.get("kind")), str(ref.get("name"))))
            if not ref.get("uid")
            else None
        )


@judges("RT-06")
def managed_by_argo(
    profile: LaneProfile,
    objects: list[dict[str, Any]],
    manifests: list[ManifestObject],
    resolved: dict[tuple[str, str], Resource | None],
    unreadable: dict[str, str],
) -> list[Finding]:
    """RT-06 over the namespace's live objects, the manifests' objects and the
    kinds discovery serves.
    unreadable: resource -> why its list could not be read (those kinds cannot be decided)."""
    namespace = _Namespace(profile, objects)
    findings = [
        _manifest_finding(m, resolved.get((m.api_version, m.kind)), namespace, profile)
        for m in manifests
    ]
    findings = [f for f in findings if f is not None]
    allowed = profile.allowed_field_managers
    exempt: list[str] = []
    untracked = 0
    for key, obj in sorted(namespace.objects.items()):
        how = namespace.tracking[key]
        if how:
            findings.append(_drift_finding(obj, how, allowed))
            continue
        why = namespace.exempt(obj)
        if why:
            exempt.append(f"{object_ref(obj)}: {why}")
            continue
        untracked += 1
        findings.append(
            failed(
                f"{object_ref(obj)} tracking",
                describe(profile.application, profile.argo_tracking),
                "not tracked by Argo CD and not derived from a tracked object (made by hand?)",
                object_ref(obj),
                **_managers(obj),
            )
        )
    findings += [
        undecided(
            f"{resource} in {profile.runtime_namespace}",
            "every live object read",
            reason,
            f"namespace {profile.runtime_namespace}",
        )
        for resource, reason in unreadable.items()
    ]
    tracked = sum(1 for how in namespace.tracking.values() if how)
    findings.append(
        judge(
            tracked > 0 and untracked == 0,
            f"objects of namespace {profile.runtime_namespace}",
            "every live object tracked by Argo CD or made by the cluster from one",
            f"{len(namespace.objects)} live: {tracked} tracked, {len(exempt)} exempt, "
            f"{untracked} untracked",
            f"namespace {profile.runtime_namespace}",
            exempt=exempt,
        )
    )
    return findings


def _manifest_finding(
    m: ManifestObject, resource: Resource | None, namespace: _Namespace, profile: LaneProfile
) -> Finding | None:
    subject = f"{m.kind} {m.name} (runtime manifests)"
    if resource is None:
        return failed(
            subject,
            "a kind the API server serves, live in the namespace",
            f"apiVersion {m.api_version!r} kind {m.kind!r} is not served by the API server "
            "(API discovery): Argo CD cannot apply it",
            m.where,
        )
    if not resource.namespaced:
        return None  # not an object of the namespace; GO-03 judges cluster-scoped manifests
    if (resource.group, m.kind, m.name) not in namespace.objects:
        return failed(
            subject,
            f"live in {profile.runtime_namespace}, tracked by Argo CD",
            "not found",
            m.where,
        )
    return None


def _managers(obj: dict[str, Any]) -> dict[str, Any]:
    fields = (obj.get("metadata") or {}).get("managedFields") or []
    return {"managers": sorted({str(m.get("manager")) for m in fields if isinstance(m, dict)})}


def _drift_finding(obj: dict[str, Any], how: str, allowed: list[str]) -> Finding:
    fields = [
        m for m in (obj.get("metadata") or {}).get("managedFields") or [] if isinstance(m, dict)
    ]
    drift = [
        f"{m.get('manager')} ({m.get('operation')} at {m.get('time')}, fields "
        f"{sorted((m.get('fieldsV1') or {}).keys())})"
        for m in fields
        if m.get("manager") not in allowed
    ]
    return judge(
        not drift,
        f"{object_ref(obj)} field managers",
        f"tracked by Argo CD, fields owned only by {', '.join(allowed)}",
        "; ".join(drift) if drift else f"tracked ({how}), no other manager",
        object_ref(obj),
        **_managers(obj),
    )
