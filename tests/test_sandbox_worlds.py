"""Sandbox worlds (fixtures/agentrun_sandbox/worlds/, docs/sandbox-worlds.md): each lane of a world
holds the shapes its documentation names, chosen by `sandbox up --world` and `--sandbox-world`."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from agentrun_sandbox import lane as sandbox
from agentrun_sandbox import world as worlds
from agentrun_sandbox.lane_objects.argo import lane_source
from agentrun_sandbox.scenarios import SandboxControl
from suite_run import ROOT
from world_groups import world_group, world_params


@pytest.fixture(scope="module")
def lived_in(tmp_path_factory, seed_cache, cluster_hosts):
    directory = tmp_path_factory.mktemp("lived-in") / "lane"
    host = cluster_hosts.of("lived-in")
    with sandbox.in_process(directory, world="lived-in", seed_cache=seed_cache, host=host) as lane:
        yield lane


@pytest.fixture(scope="module")
def argocd3(tmp_path_factory, seed_cache, cluster_hosts):
    directory = tmp_path_factory.mktemp("argocd3") / "lane"
    host = cluster_hosts.of("argocd3")
    with sandbox.in_process(directory, world="argocd3", seed_cache=seed_cache, host=host) as lane:
        yield lane


@pytest.fixture
def lived_in_disposable(tmp_path, seed_cache, cluster_hosts):
    host = cluster_hosts.of("lived-in")
    with sandbox.in_process(
        tmp_path / "lane", world="lived-in", seed_cache=seed_cache, host=host
    ) as lane:
        yield lane


REVISION = "deployment.kubernetes.io/revision"


def kubectl_json(lane, *args: str) -> dict:
    return json.loads(SandboxControl(lane.paths.root).kubectl(*args, "-o", "json"))


# The tests that make lanes of their own come first: the module's `lived_in` and `argocd3` lanes
# do not hold the worker's clusters of those worlds yet, so these borrow them instead of starting
# second ones.
@world_group("lived-in")
def test_lived_in_namespace_deletion_completes(lived_in_disposable):
    """The Terminating Pod's hold does not outlive its namespace: deleting the namespace ends
    (on the real control plane the sandbox's finalizer is released, as its controller would)."""
    control = SandboxControl(lived_in_disposable.paths.root)
    ns = control.profile["runtimeNamespace"]
    control.kubectl("delete", "namespace", ns, "--wait=false")
    deadline = time.monotonic() + 60
    while ns in control.kubectl("get", "namespaces", "-o", "name"):
        assert time.monotonic() < deadline, control.kubectl("get", "namespace", ns, "-o", "yaml")
        time.sleep(0.5)


@pytest.mark.parametrize("world", world_params("default", "lived-in"))
def test_kubectl_set_image_and_create_configmap_on_a_sandbox_lane(
    world, seed_cache, cluster_hosts, tmp_path
):
    """What a person does by hand on the lane: `kubectl set image` changes one container (env and
    mounts stay), `kubectl create configmap` (protobuf) creates the object."""
    host = cluster_hosts.of(world)
    with sandbox.in_process(
        tmp_path / "lane", world=world, seed_cache=seed_cache, host=host
    ) as lane:
        control = SandboxControl(lane.paths.root)
        ns = control.profile["runtimeNamespace"]
        before = kubectl_json(lane, "get", "deployment", "agentrun-mgr", "-n", ns)["spec"][
            "template"
        ]["spec"]
        image = before["containers"][0]["image"].split("@")[0] + ":hotfix"
        control.kubectl(
            "set", "image", "deployment/agentrun-mgr", "-n", ns, f"agentrun-mgr={image}"
        )
        after = kubectl_json(lane, "get", "deployment", "agentrun-mgr", "-n", ns)["spec"][
            "template"
        ]["spec"]
        assert after["containers"][0]["image"] == image
        assert {k: v for k, v in after["containers"][0].items() if k != "image"} == {
            k: v for k, v in before["containers"][0].items() if k != "image"
        }
        assert after["volumes"] == before["volumes"]
        control.kubectl("create", "configmap", "hand-made", "-n", ns, "--from-literal=mode=debug")
        assert kubectl_json(lane, "get", "configmap", "hand-made", "-n", ns)["data"] == {
            "mode": "debug"
        }


def test_worlds_are_data_with_the_default_first():
    assert {"default", "argocd3", "lived-in"} <= set(worlds.names())
    default = worlds.load(None)
    assert default.name == "default" and default.tracks_by_label and default.tracks_by_annotation
    assert default.changes("SRC-01") and not worlds.load("argocd3").changes("SRC-01")
    assert worlds.load("argocd3").changes("RT-06") and worlds.load("lived-in").changes("TK-09")
    with pytest.raises(worlds.UnknownWorld, match="the worlds are: .*argocd3"):
        worlds.load("nowhere")


@world_group("lived-in")
def test_lived_in_pods_events_and_manifests(lived_in):
    ns = "agentrun-v01"
    pods = kubectl_json(lived_in, "get", "pods", "-n", ns)["items"]
    by_state = {
        (p["status"]["phase"], p["status"].get("reason"), "deletionTimestamp" in p["metadata"])
        for p in pods
    }
    assert {
        ("Running", None, False),
        ("Failed", "Evicted", False),
        ("Running", None, True),
        ("Succeeded", None, False),
    } <= by_state
    evicted = [p for p in pods if p["status"].get("reason") == "Evicted"]
    assert len(evicted) == 2
    assert evicted[0]["status"]["message"].startswith("The node was low on resource: memory.")
    assert {c["type"] for c in evicted[0]["status"]["conditions"]} >= {"DisruptionTarget"}
    replica_sets = {
        p["metadata"]["ownerReferences"][0]["name"]
        for p in pods
        if p["metadata"]["name"].startswith("agentrun-mgr")
    }
    assert len(replica_sets) == 2  # the current ReplicaSet and the previous one
    revisions = {
        rs["metadata"]["name"]: rs["metadata"]["annotations"][REVISION]
        for rs in kubectl_json(lived_in, "get", "replicasets", "-n", ns)["items"]
    }
    assert sorted(revisions.values()) == ["1", "2"] and set(revisions) == replica_sets
    reasons = [e["reason"] for e in kubectl_json(lived_in, "get", "events", "-n", ns)["items"]]
    # a fresh cluster's Events are all younger than --event-ttl (1 h): none expired yet
    assert reasons.count("Evicted") == 2 and {"ScalingReplicaSet", "Completed"} <= set(reasons)
    for kind in (
        "persistentvolumeclaims",
        "networkpolicies.networking.k8s.io",
        "roles.rbac.authorization.k8s.io",
        "rolebindings.rbac.authorization.k8s.io",
        "serviceaccounts",
        "configmaps",
    ):
        assert kubectl_json(lived_in, "get", kind, "-n", ns)["items"], kind
    claim = kubectl_json(lived_in, "get", "pvc", "-n", ns)["items"][0]
    assert claim["status"]["phase"] == "Bound"  # its first user, a runner Job, was scheduled
    assert claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == "g14"
    service = kubectl_json(lived_in, "get", "service", "agentrun-mgr", "-n", ns)
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}
    ]
    endpoints = kubectl_json(lived_in, "get", "endpoints", "agentrun-mgr", "-n", ns)
    assert [p["port"] for p in endpoints["subsets"][0]["ports"]] == [8080]
    assert (
        len(endpoints["subsets"][0]["addresses"]) == 1
    )  # neither the Evicted nor the Terminating Pod


