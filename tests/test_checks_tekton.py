"""The Tekton checks (TK-*) on evidence shaped as Tekton v1 stores it: the lane's own Pipeline,
Tasks and runs (rendered from the sandbox's lane templates), then each violation applied to a
copy. No lane needed."""

from __future__ import annotations

import copy
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

try:
    import agentrun_sandbox  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from agentrun_sandbox.lane_objects import tekton_objects  # noqa: E402
from agentrun_sandbox.release import ReleaseRecord  # noqa: E402
from pytest_agentrun.model import envidentity
from pytest_agentrun.model import tekton_results
from pytest_agentrun.checks import tekton  # noqa: E402
from pytest_agentrun.checks.registry import TagListing  # noqa: E402
from pytest_agentrun.finding import UNDECIDED  # noqa: E402
from pytest_agentrun.model.documents import Catalog
from pytest_agentrun.errors import EvidenceError  # noqa: E402
from pytest_agentrun.lane import LaneProfile  # noqa: E402
from pytest_agentrun.model.commits import CommitInfo
from finding_lines import oks

BUILT, REUSED = (
    "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
    "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
)
DIGEST = "sha256:" + "3c" * 32
ENV, NEW_ENV = "env-3f9a0c1d2e4b5a69", "env-0000000000000001"
DEV = ("Lin Wei", "lin.wei@agentrun.invalid")
REPOSITORY = "127.0.0.1:5000/agentrun/agentrun-mgr-env"
CONTAINERFILE = "deploy/runtime/env/Containerfile"


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


@pytest.fixture(scope="module")
def lane_objects(profile):
    """Two releases as the lane makes them: the first builds the env image, the second
    (doc-only) reuses it."""
    releases = [
        ReleaseRecord(
            BUILT, "a" * 40, ENV, DIGEST, "built", datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
        ),
        ReleaseRecord(
            REUSED, "b" * 40, ENV, DIGEST, "reused", datetime(2026, 1, 6, 9, tzinfo=timezone.utc)
        ),
    ]
    return tekton_objects(
        profile.data,
        releases,
        mirror_read_url=profile["mirror"]["readUrl"],
        mirror_write_url=profile["mirror"]["writeUrl"],
    )


def of_kind(objects, kind, name=None):
    found = [
        copy.deepcopy(o)
        for o in objects
        if o["kind"] == kind and name in (None, o["metadata"]["name"])
    ]
    return found if name is None else found[0]


@pytest.fixture
def pipeline(lane_objects):
    return of_kind(lane_objects, "Pipeline")[0]


@pytest.fixture
def tasks(lane_objects):
    return of_kind(lane_objects, "Task")


def task(tasks, role):
    name = tekton.task_name(LaneProfile.load("v0.1"), role)
    return next(t for t in tasks if t["metadata"]["name"].endswith("-" + name))


def run_of(profile, lane_objects, commit):
    return of_kind(lane_objects, "PipelineRun", profile.pipeline_run_name(commit))


def task_runs_of(profile, lane_objects, commit):
    name = profile.pipeline_run_name(commit)
    return [
        t
        for t in of_kind(lane_objects, "TaskRun")
        if t["metadata"]["labels"]["tekton.dev/pipelineRun"] == name
    ]


def failures(findings):
    return [f for f in findings if not f.ok]


def test_tk01_pipeline_and_service_account(profile, pipeline):
    assert all(oks(tekton.pipeline_and_service_account(profile, pipeline, {"metadata": {}})))
    [missing] = failures(tekton.pipeline_and_service_account(profile, None, {"metadata": {}}))
    assert (
        missing.found == "not found (404)"
        and missing.where == "Pipeline agentrun-ci/agentrun-v01-ci-image-publish"
    )


def test_tk03_host_network_and_service_account(profile, lane_objects):
    run, task_runs = (
        run_of(profile, lane_objects, REUSED),
        task_runs_of(profile, lane_objects, REUSED),
    )
    assert all(oks(tekton.pipeline_run_on_host_network(profile, REUSED, run, task_runs)))
    run["spec"]["taskRunTemplate"]["podTemplate"]["dnsPolicy"] = "ClusterFirst"
    [dns] = failures(tekton.pipeline_run_on_host_network(profile, REUSED, run, task_runs))
    assert dns.found == "'ClusterFirst'" and dns.subject.endswith("podTemplate.dnsPolicy")
    task_runs[0]["spec"]["serviceAccountName"] = "default"
    bad = failures(
        tekton.pipeline_run_on_host_network(
            profile, REUSED, run_of(profile, lane_objects, REUSED), task_runs
        )
    )
    assert [f.where for f in bad] == [f"TaskRun agentrun-ci/{task_runs[0]['metadata']['name']}"]
    assert not any(oks(tekton.pipeline_run_on_host_network(profile, REUSED, None, task_runs)))
    assert not all(oks(tekton.pipeline_run_on_host_network(profile, REUSED, run, [])))


