"""RT-03..RT-07, AR-01, AR-04 on small hand-made evidence: pass when conforming, fail
on each violation."""

from __future__ import annotations

import copy

import pytest

from pytest_agentrun.model.service_ports import service_port_for
from pytest_agentrun.checks import argo, runtime
from pytest_agentrun.lane import LaneProfile
from finding_lines import oks

DIGEST = "sha256:" + "a" * 64
IMAGE = f"127.0.0.1:5000/agentrun/env@{DIGEST}"
REVISION = {"deployment.kubernetes.io/revision": "2"}
DEPLOY = {
    "kind": "Deployment",
    "apiVersion": "apps/v1",
    "metadata": {"name": "mgr", "namespace": "ns", "uid": "d1", "annotations": REVISION},
    "spec": {
        "selector": {"matchLabels": {"app": "mgr"}},
        "template": {"spec": {"containers": [{"name": "mgr", "image": IMAGE}]}},
    },
}
RS = {
    "kind": "ReplicaSet",
    "apiVersion": "apps/v1",
    "metadata": {
        "name": "mgr-abc",
        "namespace": "ns",
        "uid": "r2",
        "annotations": REVISION,
        "labels": {"app": "mgr", "pod-template-hash": "abc"},
        "ownerReferences": [{"kind": "Deployment", "name": "mgr", "uid": "d1", "controller": True}],
    },
}
POD = {
    "kind": "Pod",
    "metadata": {
        "name": "mgr-1",
        "namespace": "ns",
        "labels": {"app": "mgr", "agentrun.io/service": "mgr", "pod-template-hash": "abc"},
        "ownerReferences": [
            {"kind": "ReplicaSet", "name": "mgr-abc", "uid": "r2", "controller": True}
        ],
    },
    "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [
            {
                "name": "mgr",
                "ready": True,
                "restartCount": 0,
                "state": {"running": {}},
                "imageID": IMAGE,
            }
        ],
    },
}
DECLARED = [("Deployment", "mgr", 1)]
LIVE = {("Deployment", "mgr"): DEPLOY}
CATALOG = {"mgr": {"digest": DIGEST, "repositoryDigest": IMAGE}}

SVC = {
    "service_label": LaneProfile.load("v0.1").service_label
}  # the label naming a workload's service


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


def test_rt03_pods_ready():
    assert all(oks(runtime.pods_ready(DECLARED, LIVE, [POD], [], [RS])))
    crashing = copy.deepcopy(POD)
    crashing["status"]["conditions"][0]["status"] = "False"
    crashing["status"]["containerStatuses"][0]["state"] = {
        "waiting": {"reason": "CrashLoopBackOff"}
    }
    warning = {
        "type": "Warning",
        "reason": "BackOff",
        "message": "restarting",
        "involvedObject": {"name": "mgr-1"},
    }
    [finding] = runtime.pods_ready(DECLARED, LIVE, [crashing], [warning], [RS])
    assert (
        not finding.ok and "CrashLoopBackOff" in finding.found and finding.evidence["warningEvents"]
    )
    assert not any(oks(runtime.pods_ready(DECLARED, LIVE, [], [], [RS])))


def test_rt04_image_digest():
    assert all(
        oks(runtime.images_match_catalog(DECLARED, LIVE, [POD], [RS], CATALOG, "catalog", **SVC))
    )
    other = {"mgr": {"digest": "sha256:" + "b" * 64, "repositoryDigest": "r@sha256:" + "b" * 64}}
    assert not any(
        oks(runtime.images_match_catalog(DECLARED, LIVE, [POD], [RS], other, "catalog", **SVC))
    )
    # no running Pod: the pod template is still judged (and passes), but nothing says what runs
    assert oks(
        runtime.images_match_catalog(
            DECLARED, {("Deployment", "mgr"): None}, [], [RS], CATALOG, "c", **SVC
        )
    ) == [False]


def test_rt05_health():
    assert all(oks(runtime.health_answers([("mgr", 8080, 8080, "/healthz", 200, "ok")], "ns")))
    [f] = runtime.health_answers([("mgr", 8080, 8080, "/healthz", 503, "down")], "ns")
    assert not f.ok and f.where == "GET /api/v1/namespaces/ns/services/mgr:8080/proxy/healthz"
    assert not any(oks(runtime.health_answers([], "ns")))
    [f] = runtime.health_answers([("mgr", 8080, None, "/healthz", 0, "")], "ns")
    assert not f.ok and f.where == "Service ns/mgr" and "targets" in f.found


