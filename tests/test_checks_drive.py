"""The drive checks (DR-02..DR-04) on real evidence: the conforming sandbox's latest release (a
doc-only release that reused the env image, as a drive of a business-only change leaves it), then
each violation applied to a copy of that evidence. Nothing here changes the lane."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from pytest_agentrun.checks import drive
from pytest_agentrun.model.documents import Catalog
from pytest_agentrun.model.mirror import BranchMove
from pytest_agentrun.drive.mirror_sync import live_heads
from pytest_agentrun.model.run_state import observe
from pytest_agentrun.model.envidentity import InputChanges, classify_release
from pytest_agentrun.lane import LaneConfig, LaneProfile
from pytest_agentrun.readers.session import LaneSession

PROFILE = LaneProfile.load("v0.1")


@pytest.fixture(scope="module")
def evidence(conforming_lane, tmp_path_factory):
    config = LaneConfig.load(PROFILE, conforming_lane.lane_config, tmp_path_factory.mktemp("cache"))
    session = LaneSession(config)
    catalog, previous = session.gitops.catalog, session.gitops.previous_catalog()
    revision = catalog.source_commit()
    name = PROFILE.pipeline_run_name(revision)
    run = session.tekton.pipeline_run(name)
    data = {
        "revision": revision,
        "name": name,
        "run": run,
        "heads": live_heads(config),
        "catalog": catalog,
        "previous": previous,
        "app": session.argo.application(),
        "pods": session.cluster.application_pods(),
        "task_runs": session.tekton.task_runs(name),
        "changes": classify_release(
            PROFILE,
            session.source.changed_files(previous.source_commit(), revision),
            previous,
            catalog,
        ),
    }
    session.close()
    return data


def failures(findings) -> list[str]:
    return [f"{f.subject}: {f.found}" for f in findings if not f.ok]


# -- DR-02 -----------------------------------------------------------------------------------------


def dr02(e, *, trigger=None, run=None, runs=None, outcome=None, failure=None, heads=None):
    trigger = {"name": e["name"], "revision": e["revision"]} if trigger is None else trigger
    outcome = outcome or {
        "succeeded": True,
        "planSummary": "build=0 reuse=1 unsafeReuse=0",
        "results": {},
    }
    return drive.pipeline_run_for_current(
        PROFILE,
        heads or e["heads"],
        trigger,
        run if run is not None else e["run"],
        runs if runs is not None else [e["name"]],
        outcome,
        failure,
    )


def test_dr02_passes_the_lanes_run_of_the_current_head(evidence):
    assert failures(dr02(evidence)) == []


def test_dr02_fails_a_run_without_host_network(evidence):
    run = copy.deepcopy(evidence["run"])
    run["spec"]["taskRunTemplate"]["podTemplate"]["hostNetwork"] = False
    assert failures(dr02(evidence, run=run)) == [
        "Pipeline, ServiceAccount and podTemplate: agentrun-v01-ci-image-publish, "
        "agentrun-v01-tekton-runner, hostNetwork False, dnsPolicy ClusterFirstWithHostNet"
    ]


def test_dr02_fails_a_duplicated_run_and_a_stale_revision(evidence):
    twice = failures(dr02(evidence, runs=[evidence["name"], evidence["name"] + "-2"]))
    assert len(twice) == 1 and "PipelineRuns of" in twice[0]
    stale = failures(dr02(evidence, heads={**evidence["heads"], "githubV01": "f" * 40}))
    assert len(stale) == 1 and stale[0].startswith("the triggered commit")


def test_dr02_fails_a_failed_run_and_a_trigger_that_did_nothing(evidence):
    failed = failures(
        dr02(evidence, outcome={"succeeded": False, "reason": "Failed", "message": "check failed"})
    )
    assert failed == ["the run's outcome: Failed: check failed"]
    nothing = failures(dr02(evidence, trigger={}, failure="registry unreachable"))
    assert nothing == ["trigger-current: nothing triggered: registry unreachable"]


# -- DR-03 -----------------------------------------------------------------------------------------


def dr03(e, *, app=None, pods=None, failure=None, heads=None):
    return drive.promotion_landed(
        PROFILE,
        e["revision"],
        heads or e["heads"],
        e["catalog"],
        app if app is not None else e["app"],
        e["pods"] if pods is None else pods,
        failure,
    )


def test_dr03_passes_a_release_synced_and_live(evidence):
    assert failures(dr03(evidence)) == []


def test_dr03_reads_the_lane_sources_revision_of_a_multi_source_application(evidence):
    """Argo CD keeps a multi-source Application's synced revisions index for index with spec.sources
    and leaves status.sync.revision out: the lane's source may stand second (the argocd3 world)."""
    app = copy.deepcopy(evidence["app"])
    lane = app["spec"].pop("source")
    values = {
        "repoURL": "http://git.example.invalid/values.git",
        "targetRevision": "main",
        "ref": "values",
    }
    app["spec"]["sources"] = [values, lane]
    synced = app["status"]["sync"].pop("revision")
    app["status"]["sync"]["revisions"] = ["a" * 40, synced]
    assert failures(dr03(evidence, app=app)) == []
    app["status"]["sync"]["revisions"] = [synced, "b" * 40]  # the ref source's place holds the head
    assert [f.split(":")[0] for f in failures(dr03(evidence, app=app))] == ["Argo CD"]


