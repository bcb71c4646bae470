"""etcd's view of the cluster's objects (controlplane/storage.py), on which the keep of a seed
and the reset's end rest: which key is which kind, learned from an inventory, and when etcd
holds an inventory's objects. Each way a lane can leave the cluster changed makes hold() false;
what the cluster changes by itself does not."""

from __future__ import annotations

from agentrun_sandbox.controlplane.reset import RUNNING, Key, Seen
from agentrun_sandbox.controlplane.storage import OWN, StoredObjects

EVENTS = {("v1", "events")}
INVENTORY = {
    Key("v1", "namespaces", "", "agentrun-v01"): Seen("u1", "10"),
    Key("v1", "configmaps", "agentrun-v01", "lane"): Seen("u2", "11"),
    Key("v1", "services", "agentrun-v01", "agentrun-mgr"): Seen("u3", "12"),
    Key("coordination.k8s.io/v1", "leases", "kube-node-lease", "g14"): Seen("u4", "13"),
    Key("v1", "events", "agentrun-v01", "lane.1"): Seen("u5", "14"),
}
STORED = {
    "/registry/namespaces/agentrun-v01": 10,
    "/registry/configmaps/agentrun-v01/lane": 11,
    "/registry/services/specs/agentrun-v01/agentrun-mgr": 12,
    "/registry/leases/kube-node-lease/g14": 13,
    "/registry/events/agentrun-v01/lane.1": 14,
    "/registry/ranges/servicenodeports": 9,  # the API server's own: no object has revision 9
}


def view() -> StoredObjects:
    return StoredObjects.learned("http://127.0.0.1:0", STORED, INVENTORY, STORED)


def holds(stored: dict[str, int], may_go=frozenset()) -> bool:
    return view().hold(INVENTORY, RUNNING, set(may_go), stored)


def test_the_kinds_are_learned_from_the_revisions_and_the_servers_own_keys_are_told_apart():
    kinds = view().kinds
    assert kinds["/registry/services/specs"] == ("v1", "services")
    assert kinds["/registry/leases"] == ("coordination.k8s.io/v1", "leases")
    assert kinds["/registry/ranges"] is OWN
    # A key written while the inventory was taken says nothing of its kind.
    renewed = {**STORED, "/registry/leases/kube-node-lease/g14": 20}
    assert "/registry/leases" not in StoredObjects.learned("", STORED, INVENTORY, renewed).kinds


def test_what_the_cluster_changes_by_itself_leaves_the_inventory_held():
    assert holds(STORED)
    assert holds({**STORED, "/registry/leases/kube-node-lease/g14": 30})  # a lease renewed
    assert holds({**STORED, "/registry/ranges/servicenodeports": 31})  # the API server's own


def test_every_change_a_lane_can_make_is_seen():
    changed = {**STORED, "/registry/configmaps/agentrun-v01/lane": 40}
    added = {**STORED, "/registry/pods/agentrun-v01/debug": 41}  # a kind the start never saw
    deleted = {k: v for k, v in STORED.items() if not k.startswith("/registry/services/")}
    event_gone = {k: v for k, v in STORED.items() if not k.startswith("/registry/events/")}
    assert not holds(changed) and not holds(added) and not holds(deleted)
    assert not holds(event_gone), "a kept seed keeps its events"
    assert holds(event_gone, may_go=EVENTS), "the reset lets an event expire"
