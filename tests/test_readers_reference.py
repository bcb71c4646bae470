"""The readers parse the real upstream objects of shared/reference/, served by a real kube-apiserver
and read through the official client, and the checks decide on them."""

from __future__ import annotations

import json

import pytest
import yaml

from kube_api import ServedObjects
from pytest_agentrun.checks import argo as argo_checks
from pytest_agentrun.checks import runtime
from pytest_agentrun.evidence.cache import EvidenceCache
from pytest_agentrun.lane import LaneConfig, LaneProfile
from pytest_agentrun.readers.kube import Kube


def load(reference_dir, name):
    """A reference object as the API server would hold it: JSON, timestamps as RFC 3339 strings."""
    obj = yaml.safe_load((reference_dir / name).read_text())
    return json.loads(json.dumps(obj, default=lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")))


@pytest.fixture(scope="module")
def server(reference_dir, tmp_path_factory):
    """A kube-apiserver holding the reference objects."""
    server = ServedObjects(tmp_path_factory.mktemp("apiserver"), crds=("application-crd.yaml",))
    objects = [
        load(reference_dir, "argocd/application-with-status.yaml"),
        load(reference_dir, "kubernetes/live-deployment.yaml"),
        load(reference_dir, "kubernetes/pod-running-restart-always.yaml"),
    ]
    namespaces = {o["metadata"]["namespace"] for o in objects}
    server.load(
        [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
            for n in namespaces
            if n not in ("default",)
        ]
    )
    server.load(objects)
    yield server, objects
    server.stop()


@pytest.fixture
def served(server, tmp_path):
    """A Kube reader pointed at the server, and the objects it holds."""
    server, objects = server
    kubeconfig = server.kubeconfig(tmp_path / "kubeconfig")
    profile = LaneProfile.load("v0.1")
    config = LaneConfig._from_raw(
        profile, {"kubernetes": {"kubeconfig": str(kubeconfig)}}, tmp_path, tmp_path, "test"
    )
    return Kube(config, EvidenceCache()), objects


def test_real_application_with_status_is_read_and_judged(served):
    kube, objects = served
    ref = objects[0]
    app = kube.get("Application", ref["metadata"]["namespace"], ref["metadata"]["name"])
    assert app["status"]["sync"]["revision"] == ref["status"]["sync"]["revision"]
    profile = LaneProfile.load("v0.1")
    findings = argo_checks.application_synced(
        profile, app, ref["status"]["sync"]["revision"], "ref"
    )
    by_subject = {f.subject.rsplit(" ", 1)[-1]: f for f in findings}
    assert by_subject["status.sync.revision"].ok
    assert by_subject["status.sync.status"].found == repr(ref["status"]["sync"]["status"])
    assert by_subject["status.health.status"].ok == (ref["status"]["health"]["status"] == "Healthy")
    # the real Application is not a lane Application: AR-02 must say so, field by field
    source = argo_checks.application_source(profile, app, ["git@github.com:pikasTech/agentrun.git"])
    assert not any(
        f.ok for f in source if "targetRevision" in f.subject or "destination" in f.subject
    )


def test_real_live_deployment_is_read_and_judged_for_readiness(served):
    kube, objects = served
    ref = objects[1]
    ns, name = ref["metadata"]["namespace"], ref["metadata"]["name"]
    live = kube.get("Deployment", ns, name)
    assert (
        live["metadata"]["managedFields"][0]["manager"]
        == ref["metadata"]["managedFields"][0]["manager"]
    )
    declared = [("Deployment", name, ref["spec"]["replicas"])]
    [finding] = runtime.workloads_ready(declared, {("Deployment", name): live}, ns, "deploy.json")
    status = ref["status"]
    expected_ok = (
        status.get("readyReplicas") == ref["spec"]["replicas"]
        and status.get("observedGeneration", 0) >= ref["metadata"]["generation"]
    )
    assert finding.ok == expected_ok
    assert f"{status.get('readyReplicas', 0)}/{ref['spec']['replicas']} ready" in finding.found


def test_real_pod_is_listed_with_its_image_id(served):
    kube, objects = served
    ref = objects[2]
    pods = kube.list("Pod", ref["metadata"]["namespace"])
    [pod] = [p for p in pods if p["metadata"]["name"] == ref["metadata"]["name"]]
    assert pod["kind"] == "Pod"
    assert (
        pod["status"]["containerStatuses"][0]["imageID"]
        == ref["status"]["containerStatuses"][0]["imageID"]
    )


def test_absent_object_is_none_and_cached_once(served):
    kube, _ = served
    assert kube.get("Deployment", "nowhere", "nothing") is None
    assert kube.get("Deployment", "nowhere", "nothing") is None
    assert len([r for r in kube._cache.records if "nothing" in r.key]) == 1
