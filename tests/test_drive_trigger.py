"""trigger-current, wait and promotion (DR-02, DR-03) against kube-apiserver and sandbox lanes.

Waits are tested on a bare kube-apiserver with Tekton's CRDs and no controller beside it: the test
plays Tekton by hand through the server's HTTP API, so every state the waiter sees is one the test
wrote. Triggering
and promotion are tested on whole sandbox lanes (real git mirror, real GitHub stand-in).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import httpx
import pytest
import yaml

from fault_proxy import tls_from_kubeconfig
from kube_api import ServedObjects
from agentrun_sandbox.lane_objects import namespace_objects
from agentrun_sandbox.lane_objects.meta import _lane_values, load_template
from agentrun_sandbox.scenarios import SCENARIOS, SandboxControl
from pytest_agentrun.checks.tekton import checkout_and_push_through_mirror
from pytest_agentrun.drive import mirror_sync
from pytest_agentrun.readers.kube_live import AlreadyExists, LiveKube
from pytest_agentrun.drive.mirror_sync import live_heads
from pytest_agentrun.errors import DriveError
from pytest_agentrun.drive.promotion import PromotionTimedOut, follow_promotion
from pytest_agentrun.drive.trigger import (
    RunFailed,
    RunTimedOut,
    pipeline_run,
    trigger_current,
    wait,
)
from pytest_agentrun.lane import LaneConfig, LaneProfile
from suite_run import ROOT

PROFILE = LaneProfile.load("v0.1")
NS = PROFILE.tekton_namespace
SHA = "0123456789abcdef0123456789abcdef01234567"
RUN = PROFILE.pipeline_run_name(SHA)
TEKTON = "/apis/tekton.dev/v1/namespaces/" + NS
MERGE = {"Content-Type": "application/merge-patch+json"}


def lane_config(handle, tmp_path) -> LaneConfig:
    return LaneConfig.load(PROFILE, handle.lane_config, tmp_path / "cache")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest_agentrun.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def api_log(handle) -> list[dict]:
    """The lane's clients' API requests so far (the sandbox's request log)."""
    return handle.paths.api_requests()


def requests_since(handle, mark: int) -> list[dict]:
    return api_log(handle)[mark:]


def log_mark(handle) -> int:
    return len(api_log(handle))


def writes(entries: list[dict]) -> list[str]:
    return [
        f"{e['method']} {e['path']} {e['status']}"
        for e in entries
        if e["method"] not in ("GET", "HEAD")
    ]


def runs_for(config: LaneConfig, revision: str) -> list[str]:
    runs = LiveKube(config).list("PipelineRun", NS)
    return [
        r["metadata"]["name"]
        for r in runs
        if {p["name"]: p["value"] for p in r["spec"]["params"]}.get("revision") == revision
    ]


# --------------------------------------------------------------------------- a bare API server


@pytest.fixture
def bare_api(tmp_path, served_apis):
    """A kube-apiserver holding only the lane's namespaces and the CRDs of Tekton and Argo CD (no
    controller plays Tekton: HandTekton does), and a lane config that reaches it through a
    kubeconfig, as a real lane's would."""
    with served_apis.lend() as server:
        server.load(namespace_objects(PROFILE.data))
        server.kubeconfig(tmp_path / "kubeconfig")
        (tmp_path / "lane.yaml").write_text(
            yaml.safe_dump({"lane": "v0.1", "kubernetes": {"kubeconfig": "kubeconfig"}})
        )
        yield server, LaneConfig.load(PROFILE, tmp_path / "lane.yaml", tmp_path / "cache")


class HandTekton:
    """Plays the Tekton controller for one PipelineRun through the API server's HTTP API."""

    def __init__(self, server: ServedObjects, run: str = RUN):
        self.http, self.run, self.children = server.plane.client(), run, []

    def run_status(self, status: str, reason: str, message: str = "", **extra) -> None:
        body = {
            "conditions": [
                {"type": "Succeeded", "status": status, "reason": reason, "message": message}
            ],
            "childReferences": [
                {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": n, "pipelineTaskName": t}
                for t, n in self.children
            ],
            **extra,
        }
        self.http.patch(
            f"{TEKTON}/pipelineruns/{self.run}/status", json={"status": body}, headers=MERGE
        ).raise_for_status()

    def task(
        self, ptask: str, status: str, reason: str, message: str = "", results: dict | None = None
    ) -> None:
        name = f"{self.run}-{ptask}"
        if (ptask, name) not in self.children:
            labels = {"tekton.dev/pipelineRun": self.run, "tekton.dev/pipelineTask": ptask}
            self.http.post(
                f"{TEKTON}/taskruns",
                json={
                    "apiVersion": "tekton.dev/v1",
                    "kind": "TaskRun",
                    "metadata": {"name": name, "labels": labels},
                    "spec": {"taskRef": {"name": ptask}},
                },
            ).raise_for_status()
            self.children.append((ptask, name))
        # Tekton's CRD requires status.podName: the controller names the TaskRun's Pod at once
        body = {
            "conditions": [
                {"type": "Succeeded", "status": status, "reason": reason, "message": message}
            ],
            "podName": f"{name}-pod",
        }
        if results:
            body["results"] = [
                {"name": k, "type": "object" if isinstance(v, dict) else "string", "value": v}
                for k, v in results.items()
            ]
        self.http.patch(
            f"{TEKTON}/taskruns/{name}/status", json={"status": body}, headers=MERGE
        ).raise_for_status()


PLAN = {
    "planArtifacts": {
        "summary": "build=0 reuse=1 unsafeReuse=0",
        "envIdentity": "env-1",
        "build": "0",
        "reuse": "1",
        "unsafeReuse": "0",
    }
}
PIPELINE_SPEC = {
    "tasks": [{"name": t} for t in ("prepare-source", "plan", "image-build", "image-publish")]
}


def create_run(config: LaneConfig) -> None:
    LiveKube(config).create(
        "PipelineRun", NS, pipeline_run(config, SHA), PROFILE.trigger_field_manager
    )


def test_live_kube_reads_creates_and_refuses(bare_api):
    server, config = bare_api
    kube = LiveKube(config)
    assert kube.get("PipelineRun", NS, RUN) is None

    created = kube.create("PipelineRun", NS, pipeline_run(config, SHA), "agentrun-v01-trigger")
    with pytest.raises(AlreadyExists) as twice:
        kube.create("PipelineRun", NS, pipeline_run(config, SHA), "agentrun-v01-trigger")
    patched = kube.merge_patch(
        "PipelineRun", NS, RUN, {"metadata": {"annotations": {"x": "y"}}}, "agentrun-v01-trigger"
    )

    assert created["metadata"]["uid"] == kube.get("PipelineRun", NS, RUN)["metadata"]["uid"]
    assert isinstance(twice.value, DriveError) and RUN in str(twice.value)
    assert patched["metadata"]["annotations"] == {"x": "y"}
    assert [
        r["metadata"]["name"]
        for r in kube.list("PipelineRun", NS, "app.kubernetes.io/component=ci")
    ] == [RUN]
    assert kube.list("PipelineRun", NS, "app.kubernetes.io/component=other") == []
    with pytest.raises(DriveError, match="never read or write Secrets"):
        kube.get("Secret", PROFILE.runtime_namespace, "agentrun-v01-database")
    elsewhere = pipeline_run(config, SHA)
    elsewhere["metadata"]["namespace"] = "no-such-namespace"
    with pytest.raises(DriveError) as refused:
        kube.create("PipelineRun", "no-such-namespace", elsewhere, "agentrun-v01-trigger")
    message = str(refused.value)
    assert (
        "HTTP 404" in message
        and "/namespaces/no-such-namespace/pipelineruns" in message
        and "\n" not in message
    )

    server.stop()
    with pytest.raises(DriveError) as unreachable:
        LiveKube(config).get("PipelineRun", NS, RUN)
    message = str(unreachable.value)
    assert "API server unreachable" in message and server.url in message and "\n" not in message


def test_pipeline_run_has_the_shape_of_the_lanes_trigger(bare_api):
    _, config = bare_api
    lane_made = load_template(
        "tekton-pipelinerun.yaml",
        {**_lane_values(PROFILE.data), "pipelineRunName": RUN, "revision": SHA},
    )
    assert pipeline_run(config, SHA) == lane_made


def test_wait_follows_task_states_and_returns_the_results(bare_api):
    server, config = bare_api
    create_run(config)
    tekton, lines = HandTekton(server), []

    def seen(text: str) -> None:  # the next state only once the waiter has printed this one
        deadline = time.monotonic() + 5
        while not any(text in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.01)

    def controller() -> None:
        tekton.run_status(
            "Unknown",
            "Running",
            "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 4, Skipped: 0",
            pipelineSpec=PIPELINE_SPEC,
        )
        tekton.task("prepare-source", "Unknown", "Running")
        seen("prepare-source  Running")
        tekton.task("prepare-source", "True", "Succeeded", results={"commit": SHA})
        tekton.task("plan", "Unknown", "Running")
        seen("plan            Running")
        tekton.task("plan", "True", "Succeeded", results=PLAN)
        tekton.task("image-publish", "True", "Succeeded", results={"status": "reused"})
        skipped = [{"name": "image-build", "reason": "When Expressions evaluated to false"}]
        tekton.run_status(
            "True",
            "Completed",
            "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 1",
            pipelineSpec=PIPELINE_SPEC,
            skippedTasks=skipped,
            results=[
                {"name": "planSummary", "value": "build=0 reuse=1 unsafeReuse=0"},
                {"name": "status", "value": "reused"},
            ],
        )

    driver = threading.Thread(target=controller)
    driver.start()
    outcome = wait(config, RUN, timeout=10, out=lines.append, poll=0.02)
    driver.join()

    assert outcome.succeeded is True and outcome.reason == "Completed" and outcome.revision == SHA
    assert outcome.results == {"planSummary": "build=0 reuse=1 unsafeReuse=0", "status": "reused"}
    assert outcome.plan_summary == "build=0 reuse=1 unsafeReuse=0"
    assert [(t.pipelineTask, t.status) for t in outcome.tasks] == [
        ("prepare-source", "Succeeded"),
        ("plan", "Succeeded"),
        ("image-build", "Skipped"),
        ("image-publish", "Succeeded"),
    ]
    assert outcome.tasks[1].results == PLAN and outcome.tasks[1].taskRun == f"{RUN}-plan"
    shown = [line.split("] ", 1)[1] for line in lines]
    for expected in (
        "prepare-source  Running",
        "prepare-source  Succeeded",
        "plan            Running",
        "plan            Succeeded",
        "image-build     Skipped: When Expressions evaluated to false",
        "image-publish   Succeeded",
        "PipelineRun     Completed",
    ):
        assert shown.count(expected) == 1, (expected, lines)
    assert all(line.startswith("[") and "s] " in line for line in lines)
    assert outcome.as_dict()["planSummary"] == "build=0 reuse=1 unsafeReuse=0"


def test_wait_raises_run_failed_naming_the_failing_task(bare_api):
    server, config = bare_api
    create_run(config)
    tekton = HandTekton(server)
    tekton.task("prepare-source", "True", "Succeeded")
    tekton.task(
        "plan", "False", "Failed", '"step-plan" exited with code 1: bun.lock is out of date'
    )
    skipped = [
        {"name": "image-build", "reason": "PipelineRun was stopping"},
        {"name": "image-publish", "reason": "PipelineRun was stopping"},
    ]
    tekton.run_status(
        "False",
        "Failed",
        "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 2",
        pipelineSpec=PIPELINE_SPEC,
        skippedTasks=skipped,
    )

    with pytest.raises(RunFailed) as failed:
        wait(config, RUN, timeout=5, out=lambda line: None)

    message = str(failed.value).splitlines()
    assert message[0] == (
        f"PipelineRun {NS}/{RUN} failed (Failed: Tasks Completed: 2 (Failed: 1, Cancelled 0), "
        "Skipped: 2)"
    )
    plan_row = next(line for line in message if line.split()[0] == "plan")
    assert (
        plan_row.split()[1:3] == [f"{RUN}-plan", "Failed"] and "bun.lock is out of date" in plan_row
    )
    outcome = failed.value.outcome
    assert outcome.succeeded is False
    assert [t.pipelineTask for t in outcome.tasks if t.status == "Failed"] == ["plan"]
    assert {t.pipelineTask: t.reason for t in outcome.tasks if t.status == "Skipped"} == {
        "image-build": "PipelineRun was stopping",
        "image-publish": "PipelineRun was stopping",
    }


def test_wait_times_out_with_a_table_of_the_last_task_states(bare_api):
    server, config = bare_api
    create_run(config)
    tekton = HandTekton(server)
    tekton.task("prepare-source", "True", "Succeeded")
    tekton.task("plan", "Unknown", "Running", "Not all Steps in the Task have finished executing")
    tekton.run_status(
        "Unknown",
        "Running",
        "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 3, Skipped: 0",
        pipelineSpec=PIPELINE_SPEC,
    )
    started = time.monotonic()

    with pytest.raises(RunTimedOut) as late:
        wait(config, RUN, timeout=0.6, out=lambda line: None, poll=0.1)

    assert 0.6 <= time.monotonic() - started < 3
    message = str(late.value).splitlines()
    assert message[0].startswith(
        f"PipelineRun {NS}/{RUN} did not finish within 0.6s; last observed state: Running"
    )
    table = message[1:]
    assert table[0].split() == ["TASK", "TASKRUN", "STATUS", "DETAIL"]
    assert [row.split()[:3] for row in table[1:]] == [
        ["prepare-source", f"{RUN}-prepare-source", "Succeeded"],
        ["plan", f"{RUN}-plan", "Running"],
        ["image-build", "-", "Pending"],
        ["image-publish", "-", "Pending"],
    ]
    assert all(row.index(row.split()[2]) == table[0].index("STATUS") for row in table), (
        "the STATUS column is aligned"
    )
    assert late.value.outcome.succeeded is None and late.value.outcome.reason == "Running"


def test_wait_on_a_missing_run_says_so(bare_api):
    _, config = bare_api
    with pytest.raises(DriveError, match=f"PipelineRun {NS}/{RUN} does not exist"):
        wait(config, RUN, timeout=1, out=lambda line: None)


# --------------------------------------------------------------------------- whole sandbox lanes


def test_trigger_syncs_the_mirror_and_creates_one_run_for_githubs_head(fresh_lane, tmp_path):
    SCENARIOS["mirror-behind-github"].apply(SandboxControl(fresh_lane.paths.root))
    config = lane_config(fresh_lane, tmp_path)
    before = live_heads(config)
    lines: list[str] = []

    first = trigger_current(config, out=lines.append)

    head = before["githubV01"]
    assert (
        first.created and first.revision == head and first.name == PROFILE.pipeline_run_name(head)
    )
    assert (
        first.synced["moved"]
        and first.synced["before"] == before["localV01"]
        and first.synced["after"] == head
    )
    assert live_heads(config)["localV01"] == head
    assert any("syncing the mirror" in line for line in lines) and any(
        first.name in line for line in lines
    )
    with httpx.Client(
        verify=tls_from_kubeconfig(fresh_lane.kubeconfig)
    ) as api:  # as the server holds it
        run = api.get(f"{fresh_lane.info['api']}{TEKTON}/pipelineruns/{first.name}").json()
    assert {p["name"]: p["value"] for p in run["spec"]["params"]} == {
        "revision": head,
        "source-branch": "v0.1",
        "gitops-branch": "v0.1-gitops",
        "git-mirror-read-url": PROFILE["mirror"]["readUrl"],
        "git-mirror-write-url": PROFILE["mirror"]["writeUrl"],
    }
    assert run["spec"]["pipelineRef"] == {"name": PROFILE.pipeline}
    assert run["spec"]["taskRunTemplate"] == {
        "serviceAccountName": "agentrun-v01-tekton-runner",
        "podTemplate": {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"},
    }
    assert run["spec"]["timeouts"] == {"pipeline": "1h0m0s"}
    assert run["spec"]["workspaces"][0]["volumeClaimTemplate"]["spec"]["resources"] == {
        "requests": {"storage": "2Gi"}
    }
    assert {
        "app.kubernetes.io/part-of": "agentrun",
        "app.kubernetes.io/component": "ci",
    }.items() <= run["metadata"]["labels"].items()
    assert run["metadata"]["managedFields"][0]["manager"] == "agentrun-v01-trigger"
    kube = LiveKube(config)  # TK-05 judges the run's mirror params against the Pipeline's steps
    findings = checkout_and_push_through_mirror(
        PROFILE, head, kube.get("Pipeline", NS, PROFILE.pipeline), kube.list("Task", NS), run
    )
    assert all(f.ok for f in findings), [f.found for f in findings if not f.ok]

    mark = log_mark(fresh_lane)
    again = trigger_current(config, out=lines.append)

    assert (again.name, again.revision, again.created, again.synced) == (
        first.name,
        head,
        False,
        None,
    )
    assert writes(requests_since(fresh_lane, mark)) == []
    assert runs_for(config, head) == [first.name]


def test_concurrent_triggers_create_exactly_one_run(fresh_lane, tmp_path):
    SCENARIOS["mirror-behind-github"].apply(SandboxControl(fresh_lane.paths.root))
    config = lane_config(fresh_lane, tmp_path)
    mirror_sync.sync(config)  # the race under test is the PipelineRun's, not the mirror push's
    head = live_heads(config)["githubV01"]
    gate, results, errors = threading.Barrier(2), [], []

    def one() -> None:
        gate.wait()
        try:
            results.append(trigger_current(config, out=lambda line: None))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert sorted(r.created for r in results) == [False, True]
    assert {r.name for r in results} == {PROFILE.pipeline_run_name(head)}
    assert runs_for(config, head) == [PROFILE.pipeline_run_name(head)]


def test_a_trigger_that_loses_the_race_reuses_the_winners_run(fresh_lane, tmp_path, monkeypatch):
    SCENARIOS["mirror-behind-github"].apply(SandboxControl(fresh_lane.paths.root))
    config = lane_config(fresh_lane, tmp_path)
    head = live_heads(config)["githubV01"]
    real_get = LiveKube.get
    raced = []

    def get_then_lose(self, kind, namespace, name):
        if (
            kind == "PipelineRun" and not raced
        ):  # another trigger creates the run right after our GET
            raced.append(
                LiveKube(config).create(
                    kind, namespace, pipeline_run(config, head), "agentrun-v01-trigger"
                )
            )
            return None
        return real_get(self, kind, namespace, name)

    monkeypatch.setattr(LiveKube, "get", get_then_lose)
    mark = log_mark(fresh_lane)

    result = trigger_current(config, out=lambda line: None)

    assert raced and result.created is False and result.name == raced[0]["metadata"]["name"]
    posts = [e["status"] for e in requests_since(fresh_lane, mark) if e["method"] == "POST"]
    assert posts == [201, 409], "the winner's create, then ours answered AlreadyExists"
    assert runs_for(config, head) == [result.name]


def test_fresh_lane_reuses_the_seeded_run_and_follows_its_promotion(fresh_lane, tmp_path):
    config = lane_config(fresh_lane, tmp_path)
    heads = live_heads(config)
    mark = log_mark(fresh_lane)
    lines: list[str] = []

    triggered = trigger_current(config, out=lines.append)
    started = time.monotonic()
    outcome = wait(config, triggered.name, timeout=5, out=lines.append)

    assert time.monotonic() - started < 2, "a finished run needs one look"
    assert (triggered.created, triggered.synced, triggered.revision) == (
        False,
        None,
        heads["githubV01"],
    )
    assert outcome.succeeded and outcome.plan_summary == "build=0 reuse=1 unsafeReuse=0"
    assert outcome.results["status"] == "reused"
    assert {t.pipelineTask: t.status for t in outcome.tasks}["image-build"] == "Skipped"
    assert any(line.endswith("PipelineRun     Completed") for line in lines)

    promoted = follow_promotion(config, outcome, timeout=10, out=lines.append)

    assert promoted.revision == heads["githubV01"] and promoted.gitopsCommit == heads["localGitops"]
    assert promoted.flushed["moved"] is False and promoted.flushed["after"] == heads["githubGitops"]
    assert promoted.applicationRevision == promoted.gitopsCommit and promoted.health == "Healthy"
    assert promoted.status == "reused" and promoted.digest == outcome.results["digest"]
    assert promoted.envIdentity == outcome.results["envIdentity"]
    assert promoted.workloads == ["Deployment agentrun-v01/agentrun-mgr ready (1 pods)"]
    assert set(promoted.phases) == {"gitops", "flush", "argocd", "runtime"}
    assert json.loads(json.dumps(promoted.as_dict()))["gitopsCommit"] == promoted.gitopsCommit
    assert writes(requests_since(fresh_lane, mark)) == [], (
        "a reused run and a settled promotion change nothing"
    )
    assert live_heads(config) == heads


def test_trigger_refuses_when_the_mirror_cannot_serve_the_commit(fresh_lane, tmp_path):
    SCENARIOS["mirror-lost-source-commit"].apply(SandboxControl(fresh_lane.paths.root))
    config = lane_config(fresh_lane, tmp_path)
    head = live_heads(config)["githubV01"]
    mark = log_mark(fresh_lane)

    with pytest.raises(DriveError) as refused:
        trigger_current(config, out=lambda line: None)

    assert f"exact fetch of {head}" in str(refused.value) and "mirror-read" in str(refused.value)
    assert requests_since(fresh_lane, mark) == [], "no PipelineRun is looked for, none created"


def test_trigger_refuses_a_run_of_its_name_for_another_revision(fresh_lane, tmp_path):
    control = SandboxControl(fresh_lane.paths.root)
    config = lane_config(fresh_lane, tmp_path)
    head = live_heads(config)["githubV01"]
    name = PROFILE.pipeline_run_name(head)
    other = head[:12] + "f" * 28
    control.kubectl(
        "patch",
        "pipelineruns.tekton.dev",
        name,
        "-n",
        NS,
        "--type=json",
        "-p",
        json.dumps([{"op": "replace", "path": "/spec/params/0/value", "value": other}]),
    )
    mark = log_mark(fresh_lane)

    with pytest.raises(DriveError) as clash:
        trigger_current(config, out=lambda line: None)

    assert f"exists for revision {other}, not {head}" in str(clash.value) and "name clash" in str(
        clash.value
    )
    assert writes(requests_since(fresh_lane, mark)) == []


def test_promotion_stops_at_once_when_argo_fails_the_sync(fresh_lane, tmp_path):
    config = lane_config(fresh_lane, tmp_path)
    outcome = wait(
        config,
        trigger_current(config, out=lambda line: None).name,
        timeout=5,
        out=lambda line: None,
    )
    app = (
        f"{fresh_lane.info['api']}/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/"
        f"{PROFILE.application}"
    )
    gitops = live_heads(config)["localGitops"]
    failed = {
        "status": {
            "sync": {"status": "OutOfSync", "revision": gitops},
            "operationState": {
                "operation": {"sync": {"revision": gitops}},
                "phase": "Failed",
                "message": (
                    "one or more objects failed to apply: the server rejected the Deployment"
                ),
            },
        }
    }
    with httpx.Client(verify=tls_from_kubeconfig(fresh_lane.kubeconfig)) as api:
        api.patch(app, json=failed, headers=MERGE).raise_for_status()
    started = time.monotonic()

    with pytest.raises(DriveError) as stopped:
        follow_promotion(config, outcome, timeout=30, out=lambda line: None)

    assert time.monotonic() - started < 5, "a failed sync is not waited out"
    assert str(stopped.value) == (
        f"Argo CD failed to sync Application argocd/{PROFILE.application} to {gitops}: "
        "one or more objects failed to apply: the server rejected the Deployment"
    )


def test_promotion_timeout_names_the_phase_and_the_workload_not_ready(fresh_lane, tmp_path):
    config = lane_config(fresh_lane, tmp_path)
    outcome = wait(
        config,
        trigger_current(config, out=lambda line: None).name,
        timeout=5,
        out=lambda line: None,
    )
    SCENARIOS["deployment-not-ready"].apply(SandboxControl(fresh_lane.paths.root))
    lines: list[str] = []

    with pytest.raises(PromotionTimedOut) as late:
        follow_promotion(config, outcome, timeout=1.5, out=lines.append)

    assert late.value.phase == "runtime"
    assert str(late.value).startswith(
        "promotion did not complete within 1.5s: phase runtime still waiting; "
    )
    # the rollout problem as RT-02 words it (rollout_state: one definition for the
    # check and the wait)
    assert "Deployment agentrun-v01/agentrun-mgr: 0/1 ready" in str(late.value)
    assert [line.split("] ", 1)[1].split()[0] for line in lines] == [
        "gitops",
        "flush",
        "argocd",
        "runtime",
    ]


def test_cli_drives_only_with_confirm_and_prints_json(fresh_lane, tmp_path):
    lane = str(fresh_lane.lane_config)
    mark = log_mark(fresh_lane)
    for command in ("trigger-current", "promote"):
        refused = cli(command, "--lane-config", lane)
        assert refused.returncode == 4, refused.stderr
        assert (
            refused.stderr.strip()
            == f"agentrun-lane: `{command}` changes the lane: run it again with --confirm"
        )
    assert requests_since(fresh_lane, mark) == []

    done = cli("trigger-current", "--lane-config", lane, "--json", "--confirm", "--timeout", "10")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (
        report["trigger"]["created"] is False
        and report["run"]["planSummary"] == "build=0 reuse=1 unsafeReuse=0"
    )
    assert (
        f"PipelineRun {NS}/{report['trigger']['name']}" in done.stderr
        and "plan            Succeeded" in done.stderr
    )

    table = cli("trigger-current", "--lane-config", lane, "--confirm", "--timeout", "10")
    assert table.returncode == 0, table.stderr
    assert "planSummary" in table.stdout and table.stdout.splitlines()[-7].split() == [
        "TASK",
        "TASKRUN",
        "STATUS",
        "DETAIL",
    ]

    promoted = cli("promote", "--lane-config", lane, "--json", "--confirm", "--timeout", "20")
    assert promoted.returncode == 0, promoted.stderr
    result = json.loads(promoted.stdout)
    assert result["revision"] == report["trigger"]["revision"] and result["health"] == "Healthy"
    assert result["applicationRevision"] == result["gitopsCommit"]

    missing = cli(
        "promote",
        "--lane-config",
        lane,
        "--confirm",
        "--run",
        "agentrun-v01-ci-000000000000",
        "--timeout",
        "2",
    )
    assert missing.returncode == 1
    assert (
        missing.stderr.strip()
        == f"agentrun-lane: PipelineRun {NS}/agentrun-v01-ci-000000000000 does not exist"
    )
