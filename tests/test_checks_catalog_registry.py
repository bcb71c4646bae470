"""CT-02..CT-08, REG-02, REG-03 on small hand-made catalogs: pass when conforming, fail on each violation."""

from __future__ import annotations

import json

import pytest

from pytest_agentrun.checks import catalog as ct
from pytest_agentrun.checks import registry as reg
from pytest_agentrun.documents import Catalog
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.readers.git import CommitInfo
from pytest_agentrun.readers.registry import ManifestAnswer
from test_checks_first import DIGEST, REPO, SHA, catalog_doc


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


def edited(edit) -> Catalog:
    data = json.loads(catalog_doc().text)
    edit(data)
    return Catalog.parse("v0.1-gitops@x:deploy/artifact-catalog.v01.json", json.dumps(data, indent=2))


def oks(findings):
    assert findings
    return [f.ok for f in findings]


def test_ct02_lane_and_provenance(profile):
    assert all(oks(ct.records_lane_and_provenance(profile, catalog_doc())))
    assert not all(oks(ct.records_lane_and_provenance(profile, edited(lambda d: d["services"][0]["provenance"].pop("taskRun")))))
    assert not all(oks(ct.records_lane_and_provenance(profile, edited(lambda d: d.update(lane="v0.2")))))


def test_ct03_image_ref():
    assert all(oks(ct.image_refs_well_formed(catalog_doc())))
    assert oks(ct.image_refs_well_formed(edited(lambda d: d["services"][0]["imageRef"].update(commitId="abc")))) == [False]
    assert oks(ct.image_refs_well_formed(edited(lambda d: d["services"][0]["imageRef"].update(dockerfilePath="../x")))) == [False]


def test_ct04_tag(profile):
    assert all(oks(ct.tag_is_env_identity(profile, catalog_doc())))
    assert oks(ct.tag_is_env_identity(profile, edited(lambda d: d["services"][0]["image"].update(tag=SHA)))) == [False]


def test_ct05_digests():
    assert all(oks(ct.digests_well_formed(catalog_doc())))
    assert oks(ct.digests_well_formed(edited(lambda d: d["services"][0]["image"].update(digest="sha256:12")))) == [False]


def test_ct06_reuse_against_previous():
    previous = catalog_doc()
    assert all(oks(ct.reuse_is_consistent(catalog_doc(), previous)))
    other = "sha256:" + "e" * 64
    moved = edited(lambda d: d["services"][0]["image"].update(digest=other))
    assert oks(ct.reuse_is_consistent(moved, previous)) == [True, False]
    assert oks(ct.reuse_is_consistent(catalog_doc(), None)) == [True, False], "a reuse with no previous catalog fails"


def test_ct07_no_secret():
    assert all(oks(ct.holds_no_secret(catalog_doc())))
    [f] = ct.holds_no_secret(edited(lambda d: d["services"][0].update(token="abc")))
    assert not f.ok and "abc" not in f.found


def test_ct08_first_version():
    first = CommitInfo(SHA, ("d" * 40,), "ci", "ci@x", "ci@x", "init catalog", ())
    assert all(oks(ct.first_version_is_the_lanes_own(first, {"master": False, "v0.1": False}, "w")))
    assert oks(ct.first_version_is_the_lanes_own(first, {"master": True, "v0.1": False}, "w")) == [False, True]
    assert not any(oks(ct.first_version_is_the_lanes_own(None, {}, "w")))


def test_reg02_schema2_tag():
    tag = "env-0123456789abcdef"
    good = {tag: (ManifestAnswer("u", 200, DIGEST, "s2"), ManifestAnswer("u", 200, "sha256:" + "1" * 64, None))}
    assert all(oks(reg.tag_resolves_to_schema2_digest(catalog_doc(), good)))
    schema1 = "sha256:" + "1" * 64
    holds_schema1 = edited(lambda d: d["services"][0]["image"].update(digest=schema1))
    assert oks(reg.tag_resolves_to_schema2_digest(holds_schema1, good)) == [False, False]


def test_reg03_runtime_images():
    assert all(oks(reg.runtime_images_in_catalog(catalog_doc(), {DIGEST: "Pod p"}, ["env-0123456789abcdef", "stray"])))
    [f] = reg.runtime_images_in_catalog(catalog_doc(), {"sha256:" + "9" * 64: "Pod p"}, [])
    assert not f.ok and f.where == "Pod p"
    assert not any(oks(reg.runtime_images_in_catalog(catalog_doc(), {}, [])))