def test_tk04_no_proxy_kept(profile, pipeline, tasks):
    assert all(oks(tekton.no_proxy_kept(profile, pipeline, tasks)))
    step = task(tasks, "plan")["spec"]["steps"][0]
    for variable in step["env"]:
        if variable["name"] == "NO_PROXY":
            variable["value"] = variable["value"].replace(",.svc", "")
    [dropped] = failures(tekton.no_proxy_kept(profile, pipeline, tasks))
    assert (
        "lacks .svc" in dropped.found
        and dropped.where == f"Task agentrun-ci/agentrun-v01-plan step {step['name']}"
    )
    step["env"] = [v for v in step["env"] if v["name"] in ("HTTP_PROXY",)]
    [unset] = failures(tekton.no_proxy_kept(profile, pipeline, tasks))
    assert "HTTP_PROXY set without NO_PROXY" in unset.found


def test_tk04_reads_the_step_template_and_params(profile, pipeline, tasks):
    plan = task(tasks, "plan")["spec"]
    required = ",".join(profile["noProxyRequired"])
    for step in plan["steps"]:
        step["env"] = [v for v in step["env"] if v["name"] not in ("NO_PROXY", "no_proxy")]
    plan["stepTemplate"] = {"env": [{"name": "NO_PROXY", "value": "$(params.no-proxy)"}]}
    plan["params"].append({"name": "no-proxy", "type": "string", "default": required})
    assert all(oks(tekton.no_proxy_kept(profile, pipeline, tasks)))
    plan["params"][-1]["default"] = "127.0.0.1"
    assert len(failures(tekton.no_proxy_kept(profile, pipeline, tasks))) == len(plan["steps"])


def test_tk05_checkout_and_push_through_the_mirror(profile, lane_objects, pipeline, tasks):
    run = run_of(profile, lane_objects, REUSED)
    assert all(oks(tekton.checkout_and_push_through_mirror(profile, REUSED, pipeline, tasks, run)))
    # Without the run the revision stays $(params.revision): a full-SHA checkout cannot be shown.
    [unresolved] = failures(
        tekton.checkout_and_push_through_mirror(profile, REUSED, pipeline, tasks, None)
    )
    assert unresolved.subject == "source task prepare-source"


def test_tk05_github_over_ssh_or_https(profile, lane_objects, pipeline, tasks):
    run = run_of(profile, lane_objects, REUSED)
    fetch = task(tasks, "plan")["spec"]["steps"][0]
    fetch["script"] = fetch["script"].replace(
        '"$(params.git-mirror-read-url)"', "git@github.com:pikasTech/agentrun.git"
    )
    [ssh] = failures(tekton.checkout_and_push_through_mirror(profile, REUSED, pipeline, tasks, run))
    assert (
        "git@github.com:pikasTech/agentrun.git" in ssh.found
        and ssh.where == "Task agentrun-ci/agentrun-v01-plan"
    )
    push = task(tasks, "promote")["spec"]["steps"][-1]
    push["script"] = push["script"].replace(
        '"$(params.git-mirror-write-url)"', "https://github.com/pikasTech/agentrun.git"
    )
    bad = failures(tekton.checkout_and_push_through_mirror(profile, REUSED, pipeline, tasks, run))
    assert [f.subject for f in bad] == [
        "promote task promote",
        "pipeline task plan steps and params",
        "pipeline task promote steps and params",
    ]


def test_tk05_run_param_pointing_at_github(profile, lane_objects, pipeline, tasks):
    run = run_of(profile, lane_objects, REUSED)
    for param in run["spec"]["params"]:
        if param["name"] == "git-mirror-read-url":
            param["value"] = "ssh://git@github.com/pikasTech/agentrun.git"
    bad = failures(tekton.checkout_and_push_through_mirror(profile, REUSED, pipeline, tasks, run))
    assert {f.subject for f in bad} >= {
        "source task prepare-source",
        "Pipeline params and the run's params",
    }