def test_dr03_fails_out_of_sync_unflushed_and_old_pods(evidence):
    app = copy.deepcopy(evidence["app"])
    app["status"]["sync"]["status"] = "OutOfSync"
    assert [f.split(":")[0] for f in failures(dr03(evidence, app=app))] == ["Argo CD"]
    unflushed = failures(dr03(evidence, heads={**evidence["heads"], "githubGitops": "e" * 40}))
    assert len(unflushed) == 1 and "v0.1-gitops flushed" in unflushed[0]
    pods = copy.deepcopy(evidence["pods"])
    for pod in pods:
        for container in pod["spec"]["containers"]:
            for env in container.get("env") or []:
                if env["name"] == "AGENTRUN_BOOT_COMMIT":
                    env["value"] = "d" * 40
    stale = failures(dr03(evidence, pods=pods))
    assert stale and all(f"boots {'d' * 40}, not {evidence['revision']}" in f for f in stale)
    assert failures(dr03(evidence, pods=[])) == ["runtime pods: no pod of the Application"]


def test_dr03_fails_pods_on_another_digest_or_a_catalog_without_one(evidence):
    pods = copy.deepcopy(evidence["pods"])
    for pod in pods:
        for status in pod["status"]["containerStatuses"]:
            status["imageID"] = status["imageID"].rpartition("@")[0] + "@sha256:" + "0" * 64
    moved = failures(dr03(evidence, pods=pods))
    assert moved and all("sha256:" + "0" * 64 + ", not sha256:" in f for f in moved)
    data = copy.deepcopy(evidence["catalog"].data)
    for entry in data["services"]:
        entry["image"].pop("digest")
    no_digest = Catalog.parse(evidence["catalog"].where, json.dumps(data))
    blind = drive.promotion_landed(
        PROFILE,
        evidence["revision"],
        evidence["heads"],
        no_digest,
        evidence["app"],
        evidence["pods"],
        None,
    )
    assert [f for f in failures(blind) if "the catalog gives no digest to compare with" in f]


def test_dr03_reports_the_promotion_failure(evidence):
    assert failures(dr03(evidence, failure="phase argocd: SyncError")) == [
        "promotion: phase argocd: SyncError"
    ]


# -- DR-04 -----------------------------------------------------------------------------------------


def dr04(e, *, changes=None, previous=None, task_runs=None, new_tags=(), pods=None):
    return drive.business_change_reused(
        PROFILE,
        e["revision"],
        e["changes"] if changes is None else changes,
        e["previous"] if previous is None else previous,
        e["catalog"],
        e["task_runs"] if task_runs is None else task_runs,
        list(new_tags),
        e["pods"] if pods is None else pods,
    )


def test_dr04_passes_the_doc_only_release_that_reused(evidence):
    assert not evidence["changes"].changed
    assert failures(dr04(evidence)) == []


def test_dr04_fails_a_new_tag_and_a_plan_that_built(evidence):
    tagged = failures(dr04(evidence, new_tags=["env-0123456789abcdef"]))
    assert len(tagged) == 1 and "env-0123456789abcdef" in tagged[0]
    task_runs = copy.deepcopy(evidence["task_runs"])
    for run in task_runs:
        for result in run["status"].get("results") or []:
            if result["name"] == "planArtifacts":
                result["value"]["summary"] = "build=1 reuse=0 unsafeReuse=0"
    assert failures(dr04(evidence, task_runs=task_runs)) == [
        "plan: 'build=1 reuse=0 unsafeReuse=0'"
    ]


def test_dr04_refuses_to_judge_an_env_input_change_or_a_first_release(evidence):
    changed = InputChanges(("bun.lock",), (), ("src/index.ts",))
    refused = failures(dr04(evidence, changes=changed))
    assert (
        len(refused) == 1
        and "cannot be decided on this change" in refused[0]
        and "bun.lock" in refused[0]
    )
    first = drive.business_change_reused(
        PROFILE,
        evidence["revision"],
        None,
        None,
        evidence["catalog"],
        evidence["task_runs"],
        [],
        evidence["pods"],
    )
    assert failures(first) == [
        "the driven change: cannot be decided: the GitOps branch holds no earlier catalog"
    ]


