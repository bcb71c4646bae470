"""Which Pods belong to the release of a workload: one definition, shared by RT-03/RT-04, the
promotion wait and DR-03/DR-04.

A real cluster keeps more Pods than the release runs: Evicted (Failed) Pods of old ReplicaSets
until garbage collection, Terminating Pods during a rollout, Succeeded Pods of finished Jobs whose
labels the selector also matches. A Pod is of the release when its controller owner is the
workload's current revision:
- Deployment: the ReplicaSet it owns whose `deployment.kubernetes.io/revision` annotation equals the
  Deployment's (what `kubectl rollout status` and the deployment controller use), the Pod owned by
  that ReplicaSet (ownerReferences; pod-template-hash when the reference carries no uid);
- StatefulSet: a Pod it owns whose `controller-revision-hash` label is `status.updateRevision`;
and it is neither terminating (deletionTimestamp) nor terminal (phase Succeeded/Failed, e.g.
Evicted): the controller no longer counts those and creates replacements. Every other Pod the
selector matches is returned with the reason it is not judged, as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .objects import object_ref

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"
STS_REVISION = "controller-revision-hash"
TERMINAL = ("Succeeded", "Failed")


@dataclass(frozen=True)
class ReleasePods:
    """The Pods of a workload's current revision, and the others with why they are not judged."""

    revision: str | None  # what "current" means here, for messages
    pods: list[dict[str, Any]] = field(default_factory=list)
    others: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    problem: str | None = None  # why the current revision could not be told

    def evidence(self) -> list[str]:
        return [f"{object_ref(pod)}: {why}" for pod, why in self.others]


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str] | None) -> bool:
    """A LabelSelector against a label set, as the API server evaluates it (empty selects nothing
    here: a workload without a selector owns no Pods we could name)."""
    selector, labels = selector or {}, labels or {}
    match, exprs = selector.get("matchLabels") or {}, selector.get("matchExpressions") or []
    if not match and not exprs:
        return False
    if any(labels.get(k) != v for k, v in match.items()):
        return False
    return all(_expression(e, labels) for e in exprs)