@world_group("lived-in")
def test_lived_in_results_end_with_a_newline_and_the_identity_is_a_digest(lived_in):
    runs = kubectl_json(
        lived_in,
        "get",
        "taskruns.tekton.dev",
        "-n",
        "agentrun-ci",
        "-l",
        "tekton.dev/pipelineTask=image-publish",
    )["items"]
    results = {r["name"]: r["value"] for r in runs[-1]["status"]["results"]}
    assert results["status"] in ("built\n", "reused\n") and results["digest"].endswith("\n")
    catalog = SandboxControl(lived_in.paths.root).catalog()
    identity = catalog["services"][0]["envIdentity"]
    assert (
        len(identity) == 64
        and int(identity, 16) >= 0
        and catalog["services"][0]["image"]["tag"] == identity
    )
    assert results["envIdentity"] == identity + "\n"


@world_group("argocd3")
def test_argocd3_tracks_by_annotation_with_real_managers_and_multi_source(argocd3):
    deploy = kubectl_json(
        argocd3, "get", "deployment", "agentrun-mgr", "-n", "agentrun-v01", "--show-managed-fields"
    )
    meta = deploy["metadata"]
    assert "app.kubernetes.io/instance" not in meta.get("labels", {})
    assert (
        meta["annotations"]["argocd.argoproj.io/tracking-id"]
        == "agentrun-g14-v01:apps/Deployment:agentrun-v01/agentrun-mgr"
    )
    assert {"argocd", "argocd-controller"} <= {m["manager"] for m in meta["managedFields"]}
    app = kubectl_json(
        argocd3, "get", "applications.argoproj.io", "agentrun-g14-v01", "-n", "argocd"
    )
    index, source = lane_source(app)
    assert index == 1 and "source" not in app["spec"] and source["targetRevision"] == "v0.1-gitops"
    revisions = app["status"]["sync"]["revisions"]
    gitops_head = SandboxControl(argocd3.paths.root)
    assert len(revisions) == 2 and revisions[1] == _gitops_head(gitops_head)
    assert app["status"]["operationState"]["syncResult"]["revisions"] == revisions
    assert all("revisions" in h and "sources" in h for h in app["status"]["history"])


