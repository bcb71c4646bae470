"""RT-06 over every live object of the runtime namespace, read through API discovery from the
real kube-apiserver with the official client (issue 10, items 4, 5 and 6)."""

from __future__ import annotations

import copy
import json
from contextlib import ExitStack

import pytest
import yaml

from pytest_agentrun.checks.runtime_objects import ManifestObject, managed_by_argo
from pytest_agentrun.errors import EvidenceError
from pytest_agentrun.evidence.cache import EvidenceCache
from pytest_agentrun.finding import UNDECIDED
from pytest_agentrun.lane import LaneConfig, LaneProfile
from pytest_agentrun.readers.cluster import Cluster
from pytest_agentrun.readers.kube import Kube, compact_managed_fields
from pytest_agentrun.model.tracking import tracked_by, tracking_id

PROFILE = LaneProfile.load("v0.1")
NS, APP = PROFILE.runtime_namespace, PROFILE.application
TRACKING = PROFILE["argocd"]["tracking"]


def meta(name, **more):
    return {"name": name, "namespace": NS, **more}


def tracked(obj, *, label=False):
    """As Argo CD 3.x applies it: the tracking-id annotation (and the 2.x label when asked)."""
    obj = copy.deepcopy(obj)
    obj["metadata"].setdefault("annotations", {})["argocd.argoproj.io/tracking-id"] = tracking_id(
        APP, obj
    )
    if label:
        obj["metadata"].setdefault("labels", {})["app.kubernetes.io/instance"] = APP
    return obj


DEPLOY = tracked(
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta("agentrun-mgr", uid="d-1"),
        "spec": {
            "selector": {"matchLabels": {"app": "mgr"}},
            "template": {
                "metadata": {"labels": {"app": "mgr"}},
                "spec": {"containers": [{"name": "m", "image": "i"}]},
            },
        },
    }
)
RS = {
    "apiVersion": "apps/v1",
    "kind": "ReplicaSet",
    "metadata": meta(
        "agentrun-mgr-abc",
        uid="rs-1",
        ownerReferences=[
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": "agentrun-mgr",
                "uid": "d-1",
                "controller": True,
            }
        ],
    ),
    "spec": {"selector": {"matchLabels": {"app": "mgr"}}, "template": DEPLOY["spec"]["template"]},
}
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": meta(
        "agentrun-mgr-abc-x1",
        labels={"app": "mgr"},
        ownerReferences=[
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "agentrun-mgr-abc",
                "uid": "rs-1",
                "controller": True,
            }
        ],
    ),
    "spec": {"containers": [{"name": "m", "image": "i"}]},
}
SERVICE = tracked(
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta("agentrun-mgr"),
        "spec": {"ports": [{"port": 8080}]},
    },
    label=True,
)
ENDPOINTS = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta("agentrun-mgr")}
CLUSTER_MADE = [
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta("kube-root-ca.crt"),
        "data": {"ca.crt": "x"},
    },
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("default")},
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta("agentrun-v01-provider-codex"),
        "data": {"auth.json": "e30="},
    },
    {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta("agentrun-mgr-abc-x1.1"),
        "involvedObject": {"kind": "Pod", "name": "agentrun-mgr-abc-x1", "namespace": NS},
    },
]
CONFORMING = [DEPLOY, RS, POD, SERVICE, ENDPOINTS, *CLUSTER_MADE]
MANIFESTS = [
    ManifestObject("apps/v1", "Deployment", "agentrun-mgr", "deployment.yaml:1"),
    ManifestObject("v1", "Service", "agentrun-mgr", "service.yaml:1"),
]


@pytest.fixture
def serve(tmp_path, served_apis):
    """serve(objects) -> a Cluster reading a kube-apiserver that holds them."""
    servers, lent = ExitStack(), []

    def start(objects, manager="argocd-controller"):
        server = servers.enter_context(served_apis.lend())
        lent.append(server)
        server.load([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}])
        server.load(copy.deepcopy(objects), manager=manager)
        kubeconfig = server.kubeconfig(tmp_path / f"kubeconfig-{len(lent)}")
        config = LaneConfig._from_raw(
            PROFILE, {"kubernetes": {"kubeconfig": str(kubeconfig)}}, tmp_path, tmp_path, "t"
        )
        return Cluster(Kube(config, EvidenceCache()), PROFILE)

    with servers:
        yield start


def rt06(cluster, manifests=MANIFESTS, profile=PROFILE):
    resolved = {(m.api_version, m.kind): cluster.resolve(m.api_version, m.kind) for m in manifests}
    objects, unreadable = cluster.namespace_listing()
    return managed_by_argo(profile, objects, manifests, resolved, unreadable)


def failures(findings):
    return [f"{f.subject}: {f.found}" for f in findings if not f.ok]


