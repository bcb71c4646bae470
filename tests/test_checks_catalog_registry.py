"""CT-02..CT-08, REG-02, REG-03 on small hand-made catalogs: pass when conforming, fail on each violation."""

from __future__ import annotations

import copy
import json

import pytest

from pytest_agentrun.checks import catalog as ct
from pytest_agentrun.checks import registry as reg
from pytest_agentrun.documents import Catalog
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.readers.git import CommitInfo
from pytest_agentrun.readers.registry import ManifestAnswer
from test_checks_first import DIGEST, SHA, catalog_doc

WHERE = "v0.1-gitops@x:deploy/artifact-catalog.v01.json"


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


def edited(edit, services: int = 1) -> Catalog:
    """The conforming catalog with `services` copies of its entry (agentrun-mgr, svc-1, ...), then edit(data)."""
    data = json.loads(catalog_doc().text)
    for n in range(1, services):
        data["services"].append(dict(copy.deepcopy(data["services"][0]), serviceId=f"svc-{n}"))
    edit(data)
    return Catalog.parse(WHERE, json.dumps(data, indent=2))


def oks(findings):
    assert findings, "a check must always examine something"
    return [f.ok for f in findings]


def test_ct02_lane_and_provenance(profile):
    assert all(oks(ct.records_lane_and_provenance(profile, catalog_doc())))
    assert not all(oks(ct.records_lane_and_provenance(profile, edited(lambda d: d["services"][0]["provenance"].pop("taskRun")))))
    assert not all(oks(ct.records_lane_and_provenance(profile, edited(lambda d: d.update(lane="v0.2")))))
    assert not all(oks(ct.records_lane_and_provenance(profile, edited(lambda d: d.update(sourceCommit=SHA[:12])))))
    other_run = edited(lambda d: d["services"][0]["provenance"].update(pipelineRun="agentrun-v01-ci-bbbbbbbbbbbb"))
    [bad] = [f for f in ct.records_lane_and_provenance(profile, other_run) if not f.ok]
    assert "agentrun-v01-ci-bbbbbbbbbbbb" in bad.found and "agentrun-v01-ci-aaaaaaaaaaaa" in bad.expected
    assert not all(oks(ct.records_lane_and_provenance(profile, edited(lambda d: d["services"][0].pop("toolchainInputs")))))


def test_ct02_finding_points_at_the_offending_service(profile):
    catalog = edited(lambda d: d["services"][1]["provenance"].pop("taskRun"), services=2)
    [bad] = [f for f in ct.records_lane_and_provenance(profile, catalog) if not f.ok]
    second = (catalog.text or "").splitlines().index('      "serviceId": "svc-1",') + 1
    assert "svc-1" in bad.subject and int(bad.where.rsplit(":", 1)[1]) > second


def test_ct03_image_ref():
    assert all(oks(ct.image_refs_well_formed(catalog_doc())))
    for ref in ({"commitId": "abc"}, {"dockerfilePath": "../x"}, {"dockerfilePath": "/root/agentrun-v01/Containerfile"},
                {"kind": "image"}, {"repoUrl": ""}):
        assert oks(ct.image_refs_well_formed(edited(lambda d: d["services"][0]["imageRef"].update(ref)))) == [False], ref


def test_ct04_tag(profile):
    assert all(oks(ct.tag_is_env_identity(profile, catalog_doc())))
    assert oks(ct.tag_is_env_identity(profile, edited(lambda d: d["services"][0]["image"].update(tag=SHA)))) == [False]
    assert oks(ct.tag_is_env_identity(profile, edited(lambda d: d["services"][0]["image"].update(tag="env-other")))) == [False]
    commit_id = edited(lambda d: (d["services"][0]["image"].update(tag="1234abcd"), d["services"][0].update(envIdentity="1234abcd")))
    assert oks(ct.tag_is_env_identity(profile, commit_id)) == [False], "a commit-shaped tag is never an envIdentity"
    other_repo = edited(lambda d: d["services"][0]["image"].update(repository="docker.io/agentrun/env"))
    assert oks(ct.tag_is_env_identity(profile, other_repo)) == [False]


def test_ct05_digests():
    assert all(oks(ct.digests_well_formed(catalog_doc())))
    assert oks(ct.digests_well_formed(edited(lambda d: d["services"][0]["image"].update(digest="sha256:12")))) == [False]
    assert oks(ct.digests_well_formed(edited(lambda d: d["services"][0]["image"].update(repositoryDigest="x@" + DIGEST)))) == [False]


