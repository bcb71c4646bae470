"""CT-02..CT-08, REG-02, REG-03 on small hand-made catalogs: pass when conforming, fail
on each violation."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest
import yaml

from pytest_agentrun.checks import catalog as ct
from pytest_agentrun.checks import registry as reg
from pytest_agentrun.model.documents import Catalog
from pytest_agentrun.errors import EvidenceError
from pytest_agentrun.finding import UNDECIDED
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.model.commits import CommitInfo
from pytest_agentrun.model.images import ManifestAnswer
from test_checks_first import DIGEST, SHA, catalog_doc
from finding_lines import oks

WHERE = "v0.1-gitops@x:deploy/artifact-catalog.v01.json"


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


def edited(edit, services: int = 1) -> Catalog:
    """The conforming catalog with `services` copies of its entry (agentrun-mgr, svc-1,
    ...), then edit(data)."""
    data = json.loads(catalog_doc().text)
    for n in range(1, services):
        data["services"].append(dict(copy.deepcopy(data["services"][0]), serviceId=f"svc-{n}"))
    edit(data)
    return Catalog.parse(WHERE, json.dumps(data, indent=2))


def test_ct02_lane_and_provenance(profile):
    assert all(oks(ct.records_lane_and_provenance(profile, catalog_doc())))
    assert not all(
        oks(
            ct.records_lane_and_provenance(
                profile, edited(lambda d: d["services"][0]["provenance"].pop("taskRun"))
            )
        )
    )
    assert not all(
        oks(ct.records_lane_and_provenance(profile, edited(lambda d: d.update(lane="v0.2"))))
    )
    assert not all(
        oks(
            ct.records_lane_and_provenance(
                profile, edited(lambda d: d.update(sourceCommit=SHA[:12]))
            )
        )
    )
    other_run = edited(
        lambda d: d["services"][0]["provenance"].update(pipelineRun="agentrun-v01-ci-bbbbbbbbbbbb")
    )
    [bad] = [f for f in ct.records_lane_and_provenance(profile, other_run) if not f.ok]
    assert (
        "agentrun-v01-ci-bbbbbbbbbbbb" in bad.found
        and "agentrun-v01-ci-aaaaaaaaaaaa" in bad.expected
    )
    assert not all(
        oks(
            ct.records_lane_and_provenance(
                profile, edited(lambda d: d["services"][0].pop("toolchainInputs"))
            )
        )
    )


def test_ct02_finding_points_at_the_offending_service(profile):
    catalog = edited(lambda d: d["services"][1]["provenance"].pop("taskRun"), services=2)
    [bad] = [f for f in ct.records_lane_and_provenance(profile, catalog) if not f.ok]
    second = (catalog.text or "").splitlines().index('      "serviceId": "svc-1",') + 1
    assert "svc-1" in bad.subject and int(bad.where.rsplit(":", 1)[1]) > second


@pytest.mark.parametrize(
    "field, value, named",
    [
        (
            "image",
            "127.0.0.1:5000/agentrun/agentrun-mgr-env:env-0123456789abcdef",
            "image: a string '127.0.0.1:5000/agentrun/agentrun-mgr-env:env-0123456789abcdef', not "
            "an object",
        ),
        (
            "imageRef",
            ["env-image-dockerfile"],
            "imageRef: an array \"['env-image-dockerfile']\", not an object",
        ),
        ("status", 1, "status: a number '1', not a string"),
        ("toolchainInputs", {}, "toolchainInputs: empty (an object)"),
    ],
)
def test_ct02_a_field_of_another_shape_fails_naming_it(profile, field, value, named):
    """Issue 13: `image: "<string>"` is not the tag, digest and repository digest CT-02 asks for."""
    [bad] = [
        f
        for f in ct.records_lane_and_provenance(
            profile, edited(lambda d: d["services"][0].update({field: value}))
        )
        if not f.ok
    ]
    assert bad.subject == "service agentrun-mgr fields" and bad.found == named


def test_ct02_image_members_and_provenance_shapes(profile):
    no_digest = edited(lambda d: d["services"][0]["image"].pop("digest"))
    [bad] = [f for f in ct.records_lane_and_provenance(profile, no_digest) if not f.ok]
    assert bad.found == "image.digest: missing"
    stringly = edited(lambda d: d["services"][0].update(provenance="agentrun-v01-ci-aaaaaaaaaaaa"))
    bad = [f for f in ct.records_lane_and_provenance(profile, stringly) if not f.ok]
    assert [f.subject for f in bad] == [
        "service agentrun-mgr fields",
        "service agentrun-mgr provenance",
    ]


def test_ct02_services_of_another_shape(profile):
    junk = edited(lambda d: d["services"].append("agentrun-runner"))
    [bad] = [f for f in ct.records_lane_and_provenance(profile, junk) if not f.ok]
    assert bad.subject == "catalog services[1]" and bad.found == "a string 'agentrun-runner'"
    mapping = edited(lambda d: d.update(services={"agentrun-mgr": d["services"][0]}))
    bad = [f for f in ct.records_lane_and_provenance(profile, mapping) if not f.ok]
    assert [f.found for f in bad][0].startswith("an object") and bad[-1].found == "none"


def test_ct03_image_ref():
    assert all(oks(ct.image_refs_well_formed(catalog_doc())))
    for ref in (
        {"commitId": "abc"},
        {"dockerfilePath": "../x"},
        {"dockerfilePath": "/root/agentrun-v01/Containerfile"},
        {"kind": "image"},
        {"repoUrl": ""},
    ):
        assert oks(
            ct.image_refs_well_formed(edited(lambda d: d["services"][0]["imageRef"].update(ref)))
        ) == [False], ref


HISTORY = ["c" * 40, "1234abcd" + "e" * 32]  # commits of v0.1 besides the catalog's own


def test_ct04_tag(profile):
    assert all(oks(ct.tag_is_env_identity(profile, catalog_doc(), HISTORY)))
    assert oks(
        ct.tag_is_env_identity(
            profile, edited(lambda d: d["services"][0]["image"].update(tag=SHA)), HISTORY
        )
    ) == [False, False]
    assert oks(
        ct.tag_is_env_identity(
            profile, edited(lambda d: d["services"][0]["image"].update(tag="env-other")), HISTORY
        )
    ) == [False, True]
    other_repo = edited(
        lambda d: d["services"][0]["image"].update(repository="docker.io/agentrun/env")
    )
    assert oks(ct.tag_is_env_identity(profile, other_repo, HISTORY)) == [False, True]


def as_identity(value):
    return edited(
        lambda d: (
            d["services"][0]["image"].update(tag=value),
            d["services"][0].update(envIdentity=value),
        )
    )


@pytest.mark.parametrize(
    "digest",
    [
        hashlib.sha256(b"oven/bun:1.2.19-debian git bun.lock").hexdigest(),
        hashlib.sha256(b"oven/bun:1.2.19-debian git bun.lock").hexdigest()[:40],
        hashlib.sha1(b"oven/bun:1.2.19-debian git bun.lock").hexdigest(),
        hashlib.sha256(b"oven/bun:1.2.19-debian git bun.lock").hexdigest()[:12],
    ],
)
def test_ct04_a_hex_digest_of_the_inputs_is_no_commit_id(profile, digest):
    findings = ct.tag_is_env_identity(profile, as_identity(digest), HISTORY)
    assert all(oks(findings)) and findings[1].found == "names no commit"


@pytest.mark.parametrize(
    "tag, commit", [(SHA, SHA), (SHA[:12], SHA), ("1234abcd", HISTORY[1]), ("c" * 40, "c" * 40)]
)
def test_ct04_a_tag_spelling_an_actual_commit_fails(profile, tag, commit):
    shape, named = ct.tag_is_env_identity(profile, as_identity(tag), HISTORY)
    assert shape.ok and not named.ok and named.found == f"commit {commit}"


def test_ct04_boot_and_image_ref_commits_count(profile):
    boot = "d" * 40
    catalog = edited(
        lambda d: (
            d["services"][0].update(bootCommit=boot, envIdentity=boot[:9]),
            d["services"][0]["image"].update(tag=boot[:9]),
        )
    )
    assert oks(ct.tag_is_env_identity(profile, catalog, [])) == [True, False]


def test_ct04_commits_of_earlier_catalogs_count(profile):
    gone = "f" * 40  # an earlier catalog's source commit, no longer on v0.1 (a rewritten branch)
    older = edited(lambda d: d.update(sourceCommit=gone))
    findings = ct.tag_is_env_identity(
        profile, as_identity(gone[:10]), HISTORY, [older, Catalog.parse("v0", "{")]
    )
    assert [f.ok for f in findings] == [True, False] and findings[1].found == f"commit {gone}"


def test_ct04_without_the_source_history(profile):
    shape, named = ct.tag_is_env_identity(profile, catalog_doc(), None)
    assert shape.ok and named.status == UNDECIDED and "v0.1 could not be read" in named.found
    assert oks(ct.tag_is_env_identity(profile, as_identity(SHA[:7]), None)) == [True, False], (
        "the catalog's own commits still decide"
    )


def test_ct05_digests():
    assert all(oks(ct.digests_well_formed(catalog_doc())))
    assert oks(
        ct.digests_well_formed(
            edited(lambda d: d["services"][0]["image"].update(digest="sha256:12"))
        )
    ) == [False]
    assert oks(
        ct.digests_well_formed(
            edited(lambda d: d["services"][0]["image"].update(repositoryDigest="x@" + DIGEST))
        )
    ) == [False]


def test_ct06_reuse_against_previous():
    previous = catalog_doc()
    assert all(oks(ct.reuse_is_consistent(catalog_doc(), previous)))
    other = "sha256:" + "e" * 64
    moved = edited(lambda d: d["services"][0]["image"].update(digest=other))
    [identity, reuse] = ct.reuse_is_consistent(moved, previous)
    assert identity.ok and not reuse.ok and reuse.found == repr(other) and DIGEST in reuse.expected
    assert oks(ct.reuse_is_consistent(catalog_doc(), None)) == [True, False], (
        "a reuse with no previous catalog fails"
    )
    built = edited(lambda d: d["services"][0].update(status="built"))
    assert oks(ct.reuse_is_consistent(built, None)) == [True], (
        "a built entry needs no earlier digest"
    )


def test_ct06_one_identity_one_digest():
    split = edited(
        lambda d: d["services"][1]["image"].update(digest="sha256:" + "e" * 64), services=2
    )
    assert oks(ct.reuse_is_consistent(split, catalog_doc()))[0] is False


def test_ct07_no_secret():
    assert all(oks(ct.holds_no_secret(catalog_doc())))
    [f] = ct.holds_no_secret(edited(lambda d: d["services"][0].update(token="abc")))
    assert not f.ok and "abc" not in f.found
    for key in ("password", "apiKey", "sshKey", "kubeconfig", "providerConfig"):
        [f] = ct.holds_no_secret(
            edited(lambda d: d["services"][0]["provenance"].update({key: "value-of-it"}))
        )
        assert not f.ok and "value-of-it" not in f.found, key
    planted = "ghp_" + "Z" * 36
    [f] = ct.holds_no_secret(edited(lambda d: d["services"][0]["provenance"].update(note=planted)))
    assert not f.ok and planted not in f.found, "a token-shaped value fails under any key"
    [f] = ct.holds_no_secret(edited(lambda d: d["services"][0]["provenance"].update(token="")))
    assert f.ok, "an empty token field holds nothing"


def test_ct08_first_version():
    first = CommitInfo(SHA, ("d" * 40,), "ci", "ci@x", "ci@x", "init catalog", ())
    history = [SHA, "d" * 40]
    clean = ct.first_version_is_the_lanes_own(
        first, history, {"master": ["c" * 40], "v0.1": ["e" * 40], "agentrun_dev": None}, WHERE
    )
    assert all(oks(clean)) and len(clean) == 3 and clean[0].found == "the branch does not exist"
    carried = ct.first_version_is_the_lanes_own(
        first, history, {"master": ["c" * 40, "d" * 40], "v0.1": []}, WHERE
    )
    assert (
        oks(carried) == [False, True]
        and "dddddddddddd" in carried[0].found
        and SHA[:12] in carried[0].where
    )
    assert not any(oks(ct.first_version_is_the_lanes_own(None, [], {}, WHERE)))


def test_ct08_the_branches_judged_and_an_empty_message(profile):
    assert ct.carried_over_from(profile) == [
        "master",
        "agentrun_dev",
        "agentrun_prod",
        "agentrun-dev",
        "agentrun-prod",
        "v0.1",
    ]
    silent = CommitInfo(SHA, (), "ci", "ci@x", "ci@x", "", ())
    [f] = ct.first_version_is_the_lanes_own(silent, [SHA], {"master": [SHA]}, WHERE)
    assert not f.ok and f.where.startswith("commit aaaaaaaaaaaa ('')")


SCHEMA1 = "sha256:" + "1" * 64
TAG = "env-0123456789abcdef"


def test_reg02_schema2_tag():
    good = {TAG: (ManifestAnswer("u", 200, DIGEST, "s2"), ManifestAnswer("u", 200, SCHEMA1, None))}
    assert all(oks(reg.tag_resolves_to_schema2_digest(catalog_doc(), good)))
    missing_tag = {
        TAG: (ManifestAnswer("u", 404, None, "s2"), ManifestAnswer("u", 404, None, None))
    }
    assert oks(reg.tag_resolves_to_schema2_digest(catalog_doc(), missing_tag)) == [False]


def test_reg02_one_finding_per_tag_fails_on_its_own():
    """The schema1 half is decided by the same finding: the catalog holding the schema1 digest is a
    catalog digest the schema2 HEAD does not answer (the plain HEAD's answer is
    named as evidence)."""
    good = {TAG: (ManifestAnswer("u", 200, DIGEST, "s2"), ManifestAnswer("p", 200, SCHEMA1, None))}
    holds_schema1 = edited(lambda d: d["services"][0]["image"].update(digest=SCHEMA1))
    [bad] = reg.tag_resolves_to_schema2_digest(holds_schema1, good)
    assert (
        not bad.ok
        and "schema1 compatibility digest" in bad.found
        and bad.evidence["plainHead"]["digest"] == SCHEMA1
    )
    moved = {TAG: (ManifestAnswer("u", 200, "sha256:" + "2" * 64, "s2"), None)}
    [bad] = reg.tag_resolves_to_schema2_digest(catalog_doc(), moved)
    assert not bad.ok and "schema1" not in bad.found


def test_reg02_the_registry_facts_measured():
    """Debian's docker-registry 2.8 answers a plain HEAD by tag 400 (manifest invalid) unless
    schema1 compatibility is on (tests/reference/README.md): that answer decides nothing."""
    plain_400 = {
        TAG: (ManifestAnswer("u", 200, DIGEST, "s2"), ManifestAnswer("p", 400, None, None))
    }
    [f] = reg.tag_resolves_to_schema2_digest(catalog_doc(), plain_400)
    assert f.ok and f.evidence["plainHead"]["status"] == 400
    assert reg.catalog_tags(catalog_doc()) == [(REPO, TAG)]
    assert (
        reg.catalog_tags(edited(lambda d: d["services"][0].update(image="127.0.0.1:5000/x:tag")))
        == []
    )


# -- REG-03 ----------------------------------------------------------------------------------------

REFERENCE = Path(__file__).resolve().parent / "reference" / "upstream" / "kubernetes"
REPO = "127.0.0.1:5000/agentrun/agentrun-mgr-env"


def tags(*names):
    return reg.TagListing(REPO, names)


def refuse(repository):
    raise EvidenceError(
        "registry",
        "tags",
        "http://127.0.0.1:5000/v2/x/tags/list",
        "registry unreachable (connection refused)",
    )


def pod(name, image_id, image=f"{REPO}:env-0123456789abcdef", status=True):
    body = {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "agentrun-v01"},
        "spec": {"containers": [{"name": "mgr", "image": image}]},
    }
    if status:
        body["status"] = {"containerStatuses": [{"name": "mgr", "imageID": image_id}]}
    return body


def test_reg03_runtime_images():
    pods = [pod("p", f"{REPO}@{DIGEST}")]
    [f] = reg.runtime_images_in_catalog(catalog_doc(), pods, REPO, tags(TAG, "stray"))
    assert f.ok and f.evidence["registryTagsNotInCatalog"] == ["stray"], (
        "registry-only tags are reported, not used"
    )
    [f] = reg.runtime_images_in_catalog(
        catalog_doc(), [pod("p", f"{REPO}@sha256:{'9' * 64}")], REPO, tags("stray")
    )
    assert not f.ok and f.where == "Pod agentrun-v01/p container mgr"
    [nothing] = reg.runtime_images_in_catalog(catalog_doc(), [], REPO, tags())
    assert nothing.status == UNDECIDED and "nothing to judge" in nothing.found


def test_reg03_leaves_a_pod_being_deleted_out_but_judges_the_others():
    """A release's old Pod stops for its grace period still reporting the previous digest (seen
    on the sandbox's real control plane after a new image rolled out): not the runtime any more."""
    leaving = pod("old", f"{REPO}@sha256:{'9' * 64}")
    leaving["metadata"]["deletionTimestamp"] = "2026-12-06T19:00:00Z"
    [f] = reg.runtime_images_in_catalog(
        catalog_doc(), [pod("p", f"{REPO}@{DIGEST}"), leaving], REPO, tags(TAG)
    )
    assert f.ok and f.where == "Pod agentrun-v01/p container mgr"
    staying = pod("old", f"{REPO}@sha256:{'9' * 64}")
    assert [
        x.ok for x in reg.runtime_images_in_catalog(catalog_doc(), [staying], REPO, tags(TAG))
    ] == [False]


