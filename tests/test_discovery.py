"""API discovery as the runner reads it: aggregated (apidiscovery.k8s.io/v2) in two requests where
the server serves it, the legacy per-group documents where it answers the plain form, the same
kinds either way; a replayed answer resolves as the live one did."""

from __future__ import annotations

import httpx
import pytest
import yaml

from fault_proxy import Fault, FaultProxy, tls_from_kubeconfig
from kube_api import ServedObjects
from pytest_agentrun.evidence.cache import EvidenceCache
from pytest_agentrun.lane import LaneConfig, LaneProfile
from pytest_agentrun.readers.discovery import AGGREGATED_ACCEPT, Discovery
from pytest_agentrun.readers.kube import Kube

PROFILE = LaneProfile.load("v0.1")
CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """kube-apiserver serving Argo CD's Application CRD, and a proxy in front of it that records
    the requests and, while `legacy` is set, asks without the aggregated Accept (as an API server
    before 1.26 answers: the plain group list, then one document per group)."""
    api = ServedObjects(tmp_path_factory.mktemp("apiserver"), crds=("application-crd.yaml",))
    proxy = FaultProxy(
        api.url, tls=tls_from_kubeconfig(api.kubeconfig(tmp_path_factory.mktemp("kc") / "k"))
    ).start()
    yield api, proxy
    proxy.stop()
    api.stop()


@pytest.fixture
def proxy(served):
    _, proxy = served
    proxy.clear()
    return proxy


def legacy(proxy: FaultProxy) -> None:
    proxy.set(Fault(r"^/apis?$", drop_headers=("Accept",)))


def kube_for(proxy: FaultProxy, tmp_path, cache: EvidenceCache | None = None) -> Kube:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "t",
                "clusters": [{"name": "t", "cluster": {"server": proxy.url}}],
                "users": [{"name": "t", "user": {}}],
                "contexts": [{"name": "t", "context": {"cluster": "t", "user": "t"}}],
            }
        )
    )
    config = LaneConfig._from_raw(
        PROFILE, {"kubernetes": {"kubeconfig": str(kubeconfig)}}, tmp_path, tmp_path, "t"
    )
    return Kube(config, cache or EvidenceCache())


def discovery_paths(proxy: FaultProxy) -> list[str]:
    paths = [r.split(" ", 1)[1].split("?")[0] for r in proxy.requests]
    return [
        p
        for p in paths
        if p in ("/api", "/apis") or p.count("/") in (2, 3) and p.startswith(("/api/", "/apis/"))
    ]


def kinds(discovery: Discovery) -> set[tuple]:
    return {
        (r.group, r.version, r.kind, r.plural, r.namespaced, r.verbs) for r in discovery.preferred()
    }


def test_kube_apiserver_serves_the_aggregated_form_to_a_client_asking_for_it(proxy):
    with httpx.Client(base_url=proxy.url, trust_env=False, timeout=10) as http:
        apis = http.get("/apis", headers={"Accept": AGGREGATED_ACCEPT})
        core = http.get("/api", headers={"Accept": AGGREGATED_ACCEPT}).json()
        plain = http.get("/apis", headers={"Accept": "application/json"})
    assert apis.headers["content-type"].startswith(CONTENT_TYPE)
    assert (
        apis.json()["kind"] == "APIGroupDiscoveryList"
        and apis.json()["apiVersion"] == "apidiscovery.k8s.io/v2"
    )
    assert [item["metadata"].get("name", "") for item in core["items"]] == [""]
    apps = next(i for i in apis.json()["items"] if i["metadata"]["name"] == "apps")
    deployments = next(
        r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments"
    )
    assert deployments["scope"] == "Namespaced" and deployments["singularResource"] == "deployment"
    # kube-apiserver leaves responseKind's group and version empty: those of the entry's own version
    assert deployments["responseKind"] == {"group": "", "version": "", "kind": "Deployment"}
    assert {s["subresource"] for s in deployments.get("subresources", [])} >= {"status", "scale"}
    assert (
        plain.headers["content-type"] == "application/json"
        and plain.json()["kind"] == "APIGroupList"
    )


def test_aggregated_and_legacy_discovery_find_the_same_kinds(proxy, tmp_path):
    aggregated = kube_for(proxy, tmp_path).discovery
    found = kinds(aggregated)
    assert discovery_paths(proxy) == ["/api", "/apis"], "one answer per root, no per-group document"
    legacy(proxy)
    legacy_discovery = kube_for(proxy, tmp_path).discovery
    assert kinds(legacy_discovery) == found
    assert len(discovery_paths(proxy)) > 2, "the plain answer falls back to each group's document"
    assert {"Deployment", "Secret", "Application"} <= {
        r.kind for r in aggregated.namespaced_listable()
    }
    assert "Namespace" not in {r.kind for r in aggregated.namespaced_listable()}
    assert (
        aggregated.resolve("apps/v1", "Deployment").path("ns")
        == "/apis/apps/v1/namespaces/ns/deployments"
    )
    assert aggregated.resolve("apps/v1beta1", "Deployment") is None


def test_a_recorded_aggregated_answer_resolves_without_the_server(proxy, tmp_path):
    cache = EvidenceCache()
    live = kinds(kube_for(proxy, tmp_path, cache).discovery)
    proxy.set(Fault(".", status=503))
    # The same cache answers every discovery question again: nothing beyond /api and /apis is asked.
    assert kinds(kube_for(proxy, tmp_path, cache).discovery) == live
    assert not proxy.requests, proxy.requests


def test_broken_aggregated_entries_are_not_kinds():
    document = {
        "kind": "APIGroupDiscoveryList",
        "items": [
            {
                "metadata": {"name": "x.io"},
                "versions": [
                    {
                        "version": "v1",
                        "resources": [
                            {
                                "resource": "widgets",
                                "scope": "Namespaced",
                                "verbs": ["list"],
                                "responseKind": {
                                    "group": "x.io",
                                    "version": "v1",
                                    "kind": "Widget",
                                },
                            },
                            {
                                "resource": "gadgets",
                                "scope": "Namespaced",
                                "verbs": ["list"],
                            },  # no responseKind
                            "not an entry",
                        ],
                    }
                ],
            },
            "not a group",
        ],
    }
    discovery = Discovery(lambda path: document if path == "/apis" else None)
    assert [(r.kind, r.namespaced) for r in discovery.preferred()] == [("Widget", True)]
    assert discovery.resolve("x.io/v1", "Gadget") is None
