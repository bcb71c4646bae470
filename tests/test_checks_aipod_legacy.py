"""Aipod env reuse (AP-01..03) and legacy/truth-order (LG-01, LG-02) checks on
hand-made evidence."""

from __future__ import annotations

import json

import pytest

from pytest_agentrun.checks import aipod, legacy
from pytest_agentrun.catalogue.criteria import catalogue
from pytest_agentrun.model.documents import Catalog
from pytest_agentrun.model.forbidden import Examined, ForbiddenTargets
from pytest_agentrun.finding import UNDECIDED
from pytest_agentrun.lane import LaneConfig, LaneProfile, RunnerSelectors
from finding_lines import oks

SHA = "a" * 40
DIGEST = "sha256:" + "b" * 64
REPO = "127.0.0.1:5000/agentrun/agentrun-mgr-env"
PINNED = f"{REPO}@{DIGEST}"
NS = "agentrun-v01"
SELECTORS = LaneProfile.load("v0.1").runner_selectors


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


def catalog(**entry_overrides) -> Catalog:
    entry = {
        "serviceId": "agentrun-runner",
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
            "repositoryDigest": PINNED,
        },
        "bootCommit": SHA,
        "toolchainInputs": {"files": {"deploy/runtime/boot/agentrun-boot.sh": "c" * 64}},
        "status": "reused",
        "provenance": {
            "pipelineRun": "agentrun-v01-ci-aaaaaaaaaaaa",
            "taskRun": "agentrun-v01-ci-aaaaaaaaaaaa-image-publish",
        },
    }
    entry.update(entry_overrides)
    data = {"lane": "v0.1", "sourceCommit": SHA, "services": [entry]}
    return Catalog.parse(
        "v0.1-gitops@x:deploy/artifact-catalog.v01.json", json.dumps(data, indent=2)
    )


def job(
    name="agentrun-runner-task-1",
    image=PINNED,
    command=("/opt/agentrun/boot/agentrun-boot.sh", "runner"),
    **meta,
):
    return {
        "kind": "Job",
        "metadata": {"name": name, "namespace": NS, **meta},
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "runner", "image": image, "command": list(command)}]
                }
            }
        },
    }


def pod(
    name,
    image=PINNED,
    labels=None,
    owner=None,
    command=("/opt/agentrun/boot/agentrun-boot.sh", "runner"),
):
    meta = {"name": name, "namespace": NS, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner, "name": "x"}]
    return {
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [{"name": "c", "image": image, "command": list(command)}]},
    }


def test_runner_workloads_are_jobs_their_pods_and_aipods():
    manager_pod = pod("agentrun-mgr-abc", owner="ReplicaSet")
    runner_pod = pod("agentrun-runner-task-1-xyz", owner="Job")
    aipod_pod = pod("aipod-1", labels={"agentrun.io/component": "aipod"})
    manager = {"kind": "Deployment", "metadata": {"name": "agentrun-mgr", "labels": {}}}
    aipod_deploy = {
        "kind": "Deployment",
        "metadata": {"name": "aipods", "labels": {"agentrun.io/component": "aipod"}},
    }
    chosen = aipod.runner_workloads(
        SELECTORS, [job()], [manager_pod, runner_pod, aipod_pod], [manager, aipod_deploy]
    )
    assert [o["metadata"]["name"] for o in chosen] == [
        "agentrun-runner-task-1",
        "agentrun-runner-task-1-xyz",
        "aipod-1",
        "aipods",
    ]


def test_runner_selectors_are_lane_data(profile):
    """The spec names no label for runner Jobs or Aipods: the lane profile says which
    objects they are."""
    assert profile.runner_selectors == RunnerSelectors(("Job",), {"agentrun.io/component": "aipod"})
    other = RunnerSelectors(("Job", "CronJob"), {"example.org/role": "agent"})
    cron_pod = pod("nightly-1-abc", owner="CronJob")
    agent = pod("agent-1", labels={"example.org/role": "agent"})
    labelled = pod("aipod-1", labels={"agentrun.io/component": "aipod"})
    chosen = aipod.runner_workloads(other, [], [cron_pod, agent, labelled], [])
    assert [o["metadata"]["name"] for o in chosen] == ["nightly-1-abc", "agent-1"]
    assert not RunnerSelectors(("Job",), {}).is_aipod(labelled), "no labels select nothing"