def test_reg03_a_silent_registry_leaves_its_report_undecided():
    down = reg.read_tags(refuse, REPO)
    assert down.tags is None and down.problem == "registry unreachable (connection refused)"
    pods, stray = [pod("p", f"{REPO}@{DIGEST}")], [pod("q", f"{REPO}@sha256:{'9' * 64}")]
    judged, silent = reg.runtime_images_in_catalog(catalog_doc(), pods, REPO, down)
    assert judged.ok and silent.status == UNDECIDED and "connection refused" in silent.found
    assert [f.status for f in reg.runtime_images_in_catalog(catalog_doc(), stray, REPO, down)] == [
        "fail",
        UNDECIDED,
    ]
    assert reg.read_tags(lambda repository: ["b", "a"], REPO) == reg.TagListing(REPO, ("b", "a"))


def test_reg03_pods_without_status_cannot_be_decided():
    """Issue 13: with no containerStatuses the Pods are not judged from the GitOps
    manifests instead."""
    findings = reg.runtime_images_in_catalog(
        catalog_doc(), [pod("p", "", status=False), pod("q", f"{REPO}@{DIGEST}")], REPO, tags()
    )
    assert [(f.status, f.where) for f in findings] == [
        ("pass", "Pod agentrun-v01/q container mgr"),
        (UNDECIDED, "Pod agentrun-v01/p container mgr"),
    ]
    [pulling] = reg.runtime_images_in_catalog(catalog_doc(), [pod("p", "")], REPO, tags())
    assert pulling.status == UNDECIDED


