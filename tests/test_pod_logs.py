"""Logs under the status (issue 20 part 3): which troubled Pods are read, how a log is asked for
and bounded, masked, recorded and replayed, and that an unreadable log is evidence, never a verdict.

Pod shapes are the real upstream ones of tests/reference/upstream/kubernetes (SOURCES.md: Argo CD's
gitops-engine health testdata, taken from live clusters: pod-crashloop.yaml is a CrashLoopBackOff
Pod with lastState.terminated, pod-error.yaml a terminated one). Where upstream has no such field,
it is added and named: `message` of ContainerStateTerminated (the core/v1 OpenAPI in
tests/reference/upstream/apiserver/openapi-v3-api-v1.json). The answers of the log endpoint are
kube-apiserver's: the log as text/plain, or a Status (the 400 for a container without a previous
instance is the kubelet's sentence, pkg/kubelet/kubelet_pods.go validateContainerLogStatus).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from pytest_agentrun.evidence import bundle
from pytest_agentrun.checks import runtime
from pytest_agentrun.evidence.cache import EvidenceCache
from pytest_agentrun.lane import LaneConfig, LaneProfile
from pytest_agentrun.model import pod_logs
from pytest_agentrun.model.pod_logs import LogBounds, LogRead
from pytest_agentrun.readers import kube as kube_module
from pytest_agentrun.readers.kube import Kube
from pytest_agentrun.readers.pod_logs import troubled_pod_logs
from pytest_agentrun.report.evidence import findings_json, report_findings
from pytest_agentrun.verdict import render
from pytest_agentrun.report.pod_logs import pod_logs_text

TOKEN = "ghp_sandboxPlantedNotARealToken000000000"  # the shape of a GitHub token (gitleaks rule)
NS = "argocd"  # the upstream Pods' namespace
ROOT = Path(__file__).resolve().parents[1]


def upstream(reference_dir, name):
    obj = yaml.safe_load((reference_dir / "upstream" / "kubernetes" / name).read_text())
    return json.loads(json.dumps(obj, default=lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")))


def status_body(code, reason, message):
    return json.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }
    )


class LogServer:
    """A stand-in API server for the log endpoint only: answers by (pod, container, previous)."""

    def __init__(self):
        self.answers: dict[tuple[str, str, bool], tuple[int, str, float]] = {}
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                server.requests.append((url.path, query))
                pod = url.path.split("/")[-2]
                key = (pod, query["container"][0], query["previous"][0] == "true")
                missing = status_body(
                    404, "NotFound", "the server could not find the requested resource"
                )
                status, body, delay = server.answers.get(key, (404, missing, 0))
                time.sleep(delay)
                kind = "text/plain" if status == 200 else "application/json"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def config_for(url, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "logs",
                "clusters": [{"name": "logs", "cluster": {"server": url}}],
                "users": [{"name": "logs", "user": {}}],
                "contexts": [{"name": "logs", "context": {"cluster": "logs", "user": "logs"}}],
            }
        )
    )
    profile = LaneProfile.load("v0.1")
    return LaneConfig._from_raw(
        profile, {"kubernetes": {"kubeconfig": str(kubeconfig)}}, tmp_path, tmp_path, "test"
    )


@pytest.fixture
def server():
    served = LogServer()
    yield served
    served.stop()


@pytest.fixture
def kube(server, tmp_path):
    reader = Kube(config_for(server.url, tmp_path), EvidenceCache())
    yield reader
    reader.close()


# -- which Pods, which logs: the model on upstream shapes ----------------------------------------


def test_a_crashlooping_pod_is_troubled_and_only_its_previous_instance_is_read(reference_dir):
    pod = upstream(reference_dir, "pod-crashloop.yaml")
    assert pod_logs.trouble(pod) == "not Ready; main restarted 3 time(s)"
    reads, without = pod_logs.log_reads(pod)
    # waiting in CrashLoopBackOff: the kubelet serves the last instance as "current" too, so once
    assert reads == [LogRead("my-pod", "main", previous=True)] and without == {}
    assert pod_logs.terminations(pod) == {
        "main": {
            "lastTerminated": {
                "reason": "Error",
                "exitCode": 1,
                "finishedAt": "2018-12-02T09:20:25Z",
            }
        }
    }


def test_a_pod_terminated_with_an_error_has_both_instances_read(reference_dir):
    pod = upstream(reference_dir, "pod-error.yaml")
    assert "main terminated with exit code 1" in pod_logs.trouble(pod)
    reads, _ = pod_logs.log_reads(pod)
    assert [r.instance for r in reads] == ["current", "previous"]
    assert set(pod_logs.terminations(pod)["main"]) == {"terminated", "lastTerminated"}


def test_a_container_that_never_ran_has_no_log_to_ask_for(reference_dir):
    pod = upstream(reference_dir, "pod-imagepullbackoff.yaml")
    assert pod_logs.trouble(pod)
    reads, without = pod_logs.log_reads(pod)
    assert reads == []
    assert list(without.values()) == ["no log: the container has not run yet (ImagePullBackOff)"]


@pytest.mark.parametrize("name", ["pod-containerd-imageid.yaml"])
def test_a_ready_pod_without_restarts_is_not_troubled(reference_dir, name):
    assert pod_logs.trouble(upstream(reference_dir, name)) is None


def test_the_running_not_ready_pod_is_troubled(reference_dir):
    assert pod_logs.trouble(upstream(reference_dir, "pod-running-not-ready.yaml")) == "not Ready"


def test_the_termination_message_is_kept_and_cut(reference_dir):
    pod = upstream(reference_dir, "pod-crashloop.yaml")
    last = pod["status"]["containerStatuses"][0]["lastState"]["terminated"]
    last["message"] = "panic: config missing\n" + "x" * 5000  # ContainerStateTerminated.message
    [(_, seen)] = pod_logs.terminations(pod).items()
    assert seen["lastTerminated"]["message"].startswith("panic: config missing")
    assert len(seen["lastTerminated"]["message"]) == pod_logs.MESSAGE_CHARS


def test_the_tail_holds_to_its_bounds_when_the_server_sends_more():
    text = "".join(f"line {i}\n" for i in range(500))
    assert pod_logs.tail(text, LogBounds(tail_lines=3)) == "line 497\nline 498\nline 499"
    assert len(pod_logs.tail("é" * 100, LogBounds(limit_bytes=11)).encode()) <= 11


# -- the reader: GET pods/<pod>/log through the official client ----------------------------------


def test_the_log_is_asked_for_bounded_and_comes_back_masked(reference_dir, server, kube):
    lines = [f"{i} retrying" for i in range(80)] + [f"fatal: login with token {TOKEN} refused"]
    server.answers[("my-pod", "main", True)] = (200, "\n".join(lines) + "\n", 0)
    [pod] = [upstream(reference_dir, "pod-crashloop.yaml")]
    logs = troubled_pod_logs(kube, NS, [pod])
    [(path, query)] = server.requests
    assert path == "/api/v1/namespaces/argocd/pods/my-pod/log"
    assert query == {
        "container": ["main"],
        "previous": ["true"],
        "tailLines": ["50"],
        "limitBytes": [str(16 * 1024)],
    }
    previous = logs["my-pod"]["logs"]["main"]["previous"]
    assert previous.splitlines()[0] == "31 retrying" and len(previous.splitlines()) == 50
    assert TOKEN not in previous and "fatal: login with token <redacted:" in previous
    assert logs["my-pod"]["terminations"]["main"]["lastTerminated"]["exitCode"] == 1


FORBIDDEN = (
    'pods "my-pod" is forbidden: User "system:serviceaccount:x:y" cannot get resource '
    '"pods/log" in API group "" in the namespace "argocd"'
)  # kube-apiserver's wording
NO_PREVIOUS = 'previous terminated container "main" in pod "my-pod" not found'  # the kubelet's
UNREADABLE = [
    (
        403,
        status_body(403, "Forbidden", FORBIDDEN),
        "log could not be read: forbidden (HTTP 403): RBAC does not allow get pods/log in "
        "namespace argocd",
    ),
    (
        404,
        status_body(404, "NotFound", "the server could not find the requested resource"),
        "log could not be read: HTTP 404: the server could not find the requested resource",
    ),
    (
        400,
        status_body(400, "BadRequest", NO_PREVIOUS),
        f"log could not be read: HTTP 400: {NO_PREVIOUS}",
    ),
]


@pytest.mark.parametrize("status, body, said", UNREADABLE, ids=["403", "404", "400"])
def test_a_log_that_cannot_be_read_is_said_so_and_nothing_is_raised(
    reference_dir, server, kube, status, body, said
):
    server.answers[("my-pod", "main", True)] = (status, body, 0)
    logs = troubled_pod_logs(kube, NS, [upstream(reference_dir, "pod-crashloop.yaml")])
    assert logs["my-pod"]["logs"]["main"]["previous"].startswith(said)
    assert not kube.log_breaker.open and not kube.breaker.open


def test_a_log_that_times_out_opens_the_log_breaker_only(reference_dir, server, kube, monkeypatch):
    monkeypatch.setattr(kube_module, "LOG_TIMEOUT", (2, 0.5))
    pod = upstream(reference_dir, "pod-error.yaml")
    server.answers[("my-pod", "main", False)] = (200, "too late\n", 3)
    logs = troubled_pod_logs(kube, NS, [pod])["my-pod"]["logs"]["main"]
    assert logs["current"].startswith("log could not be read: API server unreachable (no answer")
    # the next log is not sent (the log breaker is open); the API server's breaker stays closed
    assert "later reads of this source are not sent" in logs["previous"]
    assert len(server.requests) == 1
    assert kube.log_breaker.open and not kube.breaker.open


def test_healthy_pods_cost_no_request(reference_dir, server, kube):
    healthy = upstream(reference_dir, "pod-containerd-imageid.yaml")
    assert troubled_pod_logs(kube, NS, [healthy, healthy]) == {}
    assert server.requests == []


def test_at_most_three_troubled_pods_of_a_workload_are_read(reference_dir, server, kube):
    pods = []
    for i in range(5):
        pod = upstream(reference_dir, "pod-crashloop.yaml")
        pod["metadata"]["name"] = f"my-pod-{i}"
        pods.append(pod)
    logs = troubled_pod_logs(kube, NS, pods)
    assert len(server.requests) == 3
    assert logs["my-pod-4"]["logs"].startswith("not read: only the first 3 troubled Pods")
    assert logs["my-pod-4"]["terminations"]  # the status is evidence still


# -- RT-02 / RT-03: evidence of a non-pass, never its verdict --------------------------------------


def rt03(pod, logs):
    """RT-03 on one upstream Pod adopted by a Deployment's current ReplicaSet."""
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": NS,
            "uid": "d",
            "generation": 1,
            "annotations": {"deployment.kubernetes.io/revision": "1"},
        },
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}},
        "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1},
    }
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": "web-1",
            "namespace": NS,
            "uid": "r",
            "labels": {"app": "web"},
            "annotations": {"deployment.kubernetes.io/revision": "1"},
            "ownerReferences": [
                {"kind": "Deployment", "name": "web", "uid": "d", "controller": True}
            ],
        },
    }
    pod = copy.deepcopy(pod)
    pod["metadata"].update(
        labels={"app": "web"},
        ownerReferences=[{"kind": "ReplicaSet", "name": "web-1", "uid": "r", "controller": True}],
    )
    return runtime.pods_ready(
        [("Deployment", "web", 1)], {("Deployment", "web"): deploy}, [pod], [], [rs], logs
    )