def test_tk06_lane_tasks_only(profile, pipeline, tasks):
    assert all(oks(tekton.pipeline_tasks_are_the_lane_kinds(profile, pipeline, tasks)))
    pipeline["spec"]["tasks"].append(
        {
            "name": "deploy-prod",
            "runAfter": ["promote"],
            "taskRef": {"kind": "Task", "name": "agentrun-v01-promote"},
        }
    )
    [gate] = failures(tekton.pipeline_tasks_are_the_lane_kinds(profile, pipeline, tasks))
    assert gate.found == "a prod gate; not a task of the lane" and gate.where.endswith(
        "task deploy-prod"
    )


def test_tk06_guard_check_and_missing_task(profile, pipeline, tasks):
    build = next(
        t for t in pipeline["spec"]["tasks"] if t["name"] == tekton.task_name(profile, "build")
    )
    del build["when"]
    for step in task(tasks, "check")["spec"]["steps"]:
        step["script"] = step["script"].replace("bun run check", "bun test")
    pipeline["spec"]["tasks"] = [
        t for t in pipeline["spec"]["tasks"] if t["name"] != tekton.task_name(profile, "promote")
    ]
    found = {
        f.subject: f.found
        for f in failures(tekton.pipeline_tasks_are_the_lane_kinds(profile, pipeline, tasks))
    }
    assert found == {
        "pipeline task image-build (taskRef agentrun-v01-image-build)": (
            "runs without a `when` guard"
        ),
        "lane task check (`bun run check` and the GitOps render check)": (
            "no step runs bun run check"
        ),
        "lane task promote (promotion to the GitOps branch)": "absent",
    }


def test_tk06_optional_build_and_words():
    assert tekton.words("deploy-prod", ["dev", "prod"]) == ["prod"]
    assert tekton.words("product-devices repo-self-test", ["dev", "prod", "self-test"]) == [
        "self-test"
    ]


def test_tk06_unreadable_task(profile, pipeline, tasks):
    remaining = [t for t in tasks if not t["metadata"]["name"].endswith("-plan")]
    bad = failures(tekton.pipeline_tasks_are_the_lane_kinds(profile, pipeline, remaining))
    assert [f.found for f in bad] == ["Task agentrun-ci/agentrun-v01-plan not found"]


def deployment(name, image):
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "agentrun-ci"},
        "spec": {"template": {"spec": {"containers": [{"name": "main", "image": image}]}}},
    }


def test_tk07_no_runner_or_docker_daemon(profile, pipeline, tasks):
    mgr = deployment("agentrun-mgr", "127.0.0.1:5000/agentrun/agentrun-mgr-env@" + DIGEST)
    workloads = {"agentrun-ci": [], "agentrun-v01": [mgr]}
    assert all(oks(tekton.no_custom_runner_or_docker_daemon(profile, pipeline, tasks, workloads)))
    task(tasks, "build")["spec"]["sidecars"] = [
        {"name": "dind", "image": "docker:27-dind", "securityContext": {"privileged": True}}
    ]
    poller = deployment("agentrun-ci-poller", "docker.io/library/alpine:3.20")
    bad = failures(
        tekton.no_custom_runner_or_docker_daemon(
            profile, pipeline, tasks, {"agentrun-ci": [poller]}
        )
    )
    assert [f.found for f in bad] == [
        "sidecar dind: image docker:27-dind (dind); sidecar dind: securityContext.privileged: true",
        "name (poller)",
    ]
    assert bad[1].where == "Deployment agentrun-ci/agentrun-ci-poller"


def test_tk07_docker_socket(profile, pipeline, tasks):
    spec = task(tasks, "publish")["spec"]
    spec["volumes"] = [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]
    spec["steps"][0]["volumeMounts"] = [{"name": "sock", "mountPath": "/var/run/docker.sock"}]
    [bad] = failures(tekton.no_custom_runner_or_docker_daemon(profile, pipeline, tasks, {}))
    assert "uses /var/run/docker.sock" in bad.found and "hostPath /var/run/docker.sock" in bad.found


def with_results(task_run, results):
    task_run["status"]["results"] = results
    return task_run