def test_reg03_image_id_shapes():
    assert reg.image_digest(f"docker-pullable://{REPO}@{DIGEST}", REPO) == DIGEST
    assert reg.image_digest(f"localhost:5000/agentrun/agentrun-mgr-env@{DIGEST}", REPO) == DIGEST
    assert reg.image_digest(f"{REPO}-debug@{DIGEST}", REPO) is None, (
        "another repository that merely starts alike"
    )
    assert reg.image_digest(DIGEST, REPO) is None and reg.image_digest("", REPO) is None


@pytest.mark.parametrize(
    "name",
    [
        "pod-containerd-imageid.yaml",
        "pod-crashloop.yaml",
        "pod-error.yaml",
        "pod-imagepullbackoff.yaml",
        "pod-running-not-ready.yaml",
    ],
)
def test_reg03_real_pods_run_no_lane_env_image(name):
    real = yaml.safe_load((REFERENCE / name).read_text())
    used, unread = reg.runtime_env_images([real], REPO)
    assert used == {} and unread == [], "none of them runs the lane's env repository"
    image_ids = [s.get("imageID", "") for s in real["status"].get("containerStatuses") or []]
    foreign = {
        reg.image_digest(i, i.split("://", 1)[-1].rpartition("@")[0]) for i in image_ids if "@" in i
    }
    assert all(d and d.startswith("sha256:") for d in foreign), (
        f"the real imageID forms parse: {image_ids}"
    )