def _expression(expr: dict[str, Any], labels: dict[str, str]) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    return {
        "In": lambda: labels.get(key) in values,
        "NotIn": lambda: labels.get(key) not in values,
        "Exists": lambda: key in labels,
        "DoesNotExist": lambda: key not in labels,
    }.get(op, lambda: False)()


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The ownerReference marked controller (the first one when none is marked)."""
    refs = [
        r for r in (obj.get("metadata") or {}).get("ownerReferences") or [] if isinstance(r, dict)
    ]
    return next((r for r in refs if r.get("controller")), refs[0] if refs else None)


def refers_to(ref: dict[str, Any] | None, obj: dict[str, Any]) -> bool:
    """Whether an ownerReference names obj: by uid when both carry one, else by kind and name."""
    if not ref:
        return False
    meta = obj.get("metadata") or {}
    if ref.get("uid") and meta.get("uid"):
        return ref["uid"] == meta["uid"]
    return ref.get("kind") == obj.get("kind") and ref.get("name") == meta.get("name")


def release_pods(
    workload: dict[str, Any], pods: list[dict[str, Any]], replica_sets: list[dict[str, Any]]
) -> ReleasePods:
    """Split the Pods related to `workload` (its selector matches them, or it owns them)."""
    index = _index(pods, replica_sets)
    if workload.get("kind") == "StatefulSet":
        current, revision, problem = _statefulset_current(workload)
    else:
        owned = [replica_sets[i] for i in index.owned_replica_sets(workload)]
        current, revision, problem = _deployment_current(workload, owned)
    mine, others = [], []
    for pod in _related(workload, index):
        why = _not_judged(pod, current, revision) or (f"not judged: {problem}" if problem else None)
        (others.append((pod, why)) if why else mine.append(pod))
    return ReleasePods(revision, mine, others, problem)


def _related(workload: dict[str, Any], index: "_Index") -> list[dict[str, Any]]:
    pods, replica_sets = index.pods, index.replica_sets
    selector = (workload.get("spec") or {}).get("selector")
    found = {i for i in index.selected(selector) if selector_matches(selector, _labels(pods[i]))}
    found |= set(index.pods_owned_by(workload))
    for rs in index.owned_replica_sets(workload):
        found |= set(index.pods_owned_by(replica_sets[rs]))
    return [pods[i] for i in sorted(found)]


def _labels(obj: dict[str, Any]) -> dict[str, Any]:
    return (obj.get("metadata") or {}).get("labels") or {}


class _Index:
    """Pods and ReplicaSets by controller owner and by label, built once per pair of lists: a
    namespace with a thousand workloads would otherwise scan every Pod for every workload."""

    def __init__(self, pods: list[dict[str, Any]], replica_sets: list[dict[str, Any]]):
        self.pods, self.replica_sets = pods, replica_sets
        self._pod_owners, self._rs_owners = _owners(pods), _owners(replica_sets)
        self._by_label: dict[tuple[str, Any], list[int]] = {}
        for i, pod in enumerate(pods):
            for item in _labels(pod).items():
                if isinstance(item[1], (str, int, float, bool)) or item[1] is None:
                    self._by_label.setdefault(item, []).append(i)

    def selected(self, selector: dict[str, Any] | None) -> list[int]:
        """Candidate Pods for a selector (a superset: selector_matches decides)."""
        match = (selector or {}).get("matchLabels") or {}
        lists = [
            self._by_label.get((k, v), [])
            for k, v in match.items()
            if isinstance(v, (str, int, float, bool)) or v is None
        ]
        return min(lists, key=len) if lists else list(range(len(self.pods)))

    def pods_owned_by(self, obj: dict[str, Any]) -> list[int]:
        return _owned(self._pod_owners, obj)

    def owned_replica_sets(self, obj: dict[str, Any]) -> list[int]:
        return _owned(self._rs_owners, obj)


def _owners(
    objects: list[dict[str, Any]],
) -> tuple[dict[Any, list[int]], dict[tuple[Any, Any], list[tuple[int, bool]]]]:
    """(controller uid -> indexes, (kind, name) -> (index, whether the reference carries a uid))."""
    by_uid: dict[Any, list[int]] = {}
    by_name: dict[tuple[Any, Any], list[tuple[int, bool]]] = {}
    for i, obj in enumerate(objects):
        ref = controller_of(obj)
        if ref:
            if ref.get("uid"):
                by_uid.setdefault(ref["uid"], []).append(i)
            by_name.setdefault((ref.get("kind"), ref.get("name")), []).append(
                (i, bool(ref.get("uid")))
            )
    return by_uid, by_name


def _owned(owners, obj: dict[str, Any]) -> list[int]:
    """The objects whose controller reference names obj, as refers_to() decides it."""
    by_uid, by_name = owners
    meta = obj.get("metadata") or {}
    named = by_name.get((obj.get("kind"), meta.get("name")), [])
    if meta.get("uid"):  # by uid where the reference has one, else by kind and name
        return sorted(set(by_uid.get(meta["uid"], [])) | {i for i, has_uid in named if not has_uid})
    return [i for i, _ in named]


_INDEXES: list[
    tuple[list, list, _Index]
] = []  # the last few pairs of lists (the session's are reused)


def _index(pods: list[dict[str, Any]], replica_sets: list[dict[str, Any]]) -> _Index:
    for known_pods, known_rs, index in _INDEXES:
        if known_pods is pods and known_rs is replica_sets:
            return index
    index = _Index(pods, replica_sets)
    _INDEXES.insert(0, (pods, replica_sets, index))
    del _INDEXES[4:]
    return index


def _deployment_current(deploy: dict[str, Any], owned: list[dict[str, Any]]):
    """(predicate on a Pod's controller ref, description, problem) for the current ReplicaSet among
    the ReplicaSets the Deployment owns."""
    want = ((deploy.get("metadata") or {}).get("annotations") or {}).get(REVISION)
    current = [
        rs
        for rs in owned
        if ((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION) == want
    ]
    if want is None or len(current) != 1:
        seen = ", ".join(
            f"{object_ref(rs)} revision "
            f"{((rs.get('metadata') or {}).get('annotations') or {}).get(REVISION)}"
            for rs in owned
        )
        return (
            None,
            None,
            (
                f"cannot tell the current ReplicaSet of {object_ref(deploy)}: its {REVISION} is "
                f"{want!r}; ReplicaSets it owns: {seen or 'none'}"
            ),
        )
    rs = current[0]
    rs_hash = ((rs.get("metadata") or {}).get("labels") or {}).get(TEMPLATE_HASH)

    def of_current(pod: dict[str, Any]) -> bool:
        ref = controller_of(pod)
        if ref and ref.get("uid") and (rs.get("metadata") or {}).get("uid"):
            return refers_to(ref, rs)
        labels = (pod.get("metadata") or {}).get("labels") or {}
        return refers_to(ref, rs) and (rs_hash is None or labels.get(TEMPLATE_HASH) == rs_hash)

    return of_current, f"{object_ref(rs)} (revision {want})", None


def _statefulset_current(sts: dict[str, Any]):
    revision = (sts.get("status") or {}).get("updateRevision")
    if not revision:
        return (
            None,
            None,
            f"cannot tell the current revision of {object_ref(sts)}: no status.updateRevision",
        )

    def of_current(pod: dict[str, Any]) -> bool:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        return refers_to(controller_of(pod), sts) and labels.get(STS_REVISION) == revision

    return of_current, f"{object_ref(sts)} revision {revision}", None


def _not_judged(pod: dict[str, Any], of_current, revision: str | None) -> str | None:
    """Why the Pod is not one of the release, or None when it is."""
    meta, status = (
        pod.get("metadata") or {},
        pod.get("status") if isinstance(pod.get("status"), dict) else {},
    )
    if meta.get("deletionTimestamp"):
        return f"Terminating (deletionTimestamp {meta['deletionTimestamp']})"
    if status.get("phase") in TERMINAL:
        reason = f", {status['reason']}" if status.get("reason") else ""
        return f"{status['phase']}{reason}: a terminal Pod, no longer counted by its controller"
    if of_current is None:
        return None
    if not of_current(pod):
        ref = controller_of(pod)
        owner = f"{ref.get('kind')} {ref.get('name')}" if ref else "no owner"
        at = (meta.get("labels") or {}).get(STS_REVISION)
        return f"owned by {owner}" + (f" at revision {at}" if at else "") + f", not {revision}"
    return None
