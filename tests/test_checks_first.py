"""Checks are plain functions from evidence to findings: each passes on conforming evidence and
fails, with expected/found/where, on a violation. No lane needed."""

from __future__ import annotations

import json

import pytest

from pytest_agentrun.checks import argo, catalog, gitops, mirror, registry, runtime, source, tekton
from pytest_agentrun.model.documents import Catalog, parse_manifests
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.model.mirror import MirrorStatus
from pytest_agentrun.model.images import ManifestAnswer
from pytest_agentrun.model.worktree import (
    ASSUME_UNCHANGED,
    FlaggedFile,
    HiddenDifference,
    WorktreeContent,
    WorktreeState,
)

SHA = "a" * 40
DIGEST = "sha256:" + "b" * 64
REPO = "127.0.0.1:5000/agentrun/agentrun-mgr-env"

SVC = {
    "service_label": LaneProfile.load("v0.1").service_label
}  # the label naming a workload's service


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


def catalog_doc(**overrides) -> Catalog:
    entry = {
        "serviceId": "agentrun-mgr",
        "imageRef": {
            "kind": "env-image-dockerfile",
            "repoUrl": "git@github.com:pikasTech/agentrun.git",
            "commitId": SHA,
            "dockerfilePath": "deploy/runtime/env/Containerfile",
        },
        "envIdentity": "env-0123456789abcdef",
        "image": {
            "repository": REPO,
            "tag": "env-0123456789abcdef",
            "digest": DIGEST,
            "repositoryDigest": f"{REPO}@{DIGEST}",
        },
        "bootCommit": SHA,
        "toolchainInputs": {
            "bunBaseImage": "oven/bun:1.2.19-debian",
            "systemPackages": ["git"],
            "files": {},
        },
        "status": "reused",
        "provenance": {
            "pipelineRun": "agentrun-v01-ci-aaaaaaaaaaaa",
            "taskRun": "agentrun-v01-ci-aaaaaaaaaaaa-image-publish",
        },
    }
    data = {
        "schemaVersion": 1,
        "lane": "v0.1",
        "sourceBranch": "v0.1",
        "gitopsBranch": "v0.1-gitops",
        "sourceCommit": SHA,
        "generatedAt": "2026-11-20T10:00:00Z",
        "services": [entry],
    }
    data.update(overrides)
    return Catalog.parse(
        "v0.1-gitops@x:deploy/artifact-catalog.v01.json", json.dumps(data, indent=2)
    )


def verdicts(findings):
    assert findings, "a check must always examine something"
    return [f.ok for f in findings]


def test_rt01_namespace(profile):
    assert all(verdicts(runtime.namespace_active("agentrun-v01", {"status": {"phase": "Active"}})))
    assert not any(verdicts(runtime.namespace_active("agentrun-v01", None)))
    [f] = runtime.namespace_active("agentrun-v01", {"status": {"phase": "Terminating"}})
    assert not f.ok and "Terminating" in f.found and f.where == "Namespace agentrun-v01"


def test_rt02_workloads_ready():
    declared = [("Deployment", "agentrun-mgr", 1)]
    ready = {
        "kind": "Deployment",
        "metadata": {"name": "agentrun-mgr", "namespace": "ns", "generation": 2},
        "spec": {"replicas": 1},
        "status": {
            "replicas": 1,
            "updatedReplicas": 1,
            "readyReplicas": 1,
            "availableReplicas": 1,
            "observedGeneration": 2,
        },
    }
    assert all(
        verdicts(
            runtime.workloads_ready(
                declared, {("Deployment", "agentrun-mgr"): ready}, "ns", "d.json"
            )
        )
    )
    stale = json.loads(json.dumps(ready))
    stale["status"]["observedGeneration"] = 1
    assert not any(
        verdicts(
            runtime.workloads_ready(
                declared, {("Deployment", "agentrun-mgr"): stale}, "ns", "d.json"
            )
        )
    )
    assert not any(verdicts(runtime.workloads_ready(declared, {}, "ns", "d.json")))
    assert not any(verdicts(runtime.workloads_ready([], {}, "ns", "d.json"))), (
        "nothing declared must not pass"
    )


