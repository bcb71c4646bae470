"""RT-01..RT-04, the release Pods and the promotion wait on the real Kubernetes objects of
tests/reference/upstream/kubernetes (issue 10, items 2, 3 and 9; issue 13, RT-03's false pass),
and on small objects built from them where upstream has no such shape."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import pytest
import yaml

from pytest_agentrun.checks import runtime
from pytest_agentrun.drive import promotion
from pytest_agentrun.finding import UNDECIDED
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.readers.cluster import Cluster
from pytest_agentrun.model.release_pods import release_pods
from pytest_agentrun.model.rollout_state import rollout_problems

PROFILE = LaneProfile.load("v0.1")
APP = PROFILE.application
ENV = PROFILE.env_repository
DIGEST = "sha256:" + "a" * 64
IMAGE = f"{ENV}@{DIGEST}"
SHA = "c" * 40
CATALOG = {"agentrun-mgr": {"digest": DIGEST, "repositoryDigest": IMAGE}}

SVC = {
    "service_label": LaneProfile.load("v0.1").service_label
}  # the label naming a workload's service


def upstream(reference_dir, name):
    """A reference object as the API server returns it (timestamps as RFC 3339 strings)."""
    obj = yaml.safe_load((reference_dir / "upstream" / "kubernetes" / name).read_text())
    return json.loads(json.dumps(obj, default=lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")))


def deployment(name="agentrun-mgr", revision="3", image=IMAGE, **status):
    labels = {"app.kubernetes.io/name": name, "agentrun.io/service": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": "agentrun-v01",
            "uid": f"uid-{name}",
            "generation": 2,
            "annotations": {"deployment.kubernetes.io/revision": revision},
            "labels": labels,
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": image,
                            "env": [{"name": "AGENTRUN_BOOT_COMMIT", "value": SHA}],
                        }
                    ]
                },
            },
        },
        "status": {
            "observedGeneration": 2,
            "replicas": 1,
            "updatedReplicas": 1,
            "readyReplicas": 1,
            "availableReplicas": 1,
            **status,
        },
    }


def replica_set(deploy, revision, pod_hash):
    name = f"{deploy['metadata']['name']}-{pod_hash}"
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": "agentrun-v01",
            "uid": f"uid-{name}",
            "labels": {**deploy["spec"]["selector"]["matchLabels"], "pod-template-hash": pod_hash},
            "annotations": {"deployment.kubernetes.io/revision": revision},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "controller": True,
                    "name": deploy["metadata"]["name"],
                    "uid": deploy["metadata"]["uid"],
                }
            ],
        },
    }


def pod(rs, suffix, *, phase="Running", ready="True", image_id=IMAGE, **meta):
    labels = dict(rs["metadata"]["labels"], **{"agentrun.io/service": "agentrun-mgr"})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{rs['metadata']['name']}-{suffix}",
            "namespace": "agentrun-v01",
            "labels": labels,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "controller": True,
                    "name": rs["metadata"]["name"],
                    "uid": rs["metadata"]["uid"],
                }
            ],
            **meta,
        },
        "spec": {
            "containers": [
                {
                    "name": "agentrun-mgr",
                    "image": IMAGE,
                    "env": [{"name": "AGENTRUN_BOOT_COMMIT", "value": SHA}],
                }
            ]
        },
        "status": {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": ready}],
            "containerStatuses": [
                {
                    "name": "agentrun-mgr",
                    "ready": ready == "True",
                    "restartCount": 0,
                    "state": {"running": {}},
                    "imageID": image_id,
                }
            ],
        },
    }


def adopt(obj, rs):
    """An upstream Pod as if the lane's current ReplicaSet had made it."""
    obj = copy.deepcopy(obj)
    obj["metadata"]["labels"] = dict(
        rs["metadata"]["labels"], **{"agentrun.io/service": "agentrun-mgr"}
    )
    obj["metadata"]["ownerReferences"] = [
        {
            "kind": "ReplicaSet",
            "name": rs["metadata"]["name"],
            "uid": rs["metadata"]["uid"],
            "controller": True,
        }
    ]
    return obj