def test_tk08_plan_summary(profile, lane_objects):
    name = profile.pipeline_run_name(REUSED)
    task_runs = task_runs_of(profile, lane_objects, REUSED)
    assert all(oks(tekton.plan_summary_safe(profile, name, task_runs)))
    plan = tekton.task_run_of(profile, task_runs, "plan")
    with_results(
        plan,
        [
            {
                "name": "planArtifacts.summary",
                "type": "string",
                "value": "build=0 reuse=1 unsafeReuse=0",
            }
        ],
    )
    assert all(oks(tekton.plan_summary_safe(profile, name, task_runs)))
    for summary in ("build=0 reuse=1 unsafeReuse=1", "reused"):
        with_results(
            plan, [{"name": "planArtifacts", "type": "object", "value": {"summary": summary}}]
        )
        [bad] = tekton.plan_summary_safe(profile, name, task_runs)
        assert (
            not bad.ok
            and bad.found == repr(summary)
            and bad.where == f"TaskRun agentrun-ci/{name}-plan status.results"
        )
    [absent] = tekton.plan_summary_safe(profile, name, [t for t in task_runs if t is not plan])
    assert not absent.ok and absent.found == "not found"


def catalog(source_commit, env=ENV, status="reused", commit_id=BUILT, where="v0.1-gitops@x:c.json"):
    entry = {
        "serviceId": "agentrun-mgr",
        "envIdentity": env,
        "status": status,
        "imageRef": {
            "kind": "env-image-dockerfile",
            "repoUrl": "git@github.com:pikasTech/agentrun.git",
            "commitId": commit_id,
            "dockerfilePath": CONTAINERFILE,
        },
        "image": {
            "repository": "127.0.0.1:5000/agentrun/agentrun-mgr-env",
            "tag": env,
            "digest": DIGEST,
        },
    }
    return Catalog.parse(
        where, json.dumps({"sourceCommit": source_commit, "services": [entry]}, indent=2)
    )


def test_envidentity_classify(profile):
    ref = {"repoUrl": "r", "commitId": BUILT, "dockerfilePath": CONTAINERFILE}
    docs = envidentity.classify(profile, ["docs/a.md", "src/index.ts"], ref, ref)
    assert (
        not docs.changed
        and docs.describe() == "no env-identity input changed (only docs/a.md, src/index.ts)"
    )
    boot = envidentity.classify(
        profile, ["deploy/runtime/boot/agentrun-boot.sh", "bun.lock"], ref, ref
    )
    assert boot.files == ("deploy/runtime/boot/agentrun-boot.sh", "bun.lock") and boot.other == ()
    moved = envidentity.classify(
        profile, ["deploy/env/Dockerfile"], ref, {**ref, "dockerfilePath": "deploy/env/Dockerfile"}
    )
    assert moved.files == ("deploy/env/Dockerfile",) and moved.image_ref[0].startswith(
        "dockerfilePath"
    )
    assert envidentity.classify(profile, [], ref, {**ref, "commitId": REUSED}).changed


def listing(*tags):
    return TagListing(REPOSITORY, tuple(tags))


def test_tk09_reuse_when_no_input_changed(profile, lane_objects):
    task_runs = task_runs_of(profile, lane_objects, REUSED)
    previous, current = catalog(BUILT, status="built"), catalog(REUSED)
    assert all(
        oks(
            tekton.env_reuse_follows_inputs(
                profile, current, previous, ["docs/a.md"], task_runs, listing(ENV), {ENV}
            )
        )
    )
    rebuilt = catalog(REUSED, env=NEW_ENV, status="built")
    [bad] = failures(
        tekton.env_reuse_follows_inputs(
            profile, rebuilt, previous, ["docs/a.md"], task_runs, listing(ENV), {ENV}
        )
    )
    assert (
        bad.found == f"envIdentity {NEW_ENV}, tag {NEW_ENV}, status built"
        and bad.where.endswith("c.json:5")
    )
    with_results(
        tekton.task_run_of(profile, task_runs, "publish"),
        [{"name": "status", "type": "string", "value": "built"}],
    )
    build = copy.deepcopy(
        tekton.task_run_of(profile, task_runs_of(profile, lane_objects, BUILT), "build")
    )
    bad = failures(
        tekton.env_reuse_follows_inputs(
            profile, current, previous, ["docs/a.md"], [*task_runs, build], listing(ENV), {ENV}
        )
    )
    assert [f.subject for f in bad] == ["image-publish result status", "image-build TaskRun"]