SERVICE_80_TO_HTTP = {"spec": {"ports": [{"name": "web", "port": 80, "targetPort": "http"}]}}
MGR = {
    "spec": {
        "template": {
            "spec": {
                "containers": [{"name": "mgr", "ports": [{"name": "http", "containerPort": 8080}]}]
            }
        }
    }
}


def test_rt05_health_goes_through_the_service_port_that_reaches_the_container_port():
    """A Service port 80 -> targetPort `http` (container port 8080): the proxy takes :80, never
    :8080 (a real API server answers 'no service port 8080 found')."""
    assert service_port_for(SERVICE_80_TO_HTTP, MGR, 8080) == 80
    assert (
        service_port_for({"spec": {"ports": [{"port": 80, "targetPort": 8080}]}}, None, 8080) == 80
    )
    assert (
        service_port_for({"spec": {"ports": [{"port": 8080}]}}, None, 8080) == 8080
    )  # targetPort = port
    assert service_port_for(SERVICE_80_TO_HTTP, MGR, 9090) is None
    assert service_port_for(None, MGR, 8080) is None


def test_rt07_secret_refs():
    deployment = {
        "kind": "Deployment",
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "env": [
                                {
                                    "name": "DATABASE_URL",
                                    "valueFrom": {
                                        "secretKeyRef": {"name": "db", "key": "DATABASE_URL"}
                                    },
                                }
                            ]
                        }
                    ],
                    "volumes": [
                        {
                            "name": "p",
                            "secret": {
                                "secretName": "codex",
                                "items": [{"key": "auth.json", "path": "a"}],
                            },
                        }
                    ],
                }
            }
        },
    }
    refs = runtime.secret_refs([deployment])
    assert refs == {"db": {"DATABASE_URL"}, "codex": {"auth.json"}}
    projected = {
        "name": "q",
        "projected": {
            "sources": [
                {"serviceAccountToken": {"path": "t"}},
                {"secret": {"name": "deepseek", "items": [{"key": "config.toml", "path": "c"}]}},
            ]
        },
    }
    deployment["spec"]["template"]["spec"]["volumes"].append(projected)
    assert runtime.secret_refs([deployment])["deepseek"] == {"config.toml"}
    present = {"db": {"keys": ["DATABASE_URL"]}, "codex": {"keys": ["auth.json", "config.toml"]}}
    assert all(oks(runtime.secret_refs_exist(refs, present, "ns", "w")))
    assert oks(runtime.secret_refs_exist(refs, {"db": None, "codex": {"keys": []}}, "ns", "w")) == [
        False,
        False,
    ]


def test_ar01_project_destinations(profile):
    project = {"spec": {"destinations": [{"namespace": "agentrun-v01", "server": "s"}]}}
    assert all(oks(argo.project_destinations(profile, project)))
    wide = {"spec": {"destinations": [{"namespace": "agentrun-v01"}, {"namespace": "*"}]}}
    assert oks(argo.project_destinations(profile, wide)) == [True, False]
    assert not any(oks(argo.project_destinations(profile, None)))


def test_ar04_forbidden_destinations_only_for_this_lane(profile):
    def app(name, project, namespace):
        return {
            "metadata": {"name": name, "namespace": "argocd"},
            "spec": {
                "project": project,
                "destination": {"namespace": namespace},
                "source": {"path": "x"},
            },
        }

    lane_app = app("agentrun-g14-v01", "agentrun-v01", "agentrun-v01")
    other_lane = app("agentrun-g14-v02", "agentrun-v02", "agentrun-v02")
    assert all(oks(argo.no_forbidden_destinations(profile, [lane_app, other_lane], None)))
    to_prod = app("x", "agentrun-v01", "agentrun_prod")
    assert oks(argo.no_forbidden_destinations(profile, [lane_app, to_prod], None)) == [True, False]
    assert not any(oks(argo.no_forbidden_destinations(profile, [other_lane], None)))