def test_ap01_catalog_digest_passes_tags_and_foreign_digests_fail():
    assert all(oks(aipod.env_images_from_catalog([job()], catalog(), NS)))
    latest, foreign, tagged = (
        job(image=f"{REPO}:latest"),
        job(image=f"{REPO}@sha256:{'c' * 64}"),
        job(image="busybox:1.36"),
    )
    findings = aipod.env_images_from_catalog([latest, foreign, tagged], catalog(), NS)
    assert not any(oks(findings))
    assert (
        findings[0].found == f"'{REPO}:latest'"
        and findings[0].where == f"Job {NS}/agentrun-runner-task-1"
    )


def test_ap01_ap02_with_nothing_to_judge_cannot_be_decided():
    """Issue 10 item 12: no runner Job or Aipod workload is no pass: neither text has a
    case in which it does not apply, so "nothing to judge" shows as cannot be decided,
    naming the selectors."""
    [none] = aipod.env_images_from_catalog([], catalog(), NS, SELECTORS)
    assert (
        none.status == UNDECIDED
        and "nothing to judge" in none.found
        and "agentrun.io/component=aipod" in none.found
    )
    [none] = aipod.no_runtime_install([], NS, SELECTORS)
    assert none.status == UNDECIDED and none.where == f"Namespace {NS}"


@pytest.mark.parametrize(
    "command, installs",
    [
        (["sh", "-c", "bun install && /opt/agentrun/boot/agentrun-boot.sh runner"], "bun install"),
        (["bash", "-c", "apt-get update && apt-get install -y git"], "apt-get update"),
        (["sh", "-c", "apk add --no-cache git"], "apk add"),
        (["sh", "-c", "npm i -g @openai/codex"], "npm i"),
        (["sh", "-c", "apt-get -y install git"], "apt-get -y install"),
    ],
)
def test_ap02_runtime_installs_fail(command, installs):
    [f] = aipod.no_runtime_install([job(command=command)], NS)
    assert not f.ok and repr(installs) in f.found


def test_ap02_boot_commands_pass():
    assert all(
        oks(aipod.no_runtime_install([job(), job(command=["bun", "src/index.ts", "runner"])], NS))
    )


def test_ap03_status_and_credentials():
    assert all(oks(aipod.catalog_image_refs_reusable(catalog())))
    status, secrets = aipod.catalog_image_refs_reusable(catalog(status="unknown"))
    assert (
        not status.ok
        and status.found == "'unknown'"
        and status.where.startswith("v0.1-gitops@x:deploy/artifact-catalog.v01.json:")
    )
    assert secrets.ok
    leaky = catalog(
        imageRef={
            "kind": "env-image-dockerfile",
            "secretRef": "agentrun-v01-provider-codex",
            "sshKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
        }
    )
    status, secrets = aipod.catalog_image_refs_reusable(leaky)
    assert status.ok and not secrets.ok
    assert (
        "$.imageRef.secretRef" in secrets.found
        and "$.imageRef.sshKey" in secrets.found
        and "BEGIN" not in secrets.found
    )
    assert oks(
        aipod.catalog_image_refs_reusable(Catalog.parse("w", json.dumps({"services": []})))
    ) == [False]


# -- LG-01 -----------------------------------------------------------------------------------------


def test_lg01_lane_values_pass_and_legacy_values_fail(profile):
    targets = ForbiddenTargets.of(profile)
    app = {
        "source": {"targetRevision": "v0.1-gitops", "path": "deploy/gitops/g14/runtime-v01"},
        "destination": {"namespace": NS},
    }
    run = {
        "params": [{"name": "revision", "value": SHA}, {"name": "source-branch", "value": "v0.1"}]
    }
    assert all(
        oks(
            legacy.nothing_points_at_legacy(
                targets,
                [
                    Examined("Application spec", "Application a", app),
                    Examined("PipelineRun spec", "PipelineRun r", run),
                ],
            )
        )
    )
    run["params"].append({"name": "deploy-namespace", "value": "agentrun_prod"})
    app["source"]["targetRevision"] = "master"
    findings = legacy.nothing_points_at_legacy(
        targets,
        [
            Examined("Application spec", "Application a", app),
            Examined("PipelineRun spec", "PipelineRun r", run),
            Examined("deploy.json", "v0.1@x:deploy/deploy.json", None),
        ],
    )
    assert [(f.subject, f.ok) for f in findings] == [
        ("Application spec $.source.targetRevision", False),
        ("PipelineRun spec $.params[2].value", False),
        ("deploy.json", False),
    ]
    assert "namespace agentrun_prod" in findings[1].found and findings[1].where == "PipelineRun r"