def test_rt03_attaches_the_logs_and_keeps_its_verdict(reference_dir, server, kube):
    pod = upstream(reference_dir, "pod-crashloop.yaml")
    server.answers[("my-pod", "main", True)] = (200, "boom\n", 0)
    logs = troubled_pod_logs(kube, NS, [pod])
    [with_logs] = rt03(pod, logs)
    [without] = rt03(pod, None)
    assert with_logs.status == without.status == "fail" and with_logs.found == without.found
    assert with_logs.evidence["podLogs"]["my-pod"]["logs"]["main"]["previous"] == "boom"
    assert "podLogs" not in without.evidence


def test_an_unreadable_log_does_not_change_rt03(reference_dir, server, kube):
    pod = upstream(reference_dir, "pod-crashloop.yaml")  # the server answers 404 for every log
    logs = troubled_pod_logs(kube, NS, [pod])
    [finding] = rt03(pod, logs)
    assert finding.status == rt03(pod, None)[0].status == "fail"
    assert finding.evidence["podLogs"]["my-pod"]["logs"]["main"]["previous"].startswith(
        "log could not be read: HTTP 404"
    )


def test_rt02_attaches_the_logs_of_a_workload_that_did_not_roll_out(reference_dir):
    live = upstream(reference_dir, "deployment-degraded.yaml")
    key = ("Deployment", "guestbook-ui")
    logs = {key: {"my-pod": {"trouble": "not Ready", "terminations": {}, "logs": {"main": {}}}}}
    [finding] = runtime.workloads_ready([(*key, 1)], {key: live}, "default", "deploy.json", logs)
    [plain] = runtime.workloads_ready([(*key, 1)], {key: live}, "default", "deploy.json")
    assert finding.status == plain.status == "fail" and finding.found == plain.found
    assert finding.evidence["podLogs"] == logs[key]