def _gitops_head(lane: SandboxControl) -> str:
    from agentrun_sandbox.seed import git

    return git(lane.paths.bare("mirror"), "rev-parse", lane.profile["gitopsBranch"])


def test_sandbox_up_refuses_an_unknown_world(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_agentrun.cli",
            "sandbox",
            "up",
            "--dir",
            str(tmp_path / "l"),
            "--world",
            "nowhere",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "no sandbox world 'nowhere'" in done.stderr


def test_sandbox_world_needs_sandbox():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "acceptance"),
            "--lane",
            "v0.1",
            "--sandbox-world",
            "lived-in",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        done.returncode == 4
        and "--sandbox-world chooses the world of --sandbox" in done.stdout + done.stderr
    )


def test_a_cached_seed_is_the_same_lane_on_new_servers(tmp_path):
    """seed_cache: the second lane copies the first one's seed (same commits, objects) and its
    worktree's origin names the new git server."""
    from agentrun_sandbox.seed import git

    cache = tmp_path / "cache"
    cache.mkdir()
    with sandbox.in_process(tmp_path / "first", seed_cache=cache) as first:
        assert not first.info["seedCached"]
        pods_first = _pod_owners(first)
    with sandbox.in_process(tmp_path / "second", seed_cache=cache) as second:
        assert second.info["seedCached"] and second.info["releases"] == first.info["releases"]
        assert _pod_owners(second) == pods_first
        origin = git(second.paths.worktree, "remote", "get-url", "origin")
        assert origin.startswith(second.info["git"]) and second.info["git"] != first.info["git"]
        assert (
            git(second.paths.worktree, "ls-remote", "origin", "v0.1").split()[0]
            == second.info["releases"][-1]
        )


def _pod_owners(lane) -> list[str]:
    """The Pods' owners, one entry per Pod: a ReplicaSet's name carries its pod-template-hash (the
    same template, the same name), while a controller's Pod names end in a random suffix."""
    pods = kubectl_json(lane, "get", "pods", "-n", "agentrun-v01")["items"]
    return sorted(o["name"] for p in pods for o in p["metadata"].get("ownerReferences") or [])
