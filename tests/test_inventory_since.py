"""The reset's inventory lists only the kinds whose objects etcd shows changed since a reference
inventory, and every kind where etcd holds a key of a kind it has not learned yet; either way it
finds what a full inventory finds (no cluster: an API and an etcd that hold the same objects)."""

from __future__ import annotations

import itertools

import httpx

from agentrun_sandbox.controlplane import reset
from agentrun_sandbox.controlplane.storage import StoredObjects

KINDS = [
    reset.Resource("v1", "namespaces", False),
    reset.Resource("v1", "configmaps", True),
    reset.Resource("apps/v1", "deployments", True),
]


class Cluster:
    """Objects by key with the revision of their last write, served as kube-apiserver lists
    them and as etcd's keys; records the paths listed."""

    def __init__(self):
        self.objects: dict[reset.Key, int] = {}
        self.listed: list[str] = []
        self._revisions = itertools.count(100)
        self.api = httpx.Client(
            base_url="https://127.0.0.1:6443", transport=httpx.MockTransport(self._list)
        )
        self.etcd = _Etcd(self)

    def write(self, group_version: str, resource: str, namespace: str, name: str) -> None:
        self.objects[reset.Key(group_version, resource, namespace, name)] = next(self._revisions)

    def _list(self, request: httpx.Request) -> httpx.Response:
        self.listed.append(request.url.path)
        kind = next(k for k in KINDS if k.path() == request.url.path)
        items = [
            {
                "metadata": {
                    "name": key.name,
                    **({"namespace": key.namespace} if key.namespace else {}),
                    "uid": f"uid-{revision}",
                    "resourceVersion": str(revision),
                }
            }
            for key, revision in self.objects.items()
            if (key.group_version, key.resource) == (kind.group_version, kind.name)
        ]
        return httpx.Response(200, json={"items": items})


class _Etcd(StoredObjects):
    def __init__(self, cluster: Cluster):
        super().__init__("http://127.0.0.1:2379", {})
        object.__setattr__(self, "cluster", cluster)

    def revisions(self) -> dict[str, int]:
        return {
            "/registry/" + "/".join(filter(None, (key.resource, key.namespace, key.name))): rev
            for key, rev in self.cluster.objects.items()
        }


def _learned_cluster() -> tuple[Cluster, reset.Inventory]:
    cluster = Cluster()
    cluster.write("v1", "namespaces", "", "agentrun-v01")
    cluster.write("v1", "configmaps", "agentrun-v01", "settings")
    cluster.write("apps/v1", "deployments", "agentrun-v01", "agentrun-mgr")
    before = cluster.etcd.revisions()
    first = reset.inventory(cluster.api, KINDS)
    cluster.etcd.learn(before, first, cluster.etcd.revisions())
    cluster.listed.clear()
    return cluster, first


def test_only_the_kind_written_since_is_listed_and_the_inventory_is_whole():
    cluster, first = _learned_cluster()
    cluster.write("v1", "configmaps", "agentrun-v01", "by-hand")

    found = reset.inventory_since(cluster.api, KINDS, first, cluster.etcd)

    assert cluster.listed == ["/api/v1/configmaps"]
    assert found == reset.inventory(cluster.api, KINDS)


def test_a_kind_whose_object_went_is_listed():
    cluster, first = _learned_cluster()
    del cluster.objects[reset.Key("apps/v1", "deployments", "agentrun-v01", "agentrun-mgr")]

    found = reset.inventory_since(cluster.api, KINDS, first, cluster.etcd)

    assert cluster.listed == ["/apis/apps/v1/deployments"]
    assert found == reset.inventory(cluster.api, KINDS)


def test_a_key_of_a_kind_not_learned_lists_every_kind_and_learns_it():
    cluster = Cluster()
    cluster.write("v1", "namespaces", "", "agentrun-v01")
    before = cluster.etcd.revisions()
    first = reset.inventory(cluster.api, KINDS)
    cluster.etcd.learn(before, first, cluster.etcd.revisions())
    cluster.write("apps/v1", "deployments", "agentrun-v01", "agentrun-mgr")  # the first one
    cluster.listed.clear()

    second = reset.inventory_since(cluster.api, KINDS, first, cluster.etcd)
    assert sorted(cluster.listed) == sorted(k.path() for k in KINDS)
    assert reset.Key("apps/v1", "deployments", "agentrun-v01", "agentrun-mgr") in second

    cluster.listed.clear()
    cluster.write("apps/v1", "deployments", "agentrun-v01", "agentrun-mgr")  # changed
    third = reset.inventory_since(cluster.api, KINDS, second, cluster.etcd)
    assert cluster.listed == ["/apis/apps/v1/deployments"]  # learned from the whole listing
    assert third == reset.inventory(cluster.api, KINDS)