# -- masking, recording and replay ---------------------------------------------------------------


def test_a_token_in_a_log_line_reaches_no_report_and_no_bundle(reference_dir, server, tmp_path):
    pod = upstream(reference_dir, "pod-crashloop.yaml")
    pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["message"] = f"token={TOKEN}"
    server.answers[("my-pod", "main", True)] = (200, f"Authorization: Bearer {TOKEN}\n{TOKEN}\n", 0)
    writer = bundle.BundleWriter(tmp_path / "run", "main")
    reader = Kube(config_for(server.url, tmp_path), EvidenceCache(recorder=writer))
    findings = rt03(pod, troubled_pod_logs(reader, NS, [pod]))
    writer.close()
    reader.close()
    shown = report_findings(findings)  # what verdict.json and the HTML row are made from
    lines = "\n".join(render.line(f) for f in shown)  # the HTML row's log (one renderer)
    reports = [
        lines,
        findings_json(findings),
        json.dumps(shown),
        pod_logs_text(shown),
        writer.path.read_text(),
    ]
    assert "<redacted:github-pat>" in pod_logs_text(shown)  # the line is kept, the token not
    assert all(TOKEN not in text for text in reports)
    assert "<redacted:" in writer.path.read_text()


def recorded_run(reference_dir, server, tmp_path):
    """A live read of the crash-looping Pod's logs, recorded as a bundle; (bundle dir, logs)."""
    pod = upstream(reference_dir, "pod-crashloop.yaml")
    server.answers[("my-pod", "main", True)] = (200, "exit: config missing\n", 0)
    directory = tmp_path / "bundle"
    writer = bundle.BundleWriter(directory, "main")
    reader = Kube(config_for(server.url, tmp_path), EvidenceCache(recorder=writer))
    logs = troubled_pod_logs(reader, NS, [pod])
    writer.close()
    reader.close()
    bundle.write_manifest(directory, "v0.1", {}, "run")
    return directory, pod, logs


