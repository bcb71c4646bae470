"""The sandbox Kubernetes API server (fixtures/agentrun_sandbox/apiserver.py + objectstore.py)
against the official ``kubernetes`` client, raw HTTP and the real ``kubectl``."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

try:
    import agentrun_sandbox  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from agentrun_sandbox.apiserver import ApiServer
from agentrun_sandbox.objectstore import ObjectStore

TOKEN = "sandbox-test-token"
KUBECTL = "/usr/bin/kubectl"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
NS = "agentrun-ci"


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def pod(name: str, labels: dict | None = None, ns: str = NS) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
            "spec": {"containers": [{"name": "main", "image": "busybox"}]}}


def deployment(name: str, replicas: int = 1, ns: str = NS) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}


def pipelinerun(name: str, ns: str = NS) -> dict:
    return {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"name": name, "namespace": ns},
            "spec": {"pipelineRef": {"name": "release"}}}


@pytest.fixture
def server(tmp_path):
    api = ApiServer(request_log=tmp_path / "api.jsonl", token=TOKEN).start()
    api.store.load([namespace(NS)])
    yield api
    api.stop()


@pytest.fixture
def api_client(server):
    config = client.Configuration(host=server.url)
    config.api_key = {"authorization": TOKEN}
    config.api_key_prefix = {"authorization": "Bearer"}
    with client.ApiClient(config) as api:
        yield api


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"},
                      trust_env=False, timeout=10) as session:
        yield session


def status_of(exc: ApiException) -> dict:
    return json.loads(exc.body)


# --------------------------------------------------------------------------- discovery / auth

def test_discovery_documents_have_the_legacy_shapes(http):
    assert http.get("/version").json()["gitVersion"].startswith("v1.")
    api = http.get("/api")
    assert api.json()["kind"] == "APIVersions" and api.json()["versions"] == ["v1"]

    # Asked for plain JSON, the legacy form (the aggregated one: tests/test_discovery.py).
    groups = http.get("/apis", headers={"Accept": "application/json"})
    assert groups.headers["content-type"] == "application/json"
    assert groups.json()["kind"] == "APIGroupList"
    names = {g["name"]: g["preferredVersion"]["groupVersion"] for g in groups.json()["groups"]}
    assert names == {"apps": "apps/v1", "batch": "batch/v1", "rbac.authorization.k8s.io": "rbac.authorization.k8s.io/v1",
                     "networking.k8s.io": "networking.k8s.io/v1",
                     "tekton.dev": "tekton.dev/v1", "argoproj.io": "argoproj.io/v1alpha1"}

    core = {r["name"]: r for r in http.get("/api/v1").json()["resources"]}
    assert core["namespaces"]["namespaced"] is False and core["namespaces"]["shortNames"] == ["ns"]
    assert {"pods", "services", "configmaps", "secrets", "serviceaccounts", "events", "endpoints"} <= core.keys()
    argo = {r["name"]: r for r in http.get("/apis/argoproj.io/v1alpha1").json()["resources"]}
    # As the real Argo CD CRD (`subresources: {}`): Argo writes Application status with a plain update.
    assert argo["applications"]["shortNames"] == ["app", "apps"] and "applications/status" not in argo
    assert argo["appprojects"]["shortNames"][0] == "appproj"
    tekton = http.get("/apis/tekton.dev/v1").json()
    assert tekton["groupVersion"] == "tekton.dev/v1"
    assert {r["name"] for r in tekton["resources"]} >= {"pipelineruns/status", "taskruns/status", "pipelines", "tasks"}
    assert http.get("/apis/apps").json()["kind"] == "APIGroup"

    v2 = http.get("/openapi/v2")
    assert v2.status_code == 404 and v2.json()["kind"] == "Status"
    v3 = http.get("/openapi/v3").json()["paths"]
    assert "apis/apps/v1" in v3 and "api/v1" in v3


def test_token_is_required_except_for_health(server):
    with httpx.Client(base_url=server.url, trust_env=False) as anon:
        for path in ("/healthz", "/livez", "/readyz"):
            assert anon.get(path).text == "ok"
        denied = anon.get("/api/v1/namespaces")
        assert denied.status_code == 401
        assert denied.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                 "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
        assert anon.get("/api/v1/namespaces", headers={"Authorization": "Bearer wrong"}).status_code == 401
    log_text = Path(server._request_log).read_text()
    assert TOKEN not in log_text and "wrong" not in log_text and "Authorization" not in log_text


# --------------------------------------------------------------------------- official client

def test_core_crud_selectors_and_errors(api_client):
    core = client.CoreV1Api(api_client)
    for name, labels in (("a", {"app": "y", "tier": "web"}), ("b", {"app": "y"}), ("c", {"app": "z", "tier": "db"})):
        core.create_namespaced_pod(NS, pod(name, labels))
    created = core.read_namespaced_pod("a", NS)
    assert created.metadata.labels == {"app": "y", "tier": "web"} and created.status.phase == "Pending"

    def names(**kw):
        return [p.metadata.name for p in core.list_namespaced_pod(NS, **kw).items]

    assert names() == ["a", "b", "c"]
    assert names(label_selector="app=y") == ["a", "b"]
    assert names(label_selector="app==y,tier=web") == ["a"]
    assert names(label_selector="app!=y") == ["c"]
    assert names(label_selector="app in (z, q)") == ["c"]
    assert names(label_selector="app notin (z),tier") == ["a"]
    assert names(label_selector="tier") == ["a", "c"]
    assert names(label_selector="!tier") == ["b"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]
    everywhere = core.list_pod_for_all_namespaces(field_selector=f"metadata.namespace={NS}")
    assert len(everywhere.items) == 3 and everywhere.metadata.resource_version

    with pytest.raises(ApiException) as exc:
        core.list_namespaced_pod(NS, label_selector="app in (y")
    assert exc.value.status == 400

    with pytest.raises(ApiException) as exc:
        core.create_namespaced_pod(NS, pod("a"))
    assert exc.value.status == 409 and status_of(exc.value)["reason"] == "AlreadyExists"
    assert status_of(exc.value)["message"] == 'pods "a" already exists'

    with pytest.raises(ApiException) as exc:
        core.create_namespaced_pod(NS, {**pod("x"), "metadata": {}})
    assert exc.value.status == 422 and status_of(exc.value)["reason"] == "Invalid"
    assert "metadata.name: Required value" in status_of(exc.value)["message"]

    with pytest.raises(ApiException) as exc:
        core.create_namespaced_pod(NS, pod("x", ns="elsewhere"))
    assert exc.value.status == 422 and status_of(exc.value)["reason"] == "Invalid"

    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map("nowhere", {"metadata": {"name": "cm"}})
    assert exc.value.status == 404 and status_of(exc.value)["message"] == 'namespaces "nowhere" not found'

    generated = core.create_namespaced_config_map(NS, {"metadata": {"generateName": "run-"}, "data": {"k": "v"}})
    assert re.fullmatch(r"run-[a-z0-9]{5}", generated.metadata.name)

    fresh = core.read_namespaced_pod("b", NS)
    core.patch_namespaced_pod("b", NS, {"metadata": {"labels": {"touched": "yes"}}})
    fresh.metadata.labels["again"] = "no"
    with pytest.raises(ApiException) as exc:
        core.replace_namespaced_pod("b", NS, fresh)
    assert exc.value.status == 409 and status_of(exc.value)["reason"] == "Conflict"
    assert status_of(exc.value)["message"].startswith('Operation cannot be fulfilled on pods "b": the object has been modified')

    core.delete_namespaced_pod("b", NS)
    with pytest.raises(ApiException) as exc:
        core.read_namespaced_pod("b", NS)
    assert exc.value.status == 404
    assert status_of(exc.value) == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                    "message": 'pods "b" not found', "reason": "NotFound",
                                    "details": {"name": "b", "kind": "pods"}, "code": 404}
    with pytest.raises(ApiException) as exc:
        core.delete_namespaced_pod("b", NS)
    assert exc.value.status == 404


def test_server_owned_metadata(api_client, server):
    apps = client.AppsV1Api(api_client)
    made = apps.create_namespaced_deployment(NS, deployment("web"))
    meta = made.metadata
    assert re.fullmatch(r"[0-9a-f-]{36}", meta.uid) and meta.generation == 1
    assert RFC3339.match(server.store.get("apps/v1", "Deployment", NS, "web")["metadata"]["creationTimestamp"])
    assert [(m.manager, m.operation, m.fields_type) for m in meta.managed_fields] == \
        [("OpenAPI-Generator", "Update", "FieldsV1")]  # the User-Agent's first segment
    assert meta.managed_fields[0].fields_v1["f:spec"]["f:template"]["f:spec"]["f:containers"] == \
        {'k:{"name":"web"}': {".": {}, "f:image": {}, "f:name": {}}}

    relabelled = apps.patch_namespaced_deployment("web", NS, {"metadata": {"labels": {"team": "a"}}},
                                                  field_manager="labeller")
    assert relabelled.metadata.generation == 1  # metadata-only change
    assert int(relabelled.metadata.resource_version) > int(meta.resource_version)
    assert relabelled.metadata.uid == meta.uid
    scaled = apps.patch_namespaced_deployment("web", NS, {"spec": {"replicas": 3}})
    assert scaled.metadata.generation == 2 and scaled.spec.replicas == 3
    managers = {m.manager: m for m in scaled.metadata.managed_fields}
    assert managers["labeller"].fields_v1 == {"f:metadata": {"f:labels": {"f:team": {}}}}

    same = apps.patch_namespaced_deployment("web", NS, {"spec": {"replicas": 3}})
    assert same.metadata.resource_version == scaled.metadata.resource_version  # a no-op write is a no-op
    with pytest.raises(ApiException) as exc:
        apps.read_namespaced_deployment("nope", NS)
    assert status_of(exc.value)["message"] == 'deployments.apps "nope" not found'
    assert status_of(exc.value)["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


def test_patch_types(api_client, http):
    apps = client.AppsV1Api(api_client)
    apps.create_namespaced_deployment(NS, deployment("web"))
    merged = apps.patch_namespaced_deployment(
        "web", NS, {"spec": {"replicas": 2}}, _content_type="application/merge-patch+json")
    assert merged.spec.replicas == 2 and merged.spec.selector.match_labels == {"app": "web"}
    patched = apps.patch_namespaced_deployment("web", NS, [
        {"op": "test", "path": "/spec/replicas", "value": 2},
        {"op": "replace", "path": "/spec/replicas", "value": 4},
        {"op": "add", "path": "/metadata/labels/tier", "value": "front"},
        {"op": "copy", "from": "/metadata/labels/tier", "path": "/metadata/labels/copied"},
        {"op": "move", "from": "/metadata/labels/copied", "path": "/metadata/labels/moved"},
        {"op": "remove", "path": "/metadata/labels/moved"},
        {"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "sidecar", "image": "envoy"}},
    ])
    assert patched.spec.replicas == 4 and patched.metadata.labels == {"app": "web", "tier": "front"}
    assert [c.name for c in patched.spec.template.spec.containers] == ["web", "sidecar"]

    with pytest.raises(ApiException) as exc:
        apps.patch_namespaced_deployment("web", NS, [{"op": "test", "path": "/spec/replicas", "value": 9}])
    assert exc.value.status == 422
    with pytest.raises(ApiException) as exc:
        apps.patch_namespaced_deployment("web", NS, {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 1}})
    assert exc.value.status == 409

    custom = client.CustomObjectsApi(api_client)
    custom.create_namespaced_custom_object("tekton.dev", "v1", NS, "pipelineruns", pipelinerun("pr-1"))
    run = custom.patch_namespaced_custom_object("tekton.dev", "v1", NS, "pipelineruns", "pr-1",
                                                {"metadata": {"labels": {"lane": "v0.1"}}, "spec": {"timeouts": None}})
    assert run["metadata"]["labels"] == {"lane": "v0.1"} and run["spec"] == {"pipelineRef": {"name": "release"}}
    path = f"/apis/tekton.dev/v1/namespaces/{NS}/pipelineruns/pr-1"
    strategic = http.patch(path, content=b"{}", headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert strategic.status_code == 415 and strategic.json()["reason"] == "UnsupportedMediaType"
    jsonpatch = http.patch(path, json=[{"op": "add", "path": "/spec/params", "value": []}],
                           headers={"Content-Type": "application/json-patch+json"})
    assert jsonpatch.status_code == 200 and jsonpatch.json()["spec"]["params"] == []
    bad = http.patch(path, content=b"{not json", headers={"Content-Type": "application/merge-patch+json"})
    assert bad.status_code == 400 and bad.json()["reason"] == "BadRequest"

    applied = http.patch(f"/apis/apps/v1/namespaces/{NS}/deployments/applied?fieldManager=ci",
                         content=yaml.safe_dump(deployment("applied")),
                         headers={"Content-Type": "application/apply-patch+yaml"})
    assert applied.status_code == 201
    assert applied.json()["metadata"]["managedFields"][0]["operation"] == "Apply"


def test_status_subresource_is_separate(api_client):
    apps = client.AppsV1Api(api_client)
    apps.create_namespaced_deployment(NS, {**deployment("web"), "status": {"replicas": 7}})
    current = apps.read_namespaced_deployment("web", NS)
    assert current.status is None or current.status.replicas is None  # status is not set through create

    updated = apps.patch_namespaced_deployment_status("web", NS, {"status": {"readyReplicas": 1, "replicas": 1},
                                                                  "spec": {"replicas": 5}})
    assert updated.status.ready_replicas == 1 and updated.spec.replicas == 1 and updated.metadata.generation == 1
    status_entry = [m for m in updated.metadata.managed_fields if m.subresource == "status"]
    assert status_entry and status_entry[0].fields_v1 == {"f:status": {"f:readyReplicas": {}, "f:replicas": {}}}

    updated.spec.replicas = 2
    updated.status.ready_replicas = 99
    replaced = apps.replace_namespaced_deployment("web", NS, updated)
    assert replaced.spec.replicas == 2 and replaced.status.ready_replicas == 1
    replaced.status = client.V1DeploymentStatus(replicas=2)
    replaced.spec.replicas = 9
    status_put = apps.replace_namespaced_deployment_status("web", NS, replaced)
    assert status_put.status.replicas == 2 and status_put.status.ready_replicas is None
    assert status_put.spec.replicas == 2

    custom = client.CustomObjectsApi(api_client)
    custom.create_namespaced_custom_object("tekton.dev", "v1", NS, "pipelineruns", pipelinerun("pr-1"))
    done = {"status": {"conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded"}]}}
    run = custom.patch_namespaced_custom_object_status("tekton.dev", "v1", NS, "pipelineruns", "pr-1", done)
    assert run["status"]["conditions"][0]["status"] == "True"
    run = custom.patch_namespaced_custom_object("tekton.dev", "v1", NS, "pipelineruns", "pr-1", {"status": None})
    assert run["status"]["conditions"][0]["status"] == "True"  # the main resource cannot touch status
    # Kinds without a status subresource keep whatever status they are given.
    custom.create_namespaced_custom_object("argoproj.io", "v1alpha1", NS, "appprojects",
                                           {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
                                            "metadata": {"name": "p"}, "spec": {}, "status": {"x": 1}})
    assert custom.get_namespaced_custom_object("argoproj.io", "v1alpha1", NS, "appprojects", "p")["status"] == {"x": 1}
    gone = custom.delete_namespaced_custom_object("argoproj.io", "v1alpha1", NS, "appprojects", "p")
    assert gone["metadata"]["name"] == "p"  # CRDs answer the deleted object, built-ins a Status


def test_watch_stream_with_official_client(api_client, server):
    core = client.CoreV1Api(api_client)
    core.create_namespaced_pod(NS, pod("before", {"app": "y"}))
    events: list[tuple[str, str]] = []

    def consume():
        for event in watch.Watch().stream(core.list_namespaced_pod, NS, label_selector="app=y", timeout_seconds=2):
            events.append((event["type"], event["object"].metadata.name))

    reader = threading.Thread(target=consume)
    started = time.monotonic()
    reader.start()
    time.sleep(0.3)
    core.create_namespaced_pod(NS, pod("during", {"app": "y"}))
    core.create_namespaced_pod(NS, pod("other", {"app": "z"}))  # filtered out by the selector
    core.patch_namespaced_pod("during", NS, {"metadata": {"annotations": {"a": "b"}}})
    core.delete_namespaced_pod("during", NS)
    reader.join(timeout=10)
    assert not reader.is_alive() and 1.5 < time.monotonic() - started < 5  # timeoutSeconds ends it cleanly
    assert events == [("ADDED", "before"), ("ADDED", "during"), ("MODIFIED", "during"), ("DELETED", "during")]

    # From a resourceVersion: only what happened after it, no replay of existing objects.
    rv = core.list_namespaced_pod(NS).metadata.resource_version
    core.create_namespaced_pod(NS, pod("after", {"app": "y"}))
    later = [(e["type"], e["object"].metadata.name) for e in watch.Watch().stream(
        core.list_namespaced_pod, NS, resource_version=rv, timeout_seconds=1)]
    assert later == [("ADDED", "after")]
    assert [e["verb"] for e in server.requests() if e["resource"] == "pods"].count("watch") == 2


def test_errors_never_kill_the_server(http, server):
    unknown = http.get("/apis/nope.io/v1/things")
    assert unknown.status_code == 404 and unknown.json()["kind"] == "Status"
    assert http.get("/totally/unknown").status_code == 404
    bad = http.post(f"/api/v1/namespaces/{NS}/configmaps", content=b"{broken",
                    headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["reason"] == "BadRequest"
    not_object = http.post(f"/api/v1/namespaces/{NS}/configmaps", json=[1, 2])
    assert not_object.status_code == 400
    wrong_kind = http.post(f"/api/v1/namespaces/{NS}/configmaps", json={"apiVersion": "v1", "kind": "Secret"})
    assert wrong_kind.status_code == 400
    assert http.post("/api/v1/pods", json=pod("x")).status_code == 405
    assert http.get(f"/api/v1/namespaces/{NS}/pods/x/log").status_code == 404
    assert http.put(f"/apis/apps/v1/namespaces/{NS}/deployments/none", json=deployment("none")).status_code == 404
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"GET /api/v1/pods HTTP/1.1\r\nContent-Length: lots\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400")
    assert http.get("/healthz").status_code == 200
    assert all(e["status"] for e in server.requests())


# --------------------------------------------------------------------------- store API, log, proxy

def test_store_api_and_seeding(server):
    store = server.store
    seeded = {**pipelinerun("seeded"), "status": {"conditions": [{"type": "Succeeded", "status": "False"}]}}
    seeded["metadata"] |= {"creationTimestamp": "2024-01-02T03:04:05Z",
                           "managedFields": [{"manager": "tekton-pipelines-controller", "operation": "Update"}]}
    store.load([seeded, namespace("argocd")])  # namespaces go first whatever the order
    got = store.get("tekton.dev/v1", "PipelineRun", NS, "seeded")
    assert got["status"]["conditions"][0]["status"] == "False"
    assert got["metadata"]["creationTimestamp"] == "2024-01-02T03:04:05Z"
    assert got["metadata"]["managedFields"][0]["manager"] == "tekton-pipelines-controller"
    got["metadata"]["name"] = "mutated"
    assert store.get("tekton.dev/v1", "PipelineRun", NS, "seeded")["metadata"]["name"] == "seeded"  # copies

    store.create({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                  "metadata": {"name": "agentrun", "namespace": "argocd", "labels": {"lane": "v0.1"}}, "spec": {}})
    assert [a["metadata"]["name"] for a in store.list("argoproj.io/v1alpha1", "Application", label_selector="lane")] \
        == ["agentrun"]
    patched = store.patch("argoproj.io/v1alpha1", "Application", "argocd", "agentrun",
                          {"status": {"sync": {"status": "Synced"}}}, patch_type="merge",
                          manager="argocd-application-controller")
    assert patched["status"]["sync"]["status"] == "Synced"
    assert store.delete("argoproj.io/v1alpha1", "Application", "argocd", "agentrun")["metadata"]["name"] == "agentrun"
    assert store.delete("argoproj.io/v1alpha1", "Application", "argocd", "agentrun") is None
    store.delete("v1", "Namespace", None, NS)  # Terminating, then the namespace controller empties it
    assert wait_for(lambda: store.get("tekton.dev/v1", "PipelineRun", NS, "seeded") is None)
    assert wait_for(lambda: store.get("v1", "Namespace", None, NS) is None)
    assert {n["metadata"]["name"] for n in store.list("v1", "Namespace")} == {"argocd", "default", "kube-system"}


def test_store_watch_history_dry_run_and_collections(http, server):
    store = ObjectStore(history=3)
    start = store.resource_version()
    for i in range(4):
        store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm{i}"}})
    expired = list(store.watch("v1", "ConfigMap", "default", resource_version=start, timeout=1))
    assert [(e["type"], e["object"]["code"], e["object"]["reason"]) for e in expired] == [("ERROR", 410, "Expired")]
    recent = store.watch("v1", "ConfigMap", resource_version=str(int(start) + 3), timeout=0.3)
    assert [e["object"]["metadata"]["name"] for e in recent] == ["cm3"]

    base = f"/api/v1/namespaces/{NS}/secrets"
    dry = http.post(f"{base}?dryRun=All", json={"metadata": {"name": "s"}, "stringData": {"k": "v"}})
    assert dry.status_code == 201 and dry.json()["data"] == {"k": "dg=="}  # stringData folded into data
    assert server.store.get("v1", "Secret", NS, "s") is None
    for name, team in (("a", "x"), ("b", "x"), ("c", "y")):
        http.post(base, json={"metadata": {"name": name, "labels": {"team": team}}})
    swept = http.delete(base, params={"labelSelector": "team=x"})
    assert [i["metadata"]["name"] for i in swept.json()["items"]] == ["a", "b"]
    assert [s["metadata"]["name"] for s in server.store.list("v1", "Secret", NS)] == ["c"]
    assert [e["verb"] for e in server.requests()] == ["create"] * 4 + ["deletecollection"]


def test_request_log_records_every_request(api_client, server, tmp_path):
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(NS, {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    core.read_namespaced_config_map("cm", NS)
    core.list_namespaced_config_map(NS, label_selector="x=y")
    cm = core.read_namespaced_config_map("cm", NS)
    core.replace_namespaced_config_map("cm", NS, cm)
    core.patch_namespaced_config_map("cm", NS, {"data": {"b": "2"}})
    core.delete_namespaced_config_map("cm", NS)
    with pytest.raises(ApiException):
        core.delete_namespaced_config_map("cm", NS)
    list(watch.Watch().stream(core.list_namespaced_config_map, NS, timeout_seconds=1))

    logged = server.requests()
    assert [(e["method"], e["verb"], e["status"]) for e in logged] == [
        ("POST", "create", 201), ("GET", "get", 200), ("GET", "list", 200), ("GET", "get", 200),
        ("PUT", "update", 200), ("PATCH", "patch", 200), ("DELETE", "delete", 200), ("DELETE", "delete", 404),
        ("GET", "watch", 200)]
    first = logged[0]
    assert first["resource"] == "configmaps" and first["namespace"] == NS and first["name"] is None
    assert first["path"] == f"/api/v1/namespaces/{NS}/configmaps" and first["userAgent"].startswith("OpenAPI-Generator/")
    assert logged[2]["query"] == {"labelSelector": "x=y"}
    assert set(first) == {"time", "method", "path", "query", "verb", "resource", "namespace", "name",
                          "subresource", "userAgent", "status"}
    on_disk = [json.loads(line) for line in (tmp_path / "api.jsonl").read_text().splitlines()]
    assert on_disk == logged


class _Backend(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"path": self.path, "method": self.command}).encode()
        self.send_response(200 if self.path != "/missing" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET


@pytest.fixture
def backend():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def service(name: str, ports: list[dict]) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": NS},
            "spec": {"ports": ports}}


def endpoints(name: str, ports: list[dict], ready: list[str] = (), not_ready: list[str] = ()) -> dict:
    address = lambda pod: {"ip": "10.42.0.9", "targetRef": {"kind": "Pod", "name": pod, "namespace": NS}}  # noqa: E731
    subset = {"ports": ports, **({"addresses": [address(p) for p in ready]} if ready else {}),
              **({"notReadyAddresses": [address(p) for p in not_ready]} if not_ready else {})}
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": NS}, "subsets": [subset]}


def test_service_proxy(server, http, backend):
    """As kube-apiserver's service ResourceLocation: the Service's port name or number only, proxied to
    that port's endpoint port (the targetPort) on a ready address of an existing Pod; never a fallback."""
    server.store.load([pod("web-1"), service("svc", [{"name": "http", "port": 80, "targetPort": 8080}]),
                       endpoints("svc", [{"name": "http", "port": 8080}], ready=["web-1"]),
                       service("quiet", [{"port": 80}]), service("idle", [{"name": "http", "port": 80}]),
                       endpoints("idle", [{"name": "http", "port": 80}], not_ready=["web-1"]),
                       service("ghost", [{"name": "http", "port": 80}]),
                       endpoints("ghost", [{"name": "http", "port": 80}], ready=["gone-pod"])])
    server.set_proxy_backend(NS, "svc", 8080, backend)
    server.set_proxy_backend(NS, "idle", 80, backend)
    server.set_proxy_backend(NS, "ghost", 80, backend)
    base = f"/api/v1/namespaces/{NS}/services"
    for spec in ("svc:80", "http:svc:80", "svc:http", "http:svc:http"):
        answer = http.get(f"{base}/{spec}/proxy/healthz", params={"deep": "1"})
        assert answer.status_code == 200, spec
        assert answer.json() == {"path": "/healthz?deep=1", "method": "GET"}
        assert answer.headers["content-type"] == "application/json"
    assert http.post(f"{base}/svc:80/proxy/hook", content=b"x").json()["method"] == "POST"
    assert http.get(f"{base}/svc:http/proxy/missing").status_code == 404  # the backend's own answer
    target = http.get(f"{base}/svc:8080/proxy/healthz")   # the targetPort is no port of the Service
    assert target.status_code == 503 and target.json()["message"] == 'no service port 8080 found for service "svc"'
    unnamed = http.get(f"{base}/svc/proxy/healthz")        # no port given: only an unnamed port would match
    assert unnamed.status_code == 503 and unnamed.json()["message"] == 'no endpoints available for service "svc"'
    missing = http.get(f"{base}/absent:80/proxy/healthz")
    assert missing.status_code == 404 and missing.json()["message"] == 'services "absent" not found'
    quiet = http.get(f"{base}/quiet:80/proxy/healthz")     # no Endpoints at all
    assert quiet.status_code == 503 and quiet.json()["message"] == 'no endpoints available for service "quiet"'
    for spec in ("idle:80", "ghost:80"):                   # only a not-ready address; an address of no Pod
        assert http.get(f"{base}/{spec}/proxy/healthz").status_code == 503, spec
    server.store.load([service("down", [{"name": "http", "port": 80}]),
                       endpoints("down", [{"name": "http", "port": 80}], ready=["web-1"])])
    server.set_proxy_backend(NS, "down", 80, "http://127.0.0.1:9")  # nothing listens there
    assert http.get(f"{base}/down:80/proxy/healthz").status_code == 503
    assert {e["verb"] for e in server.requests()} == {"proxy"}


