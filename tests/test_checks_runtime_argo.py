"""RT-03..RT-07, AR-01, AR-04 on small hand-made evidence: pass when conforming, fail on each violation."""

from __future__ import annotations

import copy

import pytest

from pytest_agentrun.checks import argo, runtime
from pytest_agentrun.lane import LaneProfile

DIGEST = "sha256:" + "a" * 64
DEPLOY = {"kind": "Deployment", "metadata": {"name": "mgr", "namespace": "ns"},
          "spec": {"selector": {"matchLabels": {"app": "mgr"}}}}
POD = {"kind": "Pod", "metadata": {"name": "mgr-1", "namespace": "ns", "labels": {"app": "mgr", "agentrun.io/service": "mgr"}},
       "status": {"conditions": [{"type": "Ready", "status": "True"}],
                  "containerStatuses": [{"name": "mgr", "ready": True, "restartCount": 0, "state": {"running": {}},
                                         "imageID": f"127.0.0.1:5000/agentrun/env@{DIGEST}"}]}}
DECLARED = [("Deployment", "mgr", 1)]
LIVE = {("Deployment", "mgr"): DEPLOY}


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


def oks(findings):
    assert findings
    return [f.ok for f in findings]


def test_rt03_pods_ready():
    assert all(oks(runtime.pods_ready(DECLARED, LIVE, [POD], [])))
    crashing = copy.deepcopy(POD)
    crashing["status"]["conditions"][0]["status"] = "False"
    crashing["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    warning = {"type": "Warning", "reason": "BackOff", "message": "restarting", "involvedObject": {"name": "mgr-1"}}
    [finding] = runtime.pods_ready(DECLARED, LIVE, [crashing], [warning])
    assert not finding.ok and "CrashLoopBackOff" in finding.found and finding.evidence["warningEvents"]
    assert not any(oks(runtime.pods_ready(DECLARED, LIVE, [], [])))


def test_rt04_image_digest():
    assert all(oks(runtime.images_match_catalog(DECLARED, LIVE, [POD], {"mgr": DIGEST}, "catalog")))
    assert not any(oks(runtime.images_match_catalog(DECLARED, LIVE, [POD], {"mgr": "sha256:" + "b" * 64}, "catalog")))
    assert not any(oks(runtime.images_match_catalog(DECLARED, LIVE, [], {"mgr": DIGEST}, "catalog")))


def test_rt05_health():
    assert all(oks(runtime.health_answers([("mgr", 8080, "/healthz", 200, "ok")], "ns")))
    [f] = runtime.health_answers([("mgr", 8080, "/healthz", 503, "down")], "ns")
    assert not f.ok and f.where == "GET /api/v1/namespaces/ns/services/mgr:8080/proxy/healthz"
    assert not any(oks(runtime.health_answers([], "ns")))


def test_rt06_argo_tracking_and_managers():
    tracked = {"kind": "Deployment", "metadata": {"name": "mgr", "namespace": "ns", "labels": {"app.kubernetes.io/instance": "app"},
                                                  "managedFields": [{"manager": "argocd-controller"}, {"manager": "k3s"}]}}
    manifests = [("Deployment", "mgr", "f.yaml:1")]
    allowed = ["argocd-controller", "k3s"]
    assert all(oks(runtime.managed_by_argo(manifests, {("Deployment", "mgr"): tracked}, "app", allowed)))
    patched = copy.deepcopy(tracked)
    patched["metadata"]["managedFields"].append({"manager": "kubectl-patch", "operation": "Update", "time": "t"})
    results = runtime.managed_by_argo(manifests, {("Deployment", "mgr"): patched}, "app", allowed)
    assert [f.ok for f in results] == [True, False] and "kubectl-patch" in results[1].found
    untracked = copy.deepcopy(tracked)
    untracked["metadata"]["labels"] = {}
    assert oks(runtime.managed_by_argo(manifests, {("Deployment", "mgr"): untracked}, "app", allowed)) == [False, True]


def test_rt07_secret_refs():
    deployment = {"kind": "Deployment", "spec": {"template": {"spec": {
        "containers": [{"env": [{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "DATABASE_URL"}}}]}],
        "volumes": [{"name": "p", "secret": {"secretName": "codex", "items": [{"key": "auth.json", "path": "a"}]}}]}}}}
    refs = runtime.secret_refs([deployment])
    assert refs == {"db": {"DATABASE_URL"}, "codex": {"auth.json"}}
    present = {"db": {"keys": ["DATABASE_URL"]}, "codex": {"keys": ["auth.json", "config.toml"]}}
    assert all(oks(runtime.secret_refs_exist(refs, present, "ns", "w")))
    assert oks(runtime.secret_refs_exist(refs, {"db": None, "codex": {"keys": []}}, "ns", "w")) == [False, False]


def test_ar01_project_destinations(profile):
    project = {"spec": {"destinations": [{"namespace": "agentrun-v01", "server": "s"}]}}
    assert all(oks(argo.project_destinations(profile, project)))
    wide = {"spec": {"destinations": [{"namespace": "agentrun-v01"}, {"namespace": "*"}]}}
    assert oks(argo.project_destinations(profile, wide)) == [True, False]
    assert not any(oks(argo.project_destinations(profile, None)))


def test_ar04_forbidden_destinations_only_for_this_lane(profile):
    def app(name, project, namespace):
        return {"metadata": {"name": name, "namespace": "argocd"},
                "spec": {"project": project, "destination": {"namespace": namespace}, "source": {"path": "x"}}}
    lane_app = app("agentrun-g14-v01", "agentrun-v01", "agentrun-v01")
    other_lane = app("agentrun-g14-v02", "agentrun-v02", "agentrun-v02")
    assert all(oks(argo.no_forbidden_destinations(profile, [lane_app, other_lane], None)))
    to_prod = app("x", "agentrun-v01", "agentrun_prod")
    assert oks(argo.no_forbidden_destinations(profile, [lane_app, to_prod], None)) == [True, False]
    assert not any(oks(argo.no_forbidden_destinations(profile, [other_lane], None)))