def test_recorded_logs_replay_offline_with_the_same_evidence(reference_dir, server, tmp_path):
    directory, pod, live = recorded_run(reference_dir, server, tmp_path)
    server.stop()  # offline: nothing may be asked
    replayed_cache = EvidenceCache(replay=bundle.RecordedEvidence(directory))
    offline = Kube(config_for("http://127.0.0.1:9", tmp_path), replayed_cache)
    assert troubled_pod_logs(offline, NS, [pod]) == live
    assert rt03(pod, live) == rt03(pod, troubled_pod_logs(offline, NS, [pod]))


def test_a_bundle_without_logs_still_replays_and_says_so(reference_dir, tmp_path):
    directory = tmp_path / "old"
    bundle.BundleWriter(directory, "main").close()  # an older run: no log was ever recorded
    (directory / "evidence-main.jsonl").write_text("")
    bundle.write_manifest(directory, "v0.1", {}, "old")
    offline = Kube(
        config_for("http://127.0.0.1:9", tmp_path),
        EvidenceCache(replay=bundle.RecordedEvidence(directory)),
    )
    pod = upstream(reference_dir, "pod-crashloop.yaml")
    logs = troubled_pod_logs(offline, NS, [pod])
    assert logs["my-pod"]["logs"]["main"]["previous"].startswith(
        "log could not be read: not recorded in this bundle"
    )
    assert rt03(pod, logs)[0].status == rt03(pod, None)[0].status == "fail"