def test_dr04_reads_an_unusable_catalog_as_a_failure(evidence):
    broken = Catalog.parse("v0.1-gitops@0000:deploy/artifact-catalog.v01.json", "{ not json")
    found = drive.business_change_reused(
        PROFILE,
        evidence["revision"],
        evidence["changes"],
        evidence["previous"],
        broken,
        evidence["task_runs"],
        [],
        evidence["pods"],
    )
    assert any(not f.ok and f.subject == "env image tags" for f in found)


# -- results read as every criterion reads them; DR-02's duplicates (issue 10 items 1, 15) ---------


def echoed(task_runs):
    """The TaskRuns as a Task that `echo`es its results leaves them (Tekton keeps the newline)."""
    task_runs = copy.deepcopy(task_runs)
    for run in task_runs:
        for result in run["status"].get("results") or []:
            value = result["value"]
            result["value"] = (
                {k: v + "\n" for k, v in value.items()} if isinstance(value, dict) else value + "\n"
            )
    return task_runs


def test_dr04_judges_echoed_results_as_printed_ones(evidence):
    assert failures(dr04(evidence, task_runs=echoed(evidence["task_runs"]))) == []


def test_the_drive_outcome_reads_results_without_the_trailing_newline(evidence):
    run = copy.deepcopy(evidence["run"])
    run["status"]["results"] = [
        {"name": "planSummary", "type": "string", "value": "build=0 reuse=1 unsafeReuse=0\n"}
    ]
    outcome = observe(run, echoed(evidence["task_runs"]), 1.0)
    assert outcome.plan_summary == "build=0 reuse=1 unsafeReuse=0"
    assert all(not str(v).endswith("\n") for t in outcome.tasks for v in t.results.values())
    run["status"]["results"] = [{"name": "planSummary", "type": "string", "value": "\n"}]
    blank = observe(run, [], 1.0).as_dict()
    assert failures(dr02(evidence, outcome=blank))[0].startswith("the run's outcome"), (
        "an echoed nothing is no summary"
    )


def test_dr02_runs_of_the_revision(evidence):
    run = evidence["run"]
    other = copy.deepcopy(run)
    other["metadata"]["name"] = evidence["name"] + "-retry"
    unrelated = {
        "metadata": {"name": "x"},
        "spec": {"params": [{"name": "source-commit", "value": evidence["revision"]}]},
    }
    bare = {"metadata": {"name": "y"}, "spec": {"params": None}}
    runs = [run, other, unrelated, bare]
    assert drive.runs_of_revision(runs, evidence["revision"]) == [
        evidence["name"],
        evidence["name"] + "-retry",
    ]
    assert drive.runs_of_revision(runs, None) == []
    assert (
        len(failures(dr02(evidence, runs=drive.runs_of_revision(runs, evidence["revision"])))) == 1
    )


def test_the_drive_outcome_of_real_tekton_runs():
    """The upstream v1 runs as trigger-current's wait reads them (DR-02): childReferences
    name the TaskRuns."""
    reference = Path(__file__).resolve().parent / "reference" / "upstream" / "tekton"
    run = json.loads((reference / "chains-pipelinerun-childrefs.json").read_text())
    task_runs = [
        json.loads((reference / name).read_text())
        for name in ("chains-taskrun2.json", "chains-taskrun1.json")
    ]
    outcome = observe(run, task_runs, 1.0)
    assert outcome.succeeded is True and outcome.reason == "Succeeded"
    assert [(t.pipelineTask, t.taskRun, t.status) for t in outcome.tasks] == [
        ("git-clone", "git-clone", "Succeeded"),
        ("build", "taskrun-build", "Succeeded"),
    ]
    assert outcome.results["IMAGE_URL"] == "test.io/test/image" and outcome.plan_summary is None
    failed = yaml.safe_load((reference / "reconciler-failed-pr-with-task-results.yaml").read_text())
    assert observe(failed, [], 1.0).succeeded is False and observe(failed, [], 1.0).results == {
        "result": "aResultValue"
    }


# -- DR-01 -----------------------------------------------------------------------------------------


def _move(branch: str, after: str) -> BranchMove:
    return BranchMove(
        branch, "https://github.test/agentrun.git", f"mirror {branch}", "0" * 40, after, True
    )


def test_dr01_passes_when_both_sides_settle_and_fails_a_side_left_behind():
    new_source, new_gitops = "a" * 40, "b" * 40
    heads = {
        "localV01": new_source,
        "githubV01": new_source,
        "githubGitops": new_gitops,
        "localGitops": new_gitops,
    }
    settled = drive.mirror_settled(
        _move("v0.1", new_source), _move("v0.1-gitops", new_gitops), heads
    )
    assert [f.ok for f in settled] == [True, True]
    behind = drive.mirror_settled(
        _move("v0.1", new_source),
        _move("v0.1-gitops", new_gitops),
        dict(heads, githubGitops="c" * 40),
    )
    assert [f.ok for f in behind] == [True, False]
    assert "GitHub " + "c" * 40 in behind[1].found and behind[1].where == "mirror v0.1-gitops"