def test_tk09_build_when_an_input_changed(profile, lane_objects):
    previous = catalog(BUILT, status="built")
    built = catalog(REUSED, env=NEW_ENV, status="built", commit_id=REUSED)
    task_runs = task_runs_of(profile, lane_objects, BUILT)
    assert all(
        oks(tekton.env_reuse_follows_inputs(profile, built, previous, ["package.json"], task_runs))
    )
    reused = catalog(REUSED, commit_id=REUSED)
    bad = failures(
        tekton.env_reuse_follows_inputs(
            profile, reused, previous, ["package.json"], task_runs_of(profile, lane_objects, REUSED)
        )
    )
    assert [f.subject for f in bad] == [
        "catalog agentrun-mgr env image",
        "plan result planArtifacts.summary",
        "image-publish result status",
        "image-build TaskRun",
    ]
    assert "env-identity inputs changed: package.json, imageRef.commitId" in bad[0].expected


def test_tk09_first_release_builds(profile, lane_objects):
    first = catalog(BUILT, status="built")
    assert all(
        oks(
            tekton.env_reuse_follows_inputs(
                profile, first, None, None, task_runs_of(profile, lane_objects, BUILT)
            )
        )
    )


def commit(sha, files=(), who=DEV, message="change"):
    return CommitInfo(sha, (), who[0], who[1], who[1], message, tuple(files))


def test_tk10_env_identity_follows_inputs(profile):
    third = "c" * 40
    versions = [
        (commit("3" * 40), catalog(third, where="v3")),
        (commit("2" * 40), catalog(REUSED, where="v2")),
        (commit("1" * 40), catalog(BUILT, status="built", where="v1")),
    ]
    changed = {(BUILT, REUSED): ["docs/a.md"], (REUSED, third): ["src/index.ts"]}
    assert oks(tekton.env_identity_follows_inputs(profile, versions, changed)) == [True, True]
    versions[0] = (commit("3" * 40), catalog(third, env=NEW_ENV, status="built", where="v3"))
    [same_inputs] = failures(tekton.env_identity_follows_inputs(profile, versions, changed))
    assert same_inputs.expected == f"unchanged ({ENV})" and same_inputs.found.startswith(
        f"{ENV} -> {NEW_ENV}"
    )
    changed[(REUSED, third)] = ["bun.lock"]
    assert all(oks(tekton.env_identity_follows_inputs(profile, versions, changed)))
    versions[0] = (commit("3" * 40), catalog(third, where="v3"))
    [stale] = failures(tekton.env_identity_follows_inputs(profile, versions, changed))
    assert stale.expected == "a new envIdentity" and "bun.lock" in stale.found
    [alone] = tekton.env_identity_follows_inputs(profile, versions[2:], {})
    assert alone.status == UNDECIDED, "one version has no change to judge: never a plain pass"


def test_tk11_source_branch_untouched_by_ci(profile):
    ci = (profile["ciIdentity"]["name"], profile["ciIdentity"]["email"])
    history = [
        commit("2" * 40, ["docs/a.md"]),
        commit("1" * 40, ["deploy/deploy.json", "src/index.ts"]),
    ]
    assert oks(tekton.source_branch_untouched_by_ci(profile, "2" * 40, history)) == [True, True]
    history.insert(
        0, commit("3" * 40, ["deploy/deploy.json"], who=ci, message="promote: bump replicas")
    )
    history.insert(0, commit("4" * 40, [f"{profile.runtime_path}/deployment-agentrun-mgr.yaml"]))
    bad = failures(tekton.source_branch_untouched_by_ci(profile, "4" * 40, history))
    assert [(f.where, f.found.split(":")[0]) for f in bad] == [
        ("v0.1@444444444444", "touches the catalog or the runtime path"),
        ("v0.1@333333333333", "is by the CI identity"),
    ]
    assert bad[1].found.endswith("changing deploy/deploy.json"), (
        "the deploy.json change is named on the CI finding"
    )


# -- results as Tekton keeps them (issue 10 item 1) -----------------------------------------------

UPSTREAM = Path(__file__).resolve().parent / "reference" / "upstream" / "tekton"