# -- on the sandbox lane --------------------------------------------------------------------------


def test_the_sandbox_crashloop_shows_its_logs_masked_from_the_real_control_plane(
    fresh_lane, tmp_path
):
    """pod-crashloop makes RT-03 fail; kube-apiserver reads the crashed container's logs from the
    node's kubelet (kwok): the previous instance's output is RT-03's evidence, its password
    masked, and the verdict is RT-03's own."""
    from agentrun_sandbox.scenarios import SCENARIOS, SandboxControl
    from suite_run import run_suite

    SCENARIOS["pod-crashloop"].apply(SandboxControl(fresh_lane.paths.root))
    reports = tmp_path / "reports"
    result = run_suite(fresh_lane.lane_config, reports, "--criteria", "RT-02,RT-03")
    assert "RT-03" in result.failed(), result.output[-3000:]
    doc = json.loads((reports / "verdict.json").read_text())
    [rt03] = [c for c in doc["criteria"] if c["id"] == "RT-03"]
    failed = [f for f in rt03["findings"] if f["status"] == "fail"]
    logs = [f["evidence"]["podLogs"] for f in failed]
    assert logs, failed
    [[entry]] = [list(by_pod.values()) for by_pod in logs]
    assert "restarted 7 time(s)" in entry["trouble"]
    [container] = entry["logs"].values()
    assert "fatal: cannot reach the database; exiting with code 1" in container["previous"], (
        container
    )
    assert "s3cr3t-pass" not in json.dumps(doc), "a password in a log line reached verdict.json"
    # shown in the HTML row and the Allure attachment too, masked there as well
    html = (reports / "report.html").read_text()
    assert "RT-03 logs under the status: Pod" in html and "cannot reach the database" in html
    attachments = [p.read_text() for p in (reports / "allure-results").glob("*-attachment*")]
    assert any('"podLogs"' in text and "cannot reach the database" in text for text in attachments)
    assert not any("s3cr3t-pass" in text for text in attachments) and "s3cr3t-pass" not in html
    # replayed offline from the run's bundle: the same evidence under the same verdict
    again = tmp_path / "replayed"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "acceptance",
            "--lane",
            "v0.1",
            "-q",
            "--replay-evidence",
            str(reports / "evidence" / "latest"),
            "--criteria",
            "RT-02,RT-03",
            "--agentrun-reports",
            str(again),
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    replayed = json.loads((again / "verdict.json").read_text())
    [rt03_again] = [c for c in replayed["criteria"] if c["id"] == "RT-03"]
    assert rt03_again["status"] == rt03["status"]
    failed_again = [f for f in rt03_again["findings"] if f["status"] == "fail"]
    assert [f["evidence"].get("podLogs") for f in failed_again] == logs