def application(**source):
    lane_source = {
        "repoURL": "git@github.com:pikasTech/agentrun.git",
        "targetRevision": "v0.1-gitops",
        "path": "deploy/gitops/g14/runtime-v01",
        **source,
    }
    deployment = {"group": "apps", "version": "v1", "kind": "Deployment", "status": "Synced"}
    return {
        "spec": {
            "project": "agentrun-v01",
            "destination": {"namespace": "agentrun-v01"},
            "source": lane_source,
        },
        "status": {
            "sync": {"status": "Synced", "revision": SHA, "comparedTo": {"source": lane_source}},
            "health": {"status": "Healthy"},
            "resources": [deployment | {"namespace": "agentrun-v01", "name": "agentrun-mgr"}],
        },
    }


def test_ar02_application_source(profile):
    repos = ["git@github.com:pikasTech/agentrun.git"]
    assert all(verdicts(argo.application_source(profile, application(), repos)))
    bad = argo.application_source(profile, application(targetRevision="master"), repos)
    assert [f.subject.rsplit(" ", 1)[-1] for f in bad if not f.ok] == ["spec.source.targetRevision"]
    assert not any(verdicts(argo.application_source(profile, None, repos)))


def test_ar03_synced_at_head(profile):
    assert all(verdicts(argo.application_synced(profile, application(), SHA, "ls-remote")))
    behind = argo.application_synced(profile, application(), "c" * 40, "ls-remote")
    assert [f.ok for f in behind] == [True, True, False, True, True]
    assert not all(verdicts(argo.application_synced(profile, application(), None, "ls-remote")))


def test_go01_branch_files(profile):
    assert all(
        verdicts(gitops.branch_holds_lane_files(profile, SHA, True, ["x.yaml"], "ls-remote"))
    )
    assert not all(
        verdicts(gitops.branch_holds_lane_files(profile, SHA, False, ["x.yaml"], "ls-remote"))
    )
    assert not any(verdicts(gitops.branch_holds_lane_files(profile, None, False, [], "ls-remote")))


def deployment_yaml(image: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: agentrun-mgr\nspec:\n"
        f"  template:\n    spec:\n      containers:\n      - name: mgr\n        image: {image}\n"
    )


def test_go02_images_pinned_to_catalog():
    good = parse_manifests({"d.yaml": deployment_yaml(f"{REPO}@{DIGEST}")}, "br@x:")
    assert all(verdicts(gitops.images_pinned_to_catalog(good, catalog_doc(), **SVC)))
    by_tag = parse_manifests({"d.yaml": deployment_yaml(f"{REPO}:latest")}, "br@x:")
    [f] = gitops.images_pinned_to_catalog(by_tag, catalog_doc(), **SVC)
    assert not f.ok and f.where == "br@x:d.yaml:10"
    other = parse_manifests({"d.yaml": deployment_yaml(f"{REPO}@sha256:{'c' * 64}")}, "br@x:")
    assert not any(verdicts(gitops.images_pinned_to_catalog(other, catalog_doc(), **SVC)))
    assert not any(
        verdicts(gitops.images_pinned_to_catalog(parse_manifests({}, ""), catalog_doc(), **SVC))
    )


def test_ct01_schema():
    assert all(verdicts(catalog.conforms_to_schema(catalog_doc())))
    broken = Catalog.parse("w", "{not json")
    assert not any(verdicts(catalog.conforms_to_schema(broken)))
    assert not any(verdicts(catalog.conforms_to_schema(Catalog.parse("w", None))))
    missing = json.loads(catalog_doc().text)
    del missing["services"][0]["provenance"]
    [f] = catalog.conforms_to_schema(Catalog.parse("w", json.dumps(missing)))
    assert not f.ok and "provenance" in f.found


def test_reg01_digests_present():
    ok = {DIGEST: ManifestAnswer("u", 200, DIGEST, "schema2")}
    assert all(verdicts(registry.digests_present(catalog_doc(), ok)))
    assert not any(
        verdicts(
            registry.digests_present(
                catalog_doc(), {DIGEST: ManifestAnswer("u", 404, None, "schema2")}
            )
        )
    )
    other = {DIGEST: ManifestAnswer("u", 200, "sha256:" + "d" * 64, "schema2")}
    assert not any(verdicts(registry.digests_present(catalog_doc(), other)))