def upstream(name):
    text = (UPSTREAM / name).read_text()
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)


def embedded_task_run(run, name):
    """A TaskRun as the v1 PipelineRun records it in status.taskRuns (chains-pipelinerun1.json)."""
    entry = run["status"]["taskRuns"][name]
    return {
        "kind": "TaskRun",
        "metadata": {
            "name": name,
            "labels": {"tekton.dev/pipelineTask": entry["pipelineTaskName"]},
        },
        "status": entry["status"],
    }


def test_a_real_result_keeps_its_trailing_newline_and_is_read_without_it():
    run = upstream("chains-pipelinerun1.json")
    build = embedded_task_run(run, "taskrun-build")
    [raw] = [r["value"] for r in build["status"]["results"] if r["name"] == "IMAGE_URL"]
    assert raw == "test.io/test/image\n", "Tekton stores the result verbatim"
    assert tekton.result_of(build, "IMAGE_URL") == "test.io/test/image"
    assert tekton.result_of(build, "IMAGE_DIGEST").startswith("sha256:827521c8")


def test_string_and_object_results_of_real_runs():
    run = upstream(
        "chains-pipelinerun1.json"
    )  # object results carry no `type`: the value's shape decides
    assert tekton.result_of(run, "img-ARTIFACT_INPUTS.uri") == "abc"
    assert tekton.result_of(run, "img_no_uri-ARTIFACT_OUTPUTS.uri") is None
    assert tekton.result_of(run, "CHAINS-GIT_COMMIT") == "abcd"
    assert tekton.result_of(upstream("chains-taskrun1.json"), "IMAGE_URL") == "gcr.io/my/image"
    assert (
        tekton.result_of(upstream("reconciler-failed-pr-with-task-results.yaml"), "result")
        == "aResultValue"
    )
    assert tekton.result_of(upstream("docs-taskrun-status.yaml"), "anything") is None
    assert tekton_results.normalise(
        {"summary": "build=0 reuse=1 unsafeReuse=0\n", "n": ["1\n"]}
    ) == {"summary": "build=0 reuse=1 unsafeReuse=0", "n": ["1"]}
    assert tekton_results.results({"status": "Running"}) == {}, (
        "a status of another shape names no result"
    )


def echoed(task_runs):
    """The lane's TaskRuns as a Task that `echo`es its results leaves them: each value
    ends with a newline."""
    for task_run in task_runs:
        for result in task_run["status"].get("results") or []:
            value = result["value"]
            result["value"] = (
                {k: v + "\n" for k, v in value.items()} if isinstance(value, dict) else value + "\n"
            )
    return task_runs


def test_tk08_and_tk09_judge_echoed_results_as_printed_ones(profile, lane_objects):
    name = profile.pipeline_run_name(REUSED)
    task_runs = echoed(task_runs_of(profile, lane_objects, REUSED))
    assert tekton.task_run_of(profile, task_runs, "publish")["status"]["results"][0][
        "value"
    ].endswith("\n")
    assert all(oks(tekton.plan_summary_safe(profile, name, task_runs)))
    previous, current = catalog(BUILT, status="built"), catalog(REUSED)
    findings = tekton.env_reuse_follows_inputs(
        profile, current, previous, ["docs/a.md"], task_runs, listing(ENV), {ENV}
    )
    assert failures(findings) == []
    built = echoed(task_runs_of(profile, lane_objects, BUILT))
    first = catalog(BUILT, status="built")
    assert failures(tekton.env_reuse_follows_inputs(profile, first, None, None, built)) == []


# -- TK-09: no new env image tag, on the registry's own tag list (issue 10 item 11) ----------------


def test_tk09_a_new_tag_in_the_registry_fails_a_reuse_alone(profile, lane_objects):
    task_runs = task_runs_of(profile, lane_objects, REUSED)
    previous, current = catalog(BUILT, status="built"), catalog(REUSED)
    findings = tekton.env_reuse_follows_inputs(
        profile, current, previous, ["docs/a.md"], task_runs, listing(ENV, NEW_ENV), {ENV}
    )
    [bad] = failures(findings)
    assert (
        bad.found == f"new tag(s) {NEW_ENV}"
        and bad.where == "GET /v2/agentrun/agentrun-mgr-env/tags/list"
    )
    older = tekton.env_reuse_follows_inputs(
        profile,
        current,
        previous,
        ["docs/a.md"],
        task_runs,
        listing(ENV, "env-older"),
        {ENV, "env-older"},
    )
    assert failures(older) == [], "tags an earlier catalog recorded are no new tags"