DEPLOY = deployment()
CURRENT = replica_set(DEPLOY, "3", "new")
OLD = replica_set(DEPLOY, "2", "old")
DECLARED = [("Deployment", "agentrun-mgr", 1)]
LIVE = {("Deployment", "agentrun-mgr"): DEPLOY}


def statuses(findings):
    assert findings
    return [f.status for f in findings]


# -- RT-01 / RT-02 on upstream objects -------------------------------------------------------------


def test_rt01_fails_the_upstream_terminating_namespace(reference_dir):
    ns = upstream(reference_dir, "namespace-terminating-pr73405.yaml")
    [finding] = runtime.namespace_active("test", ns)
    assert not finding.ok and "deletionTimestamp" in finding.found
    ns["status"]["phase"] = "Terminating"
    assert not runtime.namespace_active("test", ns)[0].ok


def test_rt02_fails_the_upstream_deployment_past_its_progress_deadline(reference_dir):
    live = upstream(reference_dir, "deployment-degraded.yaml")
    [finding] = runtime.workloads_ready(
        [("Deployment", "guestbook-ui", 1)],
        {("Deployment", "guestbook-ui"): live},
        "default",
        "deploy.json",
    )
    assert not finding.ok
    assert "ProgressDeadlineExceeded" in finding.found
    assert (
        "1 old replica(s) pending termination" in finding.found and "1 unavailable" in finding.found
    )


def test_rt02_fails_a_deployment_mid_rollout():
    rolling = deployment(replicas=2, updatedReplicas=1, unavailableReplicas=1)
    rolling["spec"]["replicas"] = 2
    rolling["status"]["readyReplicas"] = 2  # ready counts old Pods too: not a finished rollout
    [finding] = runtime.workloads_ready(
        [("Deployment", "agentrun-mgr", 2)],
        {("Deployment", "agentrun-mgr"): rolling},
        "agentrun-v01",
        "deploy.json",
    )
    assert not finding.ok and "1/2 updated (rollout in progress)" in finding.found
    assert runtime.workloads_ready(DECLARED, LIVE, "agentrun-v01", "deploy.json")[0].ok


def test_rt02_passes_the_upstream_statefulset_and_fails_it_mid_update(reference_dir):
    sts = upstream(reference_dir, "statefulset.yaml")
    key = ("StatefulSet", "redis-master")
    assert runtime.workloads_ready([(*key, 1)], {key: sts}, "default", "deploy.json")[0].ok
    updating = copy.deepcopy(sts)
    updating["spec"]["updateStrategy"] = {"type": "RollingUpdate"}
    updating["status"]["updateRevision"] = "redis-master-5d6f8c9b7"
    [finding] = runtime.workloads_ready([(*key, 1)], {key: updating}, "default", "deploy.json")
    assert not finding.ok and "update not complete" in finding.found
    assert rollout_problems(upstream(reference_dir, "deployment-degraded.yaml"))


# -- the release Pods ------------------------------------------------------------------------------


def lived_in_pods():
    """The current Pod, plus what a lived-in namespace keeps: an Evicted Pod of the old ReplicaSet,
    a Terminating one, and a Succeeded Pod of a finished runner Job whose labels the
    selector matches."""
    evicted = pod(OLD, "ev1", phase="Failed", ready="False")
    evicted["status"]["reason"] = "Evicted"
    terminating = pod(OLD, "t1", deletionTimestamp="2026-11-30T10:00:00Z")
    job_pod = pod(CURRENT, "job")
    job_pod["metadata"]["ownerReferences"] = [
        {"kind": "Job", "name": "agentrun-runner", "uid": "uid-job", "controller": True}
    ]
    job_pod["status"]["phase"] = "Succeeded"
    return [pod(CURRENT, "a1"), evicted, terminating, job_pod]


