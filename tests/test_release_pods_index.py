"""release_pods through its owner and label indexes answers what the definition says, pod by pod
(refers_to, controller_of, selector_matches), on random namespaces with uid-less references too."""

from __future__ import annotations

import random

from pytest_agentrun.model.release_pods import (
    _index,
    controller_of,
    refers_to,
    release_pods,
    selector_matches,
)


def naive_related(workload, pods, replica_sets):
    owned = [rs for rs in replica_sets if refers_to(controller_of(rs), workload)]
    selector = (workload.get("spec") or {}).get("selector")
    return [
        p
        for p in pods
        if selector_matches(selector, (p.get("metadata") or {}).get("labels"))
        or refers_to(controller_of(p), workload)
        or any(refers_to(controller_of(p), rs) for rs in owned)
    ]


def ref(kind, name, uid, rng):
    out = {"kind": kind, "name": name, "controller": rng.random() < 0.9}
    if uid and rng.random() < 0.8:
        out["uid"] = uid
    return out


def namespace(rng):
    deployments, replica_sets, pods = [], [], []
    for d in range(6):
        name, uid = f"app{d}", (f"uid-d{d}" if rng.random() < 0.8 else None)
        meta = {
            "name": name,
            "annotations": {"deployment.kubernetes.io/revision": str(rng.randint(1, 2))},
        }
        if uid:
            meta["uid"] = uid
        selector = {"matchLabels": {"app": f"app{rng.randint(0, 5)}"}} if rng.random() < 0.8 else {}
        deployments.append({"kind": "Deployment", "metadata": meta, "spec": {"selector": selector}})
        for r in range(rng.randint(0, 2)):
            rs_uid = f"uid-rs{d}{r}" if rng.random() < 0.8 else None
            rs_meta = {
                "name": f"{name}-{r}",
                "ownerReferences": [ref("Deployment", name, uid, rng)],
                "annotations": {"deployment.kubernetes.io/revision": str(r + 1)},
                "labels": {"pod-template-hash": f"h{r}"},
            }
            if rs_uid:
                rs_meta["uid"] = rs_uid
            replica_sets.append({"kind": "ReplicaSet", "metadata": rs_meta})
    for p in range(40):
        owner = rng.choice(replica_sets + deployments) if rng.random() < 0.8 else None
        meta = {
            "name": f"pod{p}",
            "labels": {
                "app": f"app{rng.randint(0, 5)}",
                "pod-template-hash": f"h{rng.randint(0, 1)}",
            },
        }
        if owner:
            meta["ownerReferences"] = [
                ref(owner["kind"], owner["metadata"]["name"], owner["metadata"].get("uid"), rng)
            ]
        pods.append(
            {
                "kind": "Pod",
                "metadata": meta,
                "status": {"phase": rng.choice(["Running", "Running", "Failed"])},
            }
        )
    return deployments, replica_sets, pods


def test_indexed_release_pods_split_the_pods_the_definition_relates():
    rng = random.Random(14)
    for _ in range(60):
        deployments, replica_sets, pods = namespace(rng)
        for deployment in deployments:
            split = release_pods(deployment, pods, replica_sets)
            related = naive_related(deployment, pods, replica_sets)
            got = split.pods + [pod for pod, _ in split.others]
            assert sorted(id(p) for p in got) == sorted(id(p) for p in related)
            assert [p for p in related if any(p is q for q in split.pods)] == split.pods, (
                "pods keep their order"
            )
            owned = [
                replica_sets[i] for i in _index(pods, replica_sets).owned_replica_sets(deployment)
            ]
            assert owned == [rs for rs in replica_sets if refers_to(controller_of(rs), deployment)]