def test_rt06_passes_tracked_derived_and_cluster_made_objects(serve):
    findings = rt06(serve(CONFORMING))
    assert failures(findings) == []
    [summary] = [f for f in findings if f.subject == f"objects of namespace {NS}"]
    exempt = "\n".join(summary.evidence["exempt"])
    for name in (
        "Pod agentrun-v01/agentrun-mgr-abc-x1",
        "ReplicaSet agentrun-v01/agentrun-mgr-abc",
        "Endpoints agentrun-v01/agentrun-mgr",
        "ConfigMap agentrun-v01/kube-root-ca.crt",
        "ServiceAccount agentrun-v01/default",
        "Secret agentrun-v01/agentrun-v01-provider-codex",
    ):
        assert name in exempt
    assert "Event" not in exempt  # exempt kinds are not even listed
    assert "e30=" not in json.dumps([f.as_dict() for f in findings])


def test_rt06_fails_a_hand_made_configmap_and_secret(serve):
    hand = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("hotfix"), "data": {"a": "b"}},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta("scratch-token"),
            "data": {"t": "eA=="},
        },
    ]
    found = failures(rt06(serve([*CONFORMING, *hand], manager="kubectl-create")))
    assert (
        "ConfigMap agentrun-v01/hotfix tracking: not tracked by Argo CD and not derived from "
        "a tracked object (made by hand?)" in found
    )
    assert any(f.startswith("Secret agentrun-v01/scratch-token tracking") for f in found)
    assert any(f.startswith(f"objects of namespace {NS}") and "2 untracked" in f for f in found)


def test_rt06_names_unknown_manifest_kinds_and_secrets_without_crashing(serve):
    """Kinds kube-apiserver does not serve (Ingress of extensions/v1beta1, removed in 1.22; a CRD's
    ServiceMonitor) are named, a served kind
    with no live object (PersistentVolumeClaim) is not found, a Secret manifest never crashes."""
    manifests = [
        *MANIFESTS,
        ManifestObject("v1", "PersistentVolumeClaim", "data", "pvc.yaml:1"),
        ManifestObject("extensions/v1beta1", "Ingress", "web", "ingress.yaml:1"),
        ManifestObject("monitoring.coreos.com/v1", "ServiceMonitor", "mgr", "monitor.yaml:1"),
        ManifestObject("v1", "Secret", "agentrun-v01-provider-codex", "secret.yaml:1"),
    ]
    found = failures(rt06(serve(CONFORMING), manifests))
    assert found == [
        "PersistentVolumeClaim data (runtime manifests): not found",
        "Ingress web (runtime manifests): apiVersion 'extensions/v1beta1' kind 'Ingress' is not "
        "served by the API server (API discovery): Argo CD cannot apply it",
        "ServiceMonitor mgr (runtime manifests): apiVersion 'monitoring.coreos.com/v1' kind "
        "'ServiceMonitor' is not served by the API server (API discovery): Argo CD cannot apply it",
    ]


def test_rt06_leaves_the_runtimes_runner_jobs_and_their_pods_to_ap01(serve):
    labels = {"agentrun.io/component": "runner"}
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta("agentrun-runner-task-7", uid="j-7", labels=labels),
        "spec": {
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "runner", "image": "i"}],
                },
            }
        },
    }
    done = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(
            "agentrun-runner-task-7-abcde",
            labels=labels,
            ownerReferences=[
                {
                    "apiVersion": "batch/v1",
                    "kind": "Job",
                    "name": job["metadata"]["name"],
                    "uid": "j-7",
                    "controller": True,
                }
            ],
        ),
        "spec": job["spec"]["template"]["spec"],
        "status": {"phase": "Succeeded"},
    }
    findings = rt06(serve([*CONFORMING, job, done], manager="agentrun-mgr"))
    assert [f for f in failures(findings) if "runner-task-7" in f] == []
    unlabelled = copy.deepcopy(job)
    # kube-apiserver defaults a Job's labels to its template's (batch/v1 SetDefaults_Job): a Job
    # without the runner label has a template without it too
    unlabelled["metadata"]["labels"] = {}
    unlabelled["spec"]["template"]["metadata"]["labels"] = {"app.kubernetes.io/name": "hand-run"}
    assert any(
        "runner-task-7 tracking" in f for f in failures(rt06(serve([*CONFORMING, unlabelled])))
    )


def test_rt06_fails_a_manifest_object_that_is_not_live(serve):
    missing = [*MANIFESTS, ManifestObject("v1", "ConfigMap", "agentrun-v01-lane", "cm.yaml:1")]
    assert failures(rt06(serve(CONFORMING), missing)) == [
        "ConfigMap agentrun-v01-lane (runtime manifests): not found"
    ]