def test_release_pods_are_the_current_replicasets_and_the_rest_is_evidence():
    split = release_pods(DEPLOY, lived_in_pods(), [CURRENT, OLD])
    assert [p["metadata"]["name"] for p in split.pods] == ["agentrun-mgr-new-a1"]
    reasons = dict((p["metadata"]["name"], why) for p, why in split.others)
    assert reasons["agentrun-mgr-old-ev1"].startswith("Failed, Evicted")
    assert reasons["agentrun-mgr-old-t1"].startswith("Terminating")
    assert reasons["agentrun-mgr-new-job"].startswith("Succeeded")
    running_old = pod(OLD, "o1")
    assert release_pods(DEPLOY, [running_old], [CURRENT, OLD]).others[0][1] == (
        "owned by ReplicaSet agentrun-mgr-old, not ReplicaSet agentrun-v01/agentrun-mgr-new "
        "(revision 3)"
    )


def test_rt03_and_rt04_pass_a_lived_in_namespace_and_report_the_others():
    pods = lived_in_pods()
    ready = runtime.pods_ready(DECLARED, LIVE, pods, [], [CURRENT, OLD])
    assert statuses(ready) == ["pass"] and len(ready[0].evidence["notJudged"]) == 3
    images = runtime.images_match_catalog(
        DECLARED, LIVE, pods, [CURRENT, OLD], CATALOG, "catalog", **SVC
    )
    assert all(f.ok for f in images) and len(images) == 2  # the pod template, the running container


def test_rt03_cannot_decide_without_a_current_replicaset():
    [finding] = runtime.pods_ready(DECLARED, LIVE, [pod(CURRENT, "a1")], [], [OLD])
    assert finding.status == UNDECIDED and "cannot tell the current ReplicaSet" in finding.found


def test_rt03_cannot_decide_ready_true_without_container_statuses():
    bare = pod(CURRENT, "a1")
    bare["status"]["containerStatuses"] = []
    [finding] = runtime.pods_ready(DECLARED, LIVE, [bare], [], [CURRENT])
    assert finding.status == UNDECIDED and "no container to look at" in finding.found


@pytest.mark.parametrize(
    "name, ok",
    [
        ("pod-containerd-imageid.yaml", True),
        ("pod-crashloop.yaml", False),
        ("pod-error.yaml", False),
        ("pod-imagepullbackoff.yaml", False),
        ("pod-running-not-ready.yaml", False),
    ],
)
def test_rt03_judges_each_upstream_pod(reference_dir, name, ok):
    live = adopt(upstream(reference_dir, name), CURRENT)
    [finding] = runtime.pods_ready(DECLARED, LIVE, [live], [], [CURRENT])
    assert finding.ok is ok, finding.found


@pytest.mark.parametrize(
    "name", ["pod-containerd-imageid.yaml", "pod-crashloop.yaml", "pod-imagepullbackoff.yaml"]
)
def test_rt04_reads_each_upstream_image_id(reference_dir, name):
    live = adopt(upstream(reference_dir, name), CURRENT)
    image_id = live["status"]["containerStatuses"][0]["imageID"]
    runs = image_id.rpartition("@")[2] or None
    catalog = {
        "agentrun-mgr": {"digest": runs or DIGEST, "repositoryDigest": f"{ENV}@{runs or DIGEST}"}
    }
    deploy = deployment(image=catalog["agentrun-mgr"]["repositoryDigest"])
    findings = runtime.images_match_catalog(
        DECLARED,
        {("Deployment", "agentrun-mgr"): deploy},
        [live],
        [CURRENT],
        catalog,
        "catalog",
        **SVC,
    )
    assert [f.ok for f in findings] == [
        True,
        runs is not None,
    ]  # imageID "" while pulling: nothing runs the digest