def test_stop_ends_watches_and_frees_the_port(tmp_path):
    api = ApiServer().start()
    events = []

    def read_forever():  # no timeoutSeconds: only stop() can end this stream
        with httpx.stream("GET", f"{api.url}/api/v1/namespaces?watch=true", trust_env=False) as answer:
            events.extend(line for line in answer.iter_lines() if line)

    stream = threading.Thread(target=read_forever)
    stream.start()
    # Stop only once the watch is being served (its backlog arrived): a fixed sleep lost this race
    # under load, stopping the server before the request reached its handler.
    waited = time.monotonic() + 10
    while len(events) < 2 and time.monotonic() < waited:
        time.sleep(0.02)
    started = time.monotonic()
    api.stop()
    stream.join(timeout=5)
    assert not stream.is_alive() and time.monotonic() - started < 3
    assert [json.loads(e)["object"]["metadata"]["name"] for e in events] == ["default", "kube-system"]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{api.url}/healthz", trust_env=False)


# --------------------------------------------------------------------------- kubectl

needs_kubectl = pytest.mark.skipif(not Path(KUBECTL).exists(), reason=f"{KUBECTL} is not installed")


def _kubectl_env(tmp_path: Path, url: str, token: str | None) -> dict:
    user = {"token": token} if token else {}
    config = {"apiVersion": "v1", "kind": "Config", "current-context": "sandbox",
              "clusters": [{"name": "sandbox", "cluster": {"server": url}}],
              "users": [{"name": "reader", "user": user}],
              "contexts": [{"name": "sandbox", "context": {"cluster": "sandbox", "user": "reader"}}]}
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump(config))
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
            "KUBECONFIG": str(tmp_path / "kubeconfig")}