# -- LG-02 -----------------------------------------------------------------------------------------

ORDER = {cid: c.order for cid, c in catalogue().items()}


def test_lg02_items_in_truth_order_pass():
    items = [
        ("t::rt01", ["RT-01"]),
        ("t::ar02", ["AR-02"]),
        ("t::helper", []),
        ("t::src01", ["SRC-01"]),
        ("t::lg02", ["LG-02"]),
    ]
    [f] = legacy.verdict_in_truth_order(items, ORDER)
    assert f.ok and "RT-01 ... LG-02" in f.found


def test_lg02_a_misordered_item_list_fails():
    items = [
        ("t::rt01", ["RT-01"]),
        ("t::src01", ["SRC-01"]),
        ("t::ar02", ["AR-02"]),
        ("t::go01", ["GO-01"]),
    ]
    bad = legacy.verdict_in_truth_order(items, ORDER)
    assert [(f.ok, f.where) for f in bad] == [(False, "t::ar02"), (False, "t::go01")]
    assert bad[0].found == "runs after t::src01"


def test_lg02_a_lane_config_pointing_at_the_legacy_checkout_fails(profile, tmp_path):
    config = tmp_path / "lane.yaml"
    config.write_text(
        "lane: v0.1\nkubernetes: {kubeconfig: kubeconfig}\nsource: {worktree: /root/agentrun}\n"
    )
    lane_config = LaneConfig.load(profile, config, tmp_path / "cache")
    findings = legacy.lane_reads_no_legacy_source(
        ForbiddenTargets.of(profile), lane_config.describe()
    )
    [bad] = [f for f in findings if not f.ok]
    assert bad.subject == "evidence source worktree" and "legacy path /root/agentrun" in bad.found
    default = LaneConfig.load(
        profile, None, tmp_path / "cache"
    )  # the profile's own worktree /root/agentrun-v01
    assert all(
        oks(legacy.lane_reads_no_legacy_source(ForbiddenTargets.of(profile), default.describe()))
    )


LG02_SUITE = """
import pytest
from pytest_agentrun.checks import legacy
from pytest_agentrun.catalogue.criteria import catalogue
from pytest_agentrun.verdict.outcome import criteria_of


@pytest.mark.criterion("SRC-01")
def test_src01():
    assert False, "a clean-source failure, so that --ff runs it first next time"


@pytest.mark.criterion("RT-01")
def test_rt01():
    pass


@pytest.mark.criterion("LG-02")
def test_lg02(request, verdict):
    items = [(item.nodeid, criteria_of(item)) for item in request.session.items]
    verdict(legacy.verdict_in_truth_order(items, {cid: c.order for cid, c in catalogue().items()}))
"""


def test_lg02_ordering_fails_alone_when_a_plugin_reorders_after_the_sort(pytester, conforming_lane):
    """Issue 10 item 13: the plugin sorts the items into truth order, but pytest's own --ff/--nf
    (the cache provider's modifyitems wrapper) reorders them after that sort; the reports then list
    findings out of truth order, and LG-02's ordering finding is what says so, on its own."""
    pytester.makepyfile(test_lg02_suite=LG02_SUITE)
    args = [
        "--lane",
        "v0.1",
        "--lane-config",
        str(conforming_lane.lane_config),
        "-p",
        "no:randomly",
    ]
    first = pytester.runpytest(*args)
    first.assert_outcomes(passed=2, failed=1)  # sorted: RT-01, SRC-01, LG-02
    again = pytester.runpytest(*args, "--ff")
    again.assert_outcomes(passed=1, failed=2)  # --ff: SRC-01 first, then RT-01: out of truth order
    again.stdout.fnmatch_lines(["*LG-02 test of RT-01*", "*runs after*test_src01*"])