def test_rt04_fails_a_live_deployment_moved_to_latest():
    moved = deployment(image=f"{ENV}:latest")
    findings = runtime.images_match_catalog(
        DECLARED,
        {("Deployment", "agentrun-mgr"): moved},
        [pod(CURRENT, "a1")],
        [CURRENT],
        CATALOG,
        "catalog",
        **SVC,
    )
    template = [f for f in findings if "pod template" in f.subject]
    assert [f.ok for f in template] == [False] and ":latest" in template[0].found
    # the running container still runs the catalog's digest: only the template shows the move
    assert [f.ok for f in findings if "pod template" not in f.subject] == [True]


# -- the promotion wait and DR-03/DR-04 use the same definition ------------------------------------


class ListingKube:
    """The list() of a LiveKube or Kube over fixed objects."""

    def __init__(self, objects):
        self.objects = objects

    def list(self, kind, namespace=None, label_selector=None):
        assert label_selector is None, (
            "the release is found by tracking and ownership, not by a label query"
        )
        return [o for o in self.objects if o["kind"] == kind]


def annotation_tracked(obj):
    """As Argo CD 3.x leaves it: the tracking-id annotation only, no instance label."""
    obj = copy.deepcopy(obj)
    group = obj["apiVersion"].rpartition("/")[0]
    obj["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"] = (
        f"{APP}:{group}/{obj['kind']}:agentrun-v01/{obj['metadata']['name']}"
    )
    return obj


def test_promotion_wait_finds_annotation_tracked_workloads_and_skips_evicted_pods():
    kube = ListingKube([annotation_tracked(DEPLOY), CURRENT, OLD, *lived_in_pods()])
    config = SimpleNamespace(profile=PROFILE)
    ready, seen = promotion._runtime_at(config, kube, SHA, {"agentrun-mgr": DIGEST}, DIGEST)
    assert ready == ["Deployment agentrun-v01/agentrun-mgr ready (1 pods)"], seen
    untracked = ListingKube([DEPLOY, CURRENT, pod(CURRENT, "a1")])
    assert promotion._runtime_at(config, untracked, SHA, {}, DIGEST)[0] is None


def test_application_pods_for_dr03_are_the_release_pods():
    cluster = Cluster(
        ListingKube([annotation_tracked(DEPLOY), CURRENT, OLD, *lived_in_pods()]), PROFILE
    )
    assert [p["metadata"]["name"] for p in cluster.application_pods()] == ["agentrun-mgr-new-a1"]


def test_release_pods_of_the_upstream_statefulset_follow_its_update_revision(reference_dir):
    sts = upstream(reference_dir, "statefulset.yaml")
    labels = sts["spec"]["template"]["metadata"]["labels"]

    def member(name, revision):
        return {
            "kind": "Pod",
            "metadata": {
                "name": name,
                "labels": {**labels, "controller-revision-hash": revision},
                "ownerReferences": [
                    {
                        "kind": "StatefulSet",
                        "name": "redis-master",
                        "uid": sts["metadata"]["uid"],
                        "controller": True,
                    }
                ],
            },
            "status": {"phase": "Running"},
        }

    current = member("redis-master-0", sts["status"]["updateRevision"])
    stale = member("redis-master-1", "redis-master-5d6f8c9b7")
    split = release_pods(sts, [current, stale], [])
    assert [p["metadata"]["name"] for p in split.pods] == ["redis-master-0"]
    assert split.others[0][1] == (
        "owned by StatefulSet redis-master at revision redis-master-5d6f8c9b7, "
        "not StatefulSet default/redis-master revision redis-master-7b8f75b98"
    )
    no_revision = copy.deepcopy(sts)
    del no_revision["status"]["updateRevision"]
    assert release_pods(no_revision, [current], []).problem


def test_the_promotion_wait_does_not_take_ready_without_container_statuses():
    bare = pod(CURRENT, "a1")
    bare["status"]["containerStatuses"] = []
    kube = ListingKube([annotation_tracked(DEPLOY), CURRENT, bare])
    ready, seen = promotion._runtime_at(
        SimpleNamespace(profile=PROFILE), kube, SHA, {"agentrun-mgr": DIGEST}, DIGEST
    )
    assert ready is None and "reports Ready but no containerStatuses" in seen