@pytest.fixture
def kubectl(tmp_path):
    api = ApiServer(request_log=tmp_path / "api.jsonl").start()
    env = _kubectl_env(tmp_path, api.url, None)

    def run(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([KUBECTL, *args], env=env, input=input, capture_output=True, text=True, timeout=30)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{proc.stderr}")
        return proc

    run.api = api
    yield run
    api.stop()


@needs_kubectl
def test_kubectl_reads_writes_and_proxies(kubectl, tmp_path, backend):
    api = kubectl.api
    api.store.load([namespace(NS), namespace("argocd"), pod("p1", {"app": "y"}), pod("p2", {"app": "n"}),
                    pipelinerun("release-1"), service("svc", [{"name": "http", "port": 8080}]),
                    endpoints("svc", [{"name": "http", "port": 8080}], ready=["p1"]),
                    {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                     "metadata": {"name": "agentrun", "namespace": "argocd"}, "spec": {}}])
    api.set_proxy_backend(NS, "svc", 8080, backend)

    assert kubectl("get", "ns").stdout.split()[:2] == ["NAME", "AGE"]
    names = kubectl("get", "ns", "-o", "name").stdout.split()
    assert names == ["namespace/agentrun-ci", "namespace/argocd", "namespace/default", "namespace/kube-system"]
    table = kubectl("get", "pods", "-n", NS).stdout.splitlines()
    assert table[0].split() == ["NAME", "AGE"] and [row.split()[0] for row in table[1:]] == ["p1", "p2"]
    listed = json.loads(kubectl("get", "pods", "-n", NS, "-l", "app=y", "-o", "json").stdout)
    assert [p["metadata"]["name"] for p in listed["items"]] == ["p1"]
    assert kubectl("get", "pipelineruns.tekton.dev", "-n", NS).stdout.split()[2] == "release-1"
    assert kubectl("get", "applications.argoproj.io", "-n", "argocd", "-o", "name").stdout.strip() == \
        "application.argoproj.io/agentrun"
    assert kubectl("get", "app", "-n", "argocd", "-o", "name").stdout.strip() == "application.argoproj.io/agentrun"

    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(yaml.safe_dump(deployment("web")))
    assert kubectl("create", "-f", str(manifest)).stdout.strip() == "deployment.apps/web created"
    assert "AlreadyExists" in kubectl("create", "-f", str(manifest), check=False).stderr

    kubectl("patch", "deploy", "web", "-n", NS, "--type", "merge", "-p", '{"spec":{"replicas":3}}')
    kubectl("patch", "deploy", "web", "-n", NS, "--type", "json",
            "-p", '[{"op":"add","path":"/metadata/labels/tier","value":"front"}]')
    kubectl("label", "deploy", "web", "-n", NS, "team=ci")
    kubectl("annotate", "deploy", "web", "-n", NS, "note=hi")
    web = json.loads(kubectl("get", "deploy", "web", "-n", NS, "-o", "json", "--show-managed-fields").stdout)
    assert web["spec"]["replicas"] == 3 and web["metadata"]["generation"] == 2
    assert web["metadata"]["labels"] == {"app": "web", "tier": "front", "team": "ci"}
    assert web["metadata"]["annotations"] == {"note": "hi"}
    managers = {m["manager"]: m["fieldsV1"] for m in web["metadata"]["managedFields"]}
    assert set(managers) == {"kubectl-create", "kubectl-patch", "kubectl-label", "kubectl-annotate"}
    assert managers["kubectl-patch"] == {"f:spec": {"f:replicas": {}}, "f:metadata": {"f:labels": {"f:tier": {}}}}

    assert kubectl("delete", "deploy", "web", "-n", NS).stdout.strip() == 'deployment.apps "web" deleted'
    assert "NotFound" in kubectl("get", "deploy", "web", "-n", NS, check=False).stderr

    proxied = kubectl("get", "--raw", f"/api/v1/namespaces/{NS}/services/svc:8080/proxy/healthz")
    assert json.loads(proxied.stdout) == {"path": "/healthz", "method": "GET"}

    mutating = [(e["verb"], e["resource"], e["userAgent"].split("/")[0]) for e in api.requests()
                if e["verb"] in ("create", "update", "patch", "delete")]
    assert mutating == [("create", "deployments", "kubectl"), ("create", "deployments", "kubectl")] + \
        [("patch", "deployments", "kubectl")] * 4 + [("delete", "deployments", "kubectl")]


@needs_kubectl
def test_kubectl_set_image_merges_containers_by_name(kubectl, tmp_path):
    """kubectl set image sends a strategic merge patch of one container: the others, and the named
    container's env, stay (before: a plain merge replaced the whole container list)."""
    web = deployment("web")
    web["spec"]["template"]["spec"]["containers"] = [
        {"name": "web", "image": "nginx:1.27", "env": [{"name": "MODE", "value": "prod"}]},
        {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "infinity"]}]
    kubectl.api.store.load([namespace(NS), web])
    kubectl("set", "image", "deployment/web", "-n", NS, "web=nginx:1.28")
    live = kubectl.api.store.get("apps/v1", "Deployment", NS, "web")["spec"]["template"]["spec"]["containers"]
    assert live == [{"name": "web", "image": "nginx:1.28", "env": [{"name": "MODE", "value": "prod"}]},
                    {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "infinity"]}]
    managers = [m["manager"] for m in kubectl.api.store.get("apps/v1", "Deployment", NS, "web")["metadata"]["managedFields"]]
    assert "kubectl-set" in managers