def test_rt06_fails_a_hand_patch_of_a_tracked_object(serve):
    cluster = serve(CONFORMING)
    patched = [o for o in cluster.namespace_listing()[0] if o["kind"] == "Deployment"][0]
    patched["metadata"]["managedFields"].append(
        {"manager": "kubectl-patch", "operation": "Update", "time": "t"}
    )
    resolved = {("apps/v1", "Deployment"): cluster.resolve("apps/v1", "Deployment")}
    findings = managed_by_argo(PROFILE, [patched], MANIFESTS[:1], resolved, {})
    assert len(failures(findings)) == 1
    assert any("kubectl-patch (Update at t" in f for f in failures(findings))


def test_rt06_accepts_argo_cds_older_manager_name_and_reports_others(reference_dir):
    live = yaml.safe_load((reference_dir / "kubernetes" / "live-deployment.yaml").read_text())
    live = json.loads(json.dumps(live, default=str))
    profile = LaneProfile(
        {
            **PROFILE.data,
            "runtimeNamespace": "default",
            "argocd": {**PROFILE["argocd"], "application": "guestbook"},
        }
    )
    findings = managed_by_argo(profile, [live], [], {}, {})
    [drift] = [f for f in findings if f.subject.endswith("field managers")]
    assert (
        drift.found.startswith("janitor (") and "argocd (" not in drift.found
    )  # argocd is Argo CD's own
    # Listed objects keep only the top level of each fieldsV1 tree (issue 14): the same judgement.
    compact = compact_managed_fields(copy.deepcopy(live))
    assert all(
        set(m["fieldsV1"]) == set(full["fieldsV1"]) and all(v == {} for v in m["fieldsV1"].values())
        for m, full in zip(compact["metadata"]["managedFields"], live["metadata"]["managedFields"])
    )
    assert [f.as_dict() for f in managed_by_argo(profile, [compact], [], {}, {})] == [
        f.as_dict() for f in findings
    ]


def test_tracking_counts_the_annotation_or_the_label_never_a_copied_annotation():
    assert tracked_by(DEPLOY, APP, TRACKING, "argocd").startswith("annotation")
    labelled = {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": meta("x", labels={"app.kubernetes.io/instance": APP}),
    }
    assert tracked_by(labelled, APP, TRACKING).startswith("label")
    copied = copy.deepcopy(DEPLOY)
    copied["metadata"]["name"] = "copy-of-mgr"
    assert tracked_by(copied, APP, TRACKING) is None
    assert tracked_by(DEPLOY, APP, {**TRACKING, "methods": ["label"]}) is None


def test_rt06_judges_the_upstream_failed_job_by_its_tracking(serve, reference_dir):
    job = yaml.safe_load(
        (reference_dir / "upstream" / "kubernetes" / "job-failed.yaml").read_text()
    )
    job = json.loads(
        json.dumps(job, default=lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
    )  # as served
    job["metadata"] = {**job["metadata"], "namespace": NS}
    # The file is a 2018 Job; kube-apiserver 1.31+ takes a Failed condition only beside the
    # FailureTarget one the Job controller writes first (batch/v1 status validation).
    failed = next(c for c in job["status"]["conditions"] if c["type"] == "Failed")
    job["status"]["conditions"].insert(0, {**failed, "type": "FailureTarget"})
    untracked = failures(rt06(serve([*CONFORMING, job])))
    assert any(f.startswith("Job agentrun-v01/fail tracking") for f in untracked)
    assert (
        failures(rt06(serve([*CONFORMING, tracked(job)]))) == []
    )  # RT-06 is about management, not health


def test_discovery_resolves_served_kinds_only(serve):
    cluster = serve([])
    assert (
        cluster.resolve("apps/v1", "Deployment").path(NS)
        == f"/apis/apps/v1/namespaces/{NS}/deployments"
    )
    assert cluster.resolve("v1", "ConfigMap").namespaced
    assert cluster.resolve("apps/v1beta1", "Deployment") is None
    assert cluster.resolve("v1", "Frobnicator") is None
    assert cluster.resolve("", "Deployment") is None
    listable = {r.kind for r in cluster.kube.discovery.namespaced_listable()}
    assert {
        "Pod",
        "Secret",
        "Deployment",
        "Application",
    } <= listable and "Namespace" not in listable


def test_rt06_cannot_decide_the_kinds_it_could_not_list(serve):
    cluster = serve(CONFORMING)
    real = cluster.kube.list_resource

    def forbidden_configmaps(resource, namespace):
        if resource.kind == "ConfigMap":
            raise EvidenceError(
                "kubernetes", resource.path(namespace), "server", "HTTP 403: forbidden"
            )
        return real(resource, namespace)

    cluster.kube.list_resource = forbidden_configmaps
    findings = rt06(cluster)
    [undecided] = [f for f in findings if f.status == UNDECIDED]
    assert (
        undecided.subject == f"ConfigMap (configmaps.core/v1) in {NS}"
        and "HTTP 403" in undecided.found
    )