def test_tk09_cannot_decide_new_tags_when_the_registry_does_not_answer(profile, lane_objects):
    task_runs = task_runs_of(profile, lane_objects, REUSED)
    previous, current = catalog(BUILT, status="built"), catalog(REUSED)
    down = TagListing(REPOSITORY, None, "registry unreachable (connection refused)")
    for given in (down, None):
        findings = tekton.env_reuse_follows_inputs(
            profile, current, previous, ["docs/a.md"], task_runs, given, {ENV}
        )
        [bad] = failures(findings)
        assert bad.status == UNDECIDED and bad.subject.startswith("env image tags in the registry")
    assert (
        "connection refused"
        in failures(
            tekton.env_reuse_follows_inputs(
                profile, current, previous, ["docs/a.md"], task_runs, down, {ENV}
            )
        )[0].found
    )


def test_tk09_recorded_tags_of_earlier_catalogs():
    broken = Catalog.parse("v0", "{not json")
    assert tekton.recorded_tags([catalog(BUILT), catalog(REUSED, env=NEW_ENV), broken]) == {
        ENV,
        NEW_ENV,
    }


# -- TK-10: nothing to judge is never a pass (issue 10 item 12, issue 13) --------------------------


def test_tk10_one_version_cannot_be_decided(profile):
    [alone] = tekton.env_identity_follows_inputs(
        profile, [(commit("1" * 40), catalog(BUILT, where="v1"))], {}
    )
    assert alone.status == UNDECIDED and "1 version(s)" in alone.found
    [none] = tekton.env_identity_follows_inputs(profile, [], {})
    assert none.status == UNDECIDED


def test_tk10_unreadable_head_services_cannot_be_decided(profile):
    third = "c" * 40
    older = [
        (commit("2" * 40), catalog(REUSED, where="v2")),
        (commit("1" * 40), catalog(BUILT, status="built", where="v1")),
    ]
    changed = {(BUILT, REUSED): ["docs/a.md"], (REUSED, third): ["src/index.ts"]}
    for services in ([], ["agentrun-mgr"], [{"envIdentity": ENV}]):
        head = Catalog.parse("v3", json.dumps({"sourceCommit": third, "services": services}))
        findings = tekton.env_identity_follows_inputs(
            profile, [(commit("3" * 40), head), *older], changed
        )
        assert [f.status for f in findings] == [UNDECIDED, "pass"], services
        assert findings[0].found == "cannot be decided: no service entry of v3 is in v2"
    broken = Catalog.parse("v3", "{")
    findings = tekton.env_identity_follows_inputs(
        profile, [(commit("3" * 40), broken), *older], changed
    )
    assert findings[0].status == UNDECIDED and "v3: not valid JSON" in findings[0].found


def test_tk10_an_unread_diff_cannot_be_decided(profile):
    versions = [
        (commit("2" * 40), catalog(REUSED, where="v2")),
        (commit("1" * 40), catalog(BUILT, status="built", where="v1")),
    ]
    assert tekton.consecutive_source_commits(versions) == [(BUILT, REUSED)]
    [pair] = tekton.env_identity_follows_inputs(profile, versions, {})
    assert pair.status == UNDECIDED and f"{BUILT[:12]}..{REUSED[:12]} was not read" in pair.found
    headless = [(commit("3" * 40), Catalog.parse("v3", json.dumps({"services": []}))), *versions]
    assert tekton.consecutive_source_commits(headless) == [(BUILT, REUSED)]

    def gone(old, new):
        raise EvidenceError("git", f"diff {old}..{new}", "source", f"commit {old} not found")

    diffs = tekton.read_diffs(gone, [(BUILT, REUSED)])
    [pair] = tekton.env_identity_follows_inputs(profile, versions, diffs)
    assert pair.status == UNDECIDED and pair.found.endswith(
        f"could not be read: commit {BUILT} not found"
    )
    assert tekton.read_diffs(lambda old, new: ["docs/a.md"], [(BUILT, REUSED)]) == {
        (BUILT, REUSED): ["docs/a.md"]
    }


# -- TK-11: each rule fails on its own (issue 10 item 13) ------------------------------------------