@needs_kubectl
def test_kubectl_create_configmap_and_deployment_in_protobuf(kubectl):
    """kubectl's typed create commands send application/vnd.kubernetes.protobuf (no JSON fallback on
    415 or 406): the server decodes them."""
    kubectl.api.store.load([namespace(NS)])
    out = kubectl("create", "configmap", "settings", "-n", NS, "--from-literal=mode=fast", "--from-literal=n=2")
    assert out.stdout.strip() == "configmap/settings created"
    settings = kubectl.api.store.get("v1", "ConfigMap", NS, "settings")
    assert settings["data"] == {"mode": "fast", "n": "2"} and settings["metadata"]["managedFields"][0]["manager"] == \
        "kubectl-create"
    out = kubectl("create", "deployment", "web", "-n", NS, "--image=nginx:1.27", "--replicas=2", "--port=8080")
    assert out.stdout.strip() == "deployment.apps/web created"
    web = kubectl.api.store.get("apps/v1", "Deployment", NS, "web")
    assert web["spec"]["replicas"] == 2 and web["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert (container["name"], container["image"], container["ports"]) == ("nginx", "nginx:1.27", [{"containerPort": 8080}])
    assert web["spec"]["template"]["metadata"]["labels"] == {"app": "web"}
    kubectl("create", "secret", "generic", "token", "-n", NS, "--from-literal=key=s3cr3t")
    assert kubectl.api.store.get("v1", "Secret", NS, "token")["data"] == {"key": "czNjcjN0"}
    kubectl("create", "namespace", "scratch")
    assert kubectl.api.store.get("v1", "Namespace", None, "scratch")["status"]["phase"] == "Active"
    kubectl("create", "serviceaccount", "bot", "-n", NS)
    assert kubectl.api.store.get("v1", "ServiceAccount", NS, "bot")["metadata"]["name"] == "bot"
    kinds = [e["resource"] for e in kubectl.api.requests() if e["verb"] == "create"]
    assert kinds == ["configmaps", "deployments", "secrets", "namespaces", "serviceaccounts"]


def test_protobuf_of_a_custom_resource_is_refused(http):
    """A custom resource has no protobuf encoding: the real server answers 415."""
    answer = http.post(f"/apis/tekton.dev/v1/namespaces/{NS}/pipelineruns", content=b"k8s\x00\x0a\x00",
                       headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert answer.status_code == 415 and answer.json()["reason"] == "UnsupportedMediaType"
    assert "application/vnd.kubernetes.protobuf" not in answer.json()["message"]


def test_strategic_merge_uses_the_openapi_patch_keys(server, http):
    """Lists merge by their x-kubernetes-patch-merge-key (containers, env, volumes by name; ports by
    containerPort), other lists are replaced, $patch: delete removes an element, and a custom
    resource refuses strategic merge (415)."""
    web = deployment("web")
    web["spec"]["template"]["spec"] = {
        "containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}, {"containerPort": 443}],
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "args": ["-a", "-b"]},
                       {"name": "log", "image": "busybox"}],
        "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cache", "emptyDir": {}}]}
    server.store.load([web])
    patch = {"spec": {"template": {"spec": {
        "containers": [{"name": "web", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                        "ports": [{"containerPort": 443, "name": "https"}], "args": ["-c"]},
                       {"name": "log", "$patch": "delete"}],
        "volumes": [{"name": "cache", "$patch": "delete"}, {"name": "tmp", "emptyDir": {"medium": "Memory"}}]}}}}
    answer = http.patch(f"/apis/apps/v1/namespaces/{NS}/deployments/web", json=patch,
                        headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert answer.status_code == 200, answer.text
    spec = answer.json()["spec"]["template"]["spec"]
    assert spec["containers"] == [{"name": "web", "image": "nginx",
                                   "ports": [{"containerPort": 80}, {"containerPort": 443, "name": "https"}],
                                   "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "3"},
                                           {"name": "C", "value": "4"}], "args": ["-c"]}]
    assert spec["volumes"] == [{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {"medium": "Memory"}}]
    ordered = http.patch(f"/apis/apps/v1/namespaces/{NS}/deployments/web", json={"spec": {"template": {"spec": {
        "$setElementOrder/volumes": [{"name": "tmp"}, {"name": "data"}]}}}},
        headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert [v["name"] for v in ordered.json()["spec"]["template"]["spec"]["volumes"]] == ["tmp", "data"]
    keyless = http.patch(f"/apis/apps/v1/namespaces/{NS}/deployments/web", json={"spec": {"template": {"spec": {
        "containers": [{"image": "x"}]}}}}, headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert keyless.status_code == 422 and "does not contain declared merge key: name" in keyless.json()["message"]
    server.store.load([pipelinerun("release-1")])
    crd = http.patch(f"/apis/tekton.dev/v1/namespaces/{NS}/pipelineruns/release-1", json={"spec": {}},
                     headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert crd.status_code == 415 and crd.json()["reason"] == "UnsupportedMediaType"


def test_patch_keys_data_matches_the_reference_openapi():
    """patch_keys.yaml is what scripts/extract_patch_keys.py extracts from the real OpenAPI."""
    done = subprocess.run([sys.executable, str(Path(__file__).parents[1] / "scripts" / "extract_patch_keys.py"),
                           "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_deleting_a_namespace_makes_it_terminating_first(server, http):
    """As kube-apiserver + the namespace controller (shape: kubernetes PR 73405): deletionTimestamp
    and phase Terminating at once, no new content, then the content goes; content with finalizers
    keeps the Namespace Terminating with NamespaceFinalizersRemaining."""
    server.store.load([pod("p1"), {"apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": {"name": "kept", "namespace": NS, "finalizers": ["example.com/backup"]}}])
    answer = http.delete(f"/api/v1/namespaces/{NS}")
    assert answer.status_code == 200 and answer.json()["kind"] == "Namespace"
    assert answer.json()["status"]["phase"] == "Terminating" and answer.json()["metadata"]["deletionTimestamp"]
    refused = http.post(f"/api/v1/namespaces/{NS}/configmaps",
                        json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"}})
    assert refused.status_code == 403 and "because it is being terminated" in refused.json()["message"]
    assert wait_for(lambda: http.get(f"/api/v1/namespaces/{NS}/pods/p1").status_code == 404)
    kept = http.get(f"/api/v1/namespaces/{NS}/configmaps/kept").json()
    assert kept["metadata"]["deletionTimestamp"]
    ns = http.get(f"/api/v1/namespaces/{NS}").json()
    conditions = {c["type"]: c for c in ns["status"]["conditions"]}
    assert ns["status"]["phase"] == "Terminating" and conditions["NamespaceFinalizersRemaining"]["status"] == "True"
    assert "example.com/backup" in conditions["NamespaceFinalizersRemaining"]["message"]
    http.patch(f"/api/v1/namespaces/{NS}/configmaps/kept", json={"metadata": {"finalizers": None}},
               headers={"Content-Type": "application/merge-patch+json"})   # the finalizer's owner lets go
    assert http.get(f"/api/v1/namespaces/{NS}/configmaps/kept").status_code == 404
    assert wait_for(lambda: http.get(f"/api/v1/namespaces/{NS}").status_code == 404)
    server.store.load([namespace("scratch")])
    http.delete("/api/v1/namespaces/scratch")
    assert wait_for(lambda: http.get("/api/v1/namespaces/scratch").status_code == 404)


def test_list_limit_and_continue(server, http):
    server.store.load([pod(f"p{i}") for i in range(5)])
    first = http.get(f"/api/v1/namespaces/{NS}/pods", params={"limit": 2}).json()
    assert [p["metadata"]["name"] for p in first["items"]] == ["p0", "p1"]
    assert first["metadata"]["remainingItemCount"] == 3 and first["metadata"]["continue"]
    names, token = [], first["metadata"]["continue"]
    while token:
        page = http.get(f"/api/v1/namespaces/{NS}/pods", params={"limit": 2, "continue": token}).json()
        assert page["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
        names += [p["metadata"]["name"] for p in page["items"]]
        token = page["metadata"].get("continue")
    assert names == ["p2", "p3", "p4"]
    whole = http.get(f"/api/v1/namespaces/{NS}/pods").json()
    assert len(whole["items"]) == 5 and "continue" not in whole["metadata"]
    assert http.get(f"/api/v1/namespaces/{NS}/pods", params={"continue": "not-a-token"}).status_code == 400


def test_kubernetes_client_pages_with_limit(api_client):
    core = client.CoreV1Api(api_client)
    for i in range(3):
        core.create_namespaced_config_map(NS, {"metadata": {"name": f"cm{i}"}})
    page = core.list_namespaced_config_map(NS, limit=2)
    rest = core.list_namespaced_config_map(NS, limit=2, _continue=page.metadata._continue)
    assert [c.metadata.name for c in page.items + rest.items] == ["cm0", "cm1", "cm2"]
    assert rest.metadata._continue is None


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@needs_kubectl
def test_kubectl_sends_no_token_over_plain_http(tmp_path):
    """kubectl (client-go) withholds credentials from http:// servers (kubernetes/kubectl#744), so a
    token-protected sandbox answers it 401 -- this pins that down for whoever wires kubeconfigs."""
    with ApiServer(token=TOKEN) as api:
        proc = subprocess.run([KUBECTL, "get", "ns"], env=_kubectl_env(tmp_path, api.url, TOKEN),
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode != 0 and "provide credentials" in proc.stderr
        assert {e["status"] for e in api.requests() if e["path"] != "/version"} == {401}