def pipeline_run(status="True", revision=SHA):
    return {
        "spec": {
            "pipelineRef": {"name": "agentrun-v01-ci-image-publish"},
            "params": [{"name": "revision", "value": revision}],
        },
        "status": {"conditions": [{"type": "Succeeded", "status": status, "reason": "Completed"}]},
    }


def test_tk02_pipelinerun(profile):
    assert all(verdicts(tekton.pipeline_run_for_commit(profile, SHA, pipeline_run(), "catalog")))
    assert [
        f.ok for f in tekton.pipeline_run_for_commit(profile, SHA, pipeline_run("False"), "c")
    ] == [True, True, False, True]
    assert [
        f.ok
        for f in tekton.pipeline_run_for_commit(profile, SHA, pipeline_run(revision="v0.1"), "c")
    ] == [False, True, True, True]
    assert not any(verdicts(tekton.pipeline_run_for_commit(profile, SHA, None, "c")))


def test_tk02_looks_under_succeeded_at_the_skipped_tasks(profile):
    """Succeeded=True, reason Completed, can hide a skipped task: only the plan-guarded build
    may be skipped."""
    run = pipeline_run()
    when = "When Expressions evaluated to false"
    run["status"]["skippedTasks"] = [{"name": "image-build", "reason": when}]
    assert all(verdicts(tekton.pipeline_run_for_commit(profile, SHA, run, "catalog")))
    run["status"]["skippedTasks"].append({"name": "check", "reason": when})
    [skipped] = [f for f in tekton.pipeline_run_for_commit(profile, SHA, run, "c") if not f.ok]
    assert skipped.subject.endswith("status.skippedTasks check") and when in skipped.found


def test_src01_worktree(profile):
    content = WorktreeContent(3, (), (), ())
    clean = WorktreeState("/w", "v0.1", SHA, "origin/v0.1", SHA, 0, 0, (), content)
    assert all(verdicts(source.worktree_clean(profile, clean, SHA, "ls-remote")))
    dirty = WorktreeState("/w", "v0.1", SHA, "origin/v0.1", SHA, 0, 0, ("?? notes.txt",), content)
    assert [f.ok for f in source.worktree_clean(profile, dirty, SHA, "r")] == [
        True,
        True,
        True,
        False,
        True,
    ]
    ahead = WorktreeState("/w", "v0.1", "c" * 40, "origin/v0.1", SHA, 1, 0, (), content)
    assert [f.ok for f in source.worktree_clean(profile, ahead, SHA, "r")] == [
        True,
        False,
        False,
        True,
        True,
    ]
    hidden = WorktreeContent(
        3,
        (HiddenDifference(ASSUME_UNCHANGED, "deploy/deploy.json", "differs"),),
        (FlaggedFile("deploy/deploy.json", ("assume-unchanged",)),),
        (),
    )
    flagged = WorktreeState("/w", "v0.1", SHA, "origin/v0.1", SHA, 0, 0, (), hidden)
    assert [f.ok for f in source.worktree_clean(profile, flagged, SHA, "r")] == [
        True,
        True,
        True,
        True,
        False,
    ]
    old_bundle = WorktreeState("/w", "v0.1", SHA, "origin/v0.1", SHA, 0, 0, ())
    assert source.worktree_clean(profile, old_bundle, SHA, "r")[-1].status == "cannot be decided"


def test_mr01_mirror_status():
    synced = MirrorStatus(SHA, SHA, SHA, SHA, False, True, {"localV01": True})
    assert all(verdicts(mirror.status_complete_and_in_sync(synced, "m", "g")))
    behind = MirrorStatus("c" * 40, SHA, SHA, SHA, False, False, {"localV01": True})
    assert [f.ok for f in mirror.status_complete_and_in_sync(behind, "m", "g")] == [True] * 4 + [
        False
    ]
    no_gitops = MirrorStatus(SHA, SHA, None, SHA, True, True, {"localV01": True})
    assert not all(verdicts(mirror.status_complete_and_in_sync(no_gitops, "m", "g")))