def test_ct06_reuse_against_previous():
    previous = catalog_doc()
    assert all(oks(ct.reuse_is_consistent(catalog_doc(), previous)))
    other = "sha256:" + "e" * 64
    moved = edited(lambda d: d["services"][0]["image"].update(digest=other))
    [identity, reuse] = ct.reuse_is_consistent(moved, previous)
    assert identity.ok and not reuse.ok and reuse.found == repr(other) and DIGEST in reuse.expected
    assert oks(ct.reuse_is_consistent(catalog_doc(), None)) == [True, False], "a reuse with no previous catalog fails"
    built = edited(lambda d: d["services"][0].update(status="built"))
    assert oks(ct.reuse_is_consistent(built, None)) == [True], "a built entry needs no earlier digest"


def test_ct06_one_identity_one_digest():
    split = edited(lambda d: d["services"][1]["image"].update(digest="sha256:" + "e" * 64), services=2)
    assert oks(ct.reuse_is_consistent(split, catalog_doc()))[0] is False


def test_ct07_no_secret():
    assert all(oks(ct.holds_no_secret(catalog_doc())))
    [f] = ct.holds_no_secret(edited(lambda d: d["services"][0].update(token="abc")))
    assert not f.ok and "abc" not in f.found
    for key in ("password", "apiKey", "sshKey", "kubeconfig", "providerConfig"):
        [f] = ct.holds_no_secret(edited(lambda d: d["services"][0]["provenance"].update({key: "value-of-it"})))
        assert not f.ok and "value-of-it" not in f.found, key
    planted = "ghp_" + "Z" * 36
    [f] = ct.holds_no_secret(edited(lambda d: d["services"][0]["provenance"].update(note=planted)))
    assert not f.ok and planted not in f.found, "a token-shaped value fails under any key"
    [f] = ct.holds_no_secret(edited(lambda d: d["services"][0]["provenance"].update(token="")))
    assert f.ok, "an empty token field holds nothing"


def test_ct08_first_version():
    first = CommitInfo(SHA, ("d" * 40,), "ci", "ci@x", "ci@x", "init catalog", ())
    clean = ct.first_version_is_the_lanes_own(first, {"master": None, "v0.1": None}, ["agentrun_dev"], WHERE)
    assert all(oks(clean)) and len(clean) == 3 and clean[2].found == "the branch does not exist"
    carried = ct.first_version_is_the_lanes_own(first, {"master": "c" * 40, "v0.1": None}, [], WHERE)
    assert oks(carried) == [False, True] and "cccccccccccc" in carried[0].found and SHA[:12] in carried[0].where
    assert not any(oks(ct.first_version_is_the_lanes_own(None, {}, [], WHERE)))


def test_reg02_schema2_tag():
    tag = "env-0123456789abcdef"
    schema1 = "sha256:" + "1" * 64
    good = {tag: (ManifestAnswer("u", 200, DIGEST, "s2"), ManifestAnswer("u", 200, schema1, None))}
    assert all(oks(reg.tag_resolves_to_schema2_digest(catalog_doc(), good)))
    holds_schema1 = edited(lambda d: d["services"][0]["image"].update(digest=schema1))
    assert oks(reg.tag_resolves_to_schema2_digest(holds_schema1, good)) == [False, False]
    missing_tag = {tag: (ManifestAnswer("u", 404, None, "s2"), ManifestAnswer("u", 404, None, None))}
    assert oks(reg.tag_resolves_to_schema2_digest(catalog_doc(), missing_tag))[0] is False


def test_reg03_runtime_images():
    [f] = reg.runtime_images_in_catalog(catalog_doc(), {DIGEST: "Pod p"}, ["env-0123456789abcdef", "stray"])
    assert f.ok and f.evidence["registryTagsNotInCatalog"] == ["stray"], "registry-only tags are reported, not used"
    [f] = reg.runtime_images_in_catalog(catalog_doc(), {"sha256:" + "9" * 64: "Pod p"}, ["stray"])
    assert not f.ok and f.where == "Pod p"
    assert not any(oks(reg.runtime_images_in_catalog(catalog_doc(), {}, [])))
