"""The published schemas accept the sandbox's conforming files and reject each
violation of CT-02..CT-05."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from agentrun_sandbox import source_files
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.model.documents import schema_errors


@pytest.fixture(scope="module")
def sandbox_catalog(conforming_lane):
    from agentrun_sandbox.scenarios import SandboxControl

    return SandboxControl(conforming_lane.paths.root).catalog()


def test_conforming_catalog_and_deploy_intent_are_accepted(sandbox_catalog):
    assert schema_errors("artifact-catalog", sandbox_catalog) == []
    assert (
        schema_errors(
            "deploy-intent",
            json.loads(source_files.file(LaneProfile.load("v0.1").data, "deploy/deploy.json")),
        )
        == []
    )


VIOLATIONS = {
    "CT-02 provenance missing": lambda c: c["services"][0].pop("provenance"),
    "CT-02 taskRun missing": lambda c: c["services"][0]["provenance"].pop("taskRun"),
    "CT-02 source commit missing": lambda c: c.pop("sourceCommit"),
    "CT-03 short commitId": lambda c: c["services"][0]["imageRef"].update(commitId="abc123def456"),
    "CT-03 absolute dockerfilePath": lambda c: c["services"][0]["imageRef"].update(
        dockerfilePath="/root/Containerfile"
    ),
    "CT-02 pipelineRun missing": lambda c: c["services"][0]["provenance"].pop("pipelineRun"),
    "CT-02 toolchain inputs missing": lambda c: c["services"][0].pop("toolchainInputs"),
    "CT-02 status unknown": lambda c: c["services"][0].update(status="unknown"),
    "CT-02 short source commit": lambda c: c.update(sourceCommit=c["sourceCommit"][:12]),
    "CT-03 other kind": lambda c: c["services"][0]["imageRef"].update(kind="image"),
    "CT-03 repoUrl missing": lambda c: c["services"][0]["imageRef"].pop("repoUrl"),
    "CT-03 dockerfilePath leaves the repo": lambda c: c["services"][0]["imageRef"].update(
        dockerfilePath="deploy/../../x"
    ),
    "CT-05 malformed digest": lambda c: c["services"][0]["image"].update(digest="sha256:abc"),
    "CT-05 malformed repositoryDigest": lambda c: c["services"][0]["image"].update(
        repositoryDigest="repo:tag"
    ),
    "CT-07 token field": lambda c: c["services"][0].update(token="x"),
}


@pytest.mark.parametrize("violation", sorted(VIOLATIONS))
def test_each_violation_is_rejected(sandbox_catalog, violation):
    catalog = copy.deepcopy(sandbox_catalog)
    VIOLATIONS[violation](catalog)
    assert schema_errors("artifact-catalog", catalog), f"the schema accepted: {violation}"


@pytest.mark.parametrize(
    "identity",
    [
        lambda inputs: hashlib.sha256(inputs).hexdigest(),  # what a planner naturally computes
        lambda inputs: hashlib.sha256(inputs).hexdigest()[:40],
        lambda inputs: hashlib.sha1(inputs).hexdigest(),
        lambda inputs: hashlib.sha256(inputs).hexdigest()[:16],
    ],
)
def test_a_hex_digest_env_identity_is_accepted(sandbox_catalog, identity):
    """The schema cannot know the commits: a hex envIdentity is valid JSON-wise, and CT-04 decides
    against the actual commits whether a tag is a commit id (test_checks_catalog_registry)."""
    catalog = copy.deepcopy(sandbox_catalog)
    value = identity(b"oven/bun:1.2.19-debian git bun.lock package.json")
    for service in catalog["services"]:
        service["envIdentity"] = service["image"]["tag"] = value
    assert schema_errors("artifact-catalog", catalog) == []


def test_deploy_intent_with_an_image_digest_is_rejected():
    intent = json.loads(source_files.file(LaneProfile.load("v0.1").data, "deploy/deploy.json"))
    intent["services"][0]["image"] = "127.0.0.1:5000/agentrun/agentrun-mgr-env@sha256:" + "a" * 64
    assert schema_errors("deploy-intent", intent)