def test_tk11_each_rule_fails_alone(profile):
    ci = (profile["ciIdentity"]["name"], profile["ciIdentity"]["email"])
    hand = [commit("5" * 40, [profile.catalog_path])]
    assert [f.ok for f in tekton.source_branch_untouched_by_ci(profile, "5" * 40, hand)] == [
        False,
        True,
    ]
    bot = [commit("6" * 40, ["docs/a.md"], who=ci)]
    assert [f.ok for f in tekton.source_branch_untouched_by_ci(profile, "6" * 40, bot)] == [
        True,
        False,
    ]


def test_tk11_a_missing_source_branch_cannot_be_decided(profile):
    [missing] = tekton.source_branch_untouched_by_ci(profile, None, [])
    assert missing.status == UNDECIDED and missing.where == "v0.1"
    empty_message = [commit("7" * 40, [profile.catalog_path], message="")]
    [bad, _] = tekton.source_branch_untouched_by_ci(profile, "7" * 40, empty_message)
    assert bad.subject == "commit 777777777777 ''"


# -- each upstream Tekton object judged as its criterion says --------------------------------------


@pytest.mark.parametrize(
    "name, succeeded",
    [
        ("chains-pipelinerun1.json", True),
        ("chains-pipelinerun-childrefs.json", True),
        ("reconciler-failed-pr-with-task-results.yaml", False),
    ],
)
def test_tk02_real_pipelineruns_succeeded_or_failed(profile, name, succeeded):
    run = upstream(name)
    findings = tekton.pipeline_run_for_commit(profile, BUILT, run, "catalog")
    condition = next(f for f in findings if f.subject.endswith("condition Succeeded"))
    assert condition.ok is succeeded
    assert condition.found.startswith(
        "'True' reason 'Succeeded'" if succeeded else "'False' reason 'Failed'"
    )
    assert not all(f.ok for f in findings), (
        "a run of another Pipeline, without the full SHA, is not the lane's"
    )


@pytest.mark.parametrize(
    "name, account",
    [
        ("chains-taskrun1.json", "default"),
        ("chains-taskrun2.json", "default"),
        ("docs-taskrun-status.yaml", None),
    ],
)
def test_tk03_real_taskruns_judged_by_their_account(profile, lane_objects, name, account):
    run = run_of(profile, lane_objects, REUSED)
    task_run = upstream(name)
    [finding] = [
        f
        for f in tekton.pipeline_run_on_host_network(profile, REUSED, run, [task_run])
        if f.subject.startswith("TaskRun")
    ]
    # A TaskRun that names no account runs as the run's taskRunTemplate says (the lane's, here).
    assert finding.ok is (account is None)
    assert finding.found == f"serviceAccountName {account or profile.tekton_service_account!r}"


def test_tk03_a_real_pipelinerun_without_a_pod_template(profile):
    run = upstream("chains-pipelinerun1.json")
    findings = tekton.pipeline_run_on_host_network(
        profile, BUILT, run, [upstream("chains-taskrun1.json")]
    )
    assert [f.found for f in findings] == ["not set", "not set", "serviceAccountName 'default'"]


def test_tk08_tk09_real_taskruns_are_not_the_lane_tasks(profile):
    name = profile.pipeline_run_name(REUSED)
    clone, build = upstream("chains-taskrun2.json"), upstream("chains-taskrun1.json")
    [absent] = tekton.plan_summary_safe(profile, name, [clone, build])
    assert not absent.ok and absent.found == "not found"
    build["metadata"]["labels"]["tekton.dev/pipelineTask"] = tekton.task_name(profile, "plan")
    [no_summary] = tekton.plan_summary_safe(profile, name, [build])
    assert not no_summary.ok and no_summary.found == "no planArtifacts.summary result"
    build["metadata"]["labels"]["tekton.dev/pipelineTask"] = tekton.task_name(profile, "build")
    previous, current = (
        catalog(BUILT, status="built"),
        catalog(REUSED, env=NEW_ENV, status="built", commit_id=REUSED),
    )
    findings = tekton.env_reuse_follows_inputs(
        profile, current, previous, ["package.json"], [build]
    )
    image_build = next(f for f in findings if f.subject == "image-build TaskRun")
    assert image_build.ok and image_build.found == "Succeeded=True", (
        "a real Succeeded TaskRun counts as the build"
    )
