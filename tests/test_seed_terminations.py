"""The seed's wait for the Pods its rollout replaced: each Terminating Pod gets kwok's per-Pod
delete delay of 0s so the node removes it at once; a Pod the lived-in world holds Terminating is
left as it is (no cluster: a store that answers as kube-apiserver with kwok behind it does)."""

from __future__ import annotations

import copy

import pytest

from agentrun_sandbox.controlplane import lived_in, seeding

GONE = "2026-12-07T10:00:00Z"


def pod(name: str, *, deleted: bool = False, finalizers=(), annotations=None) -> dict:
    meta = {"name": name, "namespace": "agentrun-v01", "finalizers": list(finalizers)}
    if deleted:
        meta["deletionTimestamp"] = GONE
    if annotations:
        meta["annotations"] = annotations
    return {"metadata": meta}


class NodeBehindApi:
    """Pods as listed; kwok removes a Terminating Pod once its delay annotation says 0s (at the
    next list for one that had it already, as its timer ends)."""

    def __init__(self, *pods: dict):
        self.pods = {p["metadata"]["name"]: p for p in pods}
        self.patched: list[tuple[str, dict, str]] = []

    def list(self, api_version: str, kind: str, namespace: str) -> list[dict]:
        listed = copy.deepcopy(list(self.pods.values()))
        for name, found in list(self.pods.items()):
            if seeding._stops_at_once(found) and found["metadata"].get("deletionTimestamp"):
                del self.pods[name]
        return listed

    def patch(self, api_version, kind, namespace, name, patch, *, patch_type, manager):
        self.patched.append((name, patch, manager))
        annotations = self.pods[name]["metadata"].setdefault("annotations", {})
        annotations.update(patch["metadata"]["annotations"])
        return self.pods[name]


@pytest.fixture(autouse=True)
def no_long_wait(monkeypatch):
    monkeypatch.setattr(seeding, "ROLLOUT_TIMEOUT", 2.0)  # no kwok second to wait for here


def test_the_replaced_pods_stop_at_once_and_a_held_pod_is_left():
    held = pod("held", deleted=True, finalizers=[lived_in.HOLD_FINALIZER])
    node = NodeBehindApi(
        pod("replaced", deleted=True),
        pod("stopping", deleted=True, annotations={seeding.POD_DELETE_DELAY: "0s"}),
        pod("serving"),
        held,
    )
    seeding.wait_for_terminations(node, "agentrun-v01")
    assert node.patched == [
        (
            "replaced",
            {"metadata": {"annotations": {seeding.POD_DELETE_DELAY: "0s"}}},
            "agentrun-sandbox",
        )
    ]
    assert set(node.pods) == {"serving", "held"}
    assert "annotations" not in node.pods["held"]["metadata"]


def test_a_pod_that_never_goes_is_named_when_the_wait_ends():
    class KwokDown(NodeBehindApi):
        def list(self, api_version, kind, namespace):
            return copy.deepcopy(list(self.pods.values()))

    with pytest.raises(TimeoutError, match="Pod.s. replaced in agentrun-v01 still Terminating"):
        seeding.wait_for_terminations(KwokDown(pod("replaced", deleted=True)), "agentrun-v01")
