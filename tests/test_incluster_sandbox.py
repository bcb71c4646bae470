"""The in-cluster install on sandbox lanes: kube-apiserver's RBAC authorizer holds a token of the
Task's ServiceAccount to the rendered Roles (every request of a passive run allowed, writes and
other reads denied with the real 403), the
documented install applied to a lane leaves its six tasks plus `acceptance`, a lane config without
git credentials makes the GitHub criteria undecided at once, and settle sees a settled lane."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest
import yaml

from kube_api import ServedObjects
from agentrun_sandbox.scenarios import SandboxControl
from pytest_agentrun.incluster import install, render
from pytest_agentrun.lane import LaneProfile
from suite_run import ROOT, run_suite

PROFILE = LaneProfile.load("v0.1")
ACCOUNT = render.task_name(PROFILE)
LANE_TASKS = ["prepare-source", "check", "plan", "image-build", "image-publish", "promote"]


@pytest.fixture(scope="module")
def passive_requests(conforming_lane, tmp_path_factory) -> list[dict]:
    """The requests one passive run makes (the sandbox's api-requests.jsonl, the lines it added)."""
    before = len(conforming_lane.paths.api_requests())
    result = run_suite(conforming_lane.lane_config, tmp_path_factory.mktemp("passive") / "reports")
    assert result.returncode == 0, result.output[-3000:]
    return conforming_lane.paths.api_requests()[before:]


USER = f"system:serviceaccount:{PROFILE.tekton_namespace}:{ACCOUNT}"


@pytest.fixture(scope="module")
def rbac_server(tmp_path_factory):
    """kube-apiserver holding only the rendered RBAC objects, and a token of the Task's account
    from its TokenRequest API, as the kubelet projects one into the Task's Pod."""
    api = ServedObjects(tmp_path_factory.mktemp("apiserver"))
    namespaces = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
        for n in (
            PROFILE.tekton_namespace,
            PROFILE.runtime_namespace,
            PROFILE["argocd"]["namespace"],
        )
    ]
    rendered = render.render(PROFILE)["rbac.yaml"]
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": ACCOUNT, "namespace": PROFILE.tekton_namespace},
    }
    api.load(namespaces + [o for o in rendered if o["kind"] != "ServiceAccount"] + [account])
    yield api, api.plane.service_account_token(PROFILE.tekton_namespace, ACCOUNT)
    api.stop()


def as_account(api, token, method, path, query=None, body=None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(verify=api.plane.ca_context(), timeout=10) as http:
        return http.request(method, api.url + path, params=query, headers=headers, json=body)


def test_the_rendered_rbac_allows_every_request_of_a_passive_run(passive_requests, rbac_server):
    api, token = rbac_server
    assert len(passive_requests) > 20 and {r["verb"] for r in passive_requests} >= {"get", "list"}
    assert any("proxy" in (r["verb"], r.get("subresource")) for r in passive_requests), (
        "RT-05's service proxy"
    )
    refused = [
        (
            r["method"],
            r["path"],
            as_account(api, token, r["method"], r["path"], r["query"]).status_code,
        )
        for r in passive_requests
    ]
    assert not [r for r in refused if r[2] in (401, 403)], refused
    mine = [r for r in api.requests() if r["user"] == USER]
    assert len(mine) >= len(passive_requests), (
        "every replayed request reached the authorizer as the account"
    )


@pytest.mark.parametrize(
    "method, path, body",
    [
        (
            "POST",
            f"/apis/tekton.dev/v1/namespaces/{PROFILE.tekton_namespace}/pipelineruns",
            {"metadata": {"name": "x"}},
        ),
        (
            "PATCH",
            f"/apis/apps/v1/namespaces/{PROFILE.runtime_namespace}/deployments/agentrun-mgr",
            {},
        ),
        ("DELETE", f"/api/v1/namespaces/{PROFILE.runtime_namespace}/pods/agentrun-mgr-0", None),
        (
            "GET",
            f"/api/v1/namespaces/{PROFILE.tekton_namespace}/secrets",
            None,
        ),  # the git credentials
        (
            "GET",
            f"/api/v1/namespaces/{PROFILE.tekton_namespace}/secrets/agentrun-v01-acceptance-git",
            None,
        ),
        (
            "PUT",
            f"/api/v1/namespaces/{PROFILE.runtime_namespace}/secrets/agentrun-v01-database",
            {},
        ),
        ("GET", "/api/v1/namespaces/kube-system/pods", None),  # not a lane namespace
        ("GET", "/api/v1/namespaces", None),  # cluster-wide list
        ("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", None),
    ],
    ids=[
        "create-run",
        "patch-deployment",
        "delete-pod",
        "list-ci-secrets",
        "git-secret",
        "put-secret",
        "kube-system",
        "list-namespaces",
        "clusterroles",
    ],
)
def test_the_rendered_rbac_denies_writes_and_other_reads(rbac_server, method, path, body):
    api, token = rbac_server
    answer = as_account(api, token, method, path, body=body)
    assert answer.status_code == 403, answer.text
    assert (
        f'User "system:serviceaccount:{PROFILE.tekton_namespace}:{ACCOUNT}" cannot'
        in answer.json()["message"]
    )


def test_the_account_is_held_to_rbac_and_a_token_not_issued_is_refused(rbac_server):
    api, token = rbac_server
    path = f"/api/v1/namespaces/{PROFILE.tekton_namespace}/secrets"
    assert as_account(api, token, "GET", path).status_code == 403
    with api.plane.client() as admin:
        assert admin.get(path).status_code == 200, (
            "the administrator's certificate reads what the account may not"
        )
    assert as_account(api, "some-other-token", "GET", path).status_code == 401, (
        "a token it did not issue"
    )


def kubectl_json(control: SandboxControl, *args: str) -> dict:
    return json.loads(control.kubectl(*args, "-o", "json"))


def uninstall(control: SandboxControl) -> dict:
    """The lane as it was before the install: its Pipeline without the added parts, no Task."""
    pipeline = kubectl_json(
        control, "get", "pipelines.tekton.dev", PROFILE.pipeline, "-n", PROFILE.tekton_namespace
    )
    spec = pipeline["spec"]
    spec["tasks"] = [t for t in spec["tasks"] if t["name"] != "acceptance"]
    spec["workspaces"] = [w for w in spec["workspaces"] if not w["name"].startswith("acceptance-")]
    spec["results"] = [r for r in spec["results"] if not r["name"].startswith("acceptance-")]
    pipeline["metadata"]["annotations"].pop(install.PIPELINERUN_PATCH)
    path = control.paths.root / "pipeline.json"
    path.write_text(json.dumps(pipeline))
    control.kubectl("replace", "-f", str(path))
    control.kubectl("delete", "tasks.tekton.dev", ACCOUNT, "-n", PROFILE.tekton_namespace)
    return pipeline


def install_cli(control: SandboxControl, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_agentrun.cli",
            "install-incluster",
            "--lane",
            "v0.1",
            "--lane-config",
            str(control.paths.lane_config),
            "--registry-url",
            control.config["registry"]["url"],
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_the_documented_install_keeps_the_lanes_tasks_and_adds_acceptance(fresh_lane):
    control = SandboxControl(fresh_lane.paths.root)
    installed = kubectl_json(
        control, "get", "pipelines.tekton.dev", PROFILE.pipeline, "-n", PROFILE.tekton_namespace
    )
    before = uninstall(control)
    assert [t["name"] for t in before["spec"]["tasks"]] == LANE_TASKS
    refused = install_cli(control)
    assert refused.returncode == 2 and "nothing changed" in refused.stdout
    done = install_cli(
        control, "--git-basic-auth-secret", "agentrun-v01-acceptance-git", "--confirm"
    )
    assert done.returncode == 0, done.stderr
    after = kubectl_json(
        control, "get", "pipelines.tekton.dev", PROFILE.pipeline, "-n", PROFILE.tekton_namespace
    )
    assert [t["name"] for t in after["spec"]["tasks"]] == LANE_TASKS + ["acceptance"]
    assert (
        after["spec"]["tasks"][:6] == before["spec"]["tasks"]
        and after["spec"]["params"] == before["spec"]["params"]
    )
    assert after["spec"] == installed["spec"], (
        "the CLI leaves the lane exactly as the sandbox comes installed"
    )
    assert (
        after["metadata"]["annotations"][install.PIPELINERUN_PATCH]
        == installed["metadata"]["annotations"][install.PIPELINERUN_PATCH]
    )
    control.kubectl("get", "tasks.tekton.dev", ACCOUNT, "-n", PROFILE.tekton_namespace)
    for namespace in (
        PROFILE.tekton_namespace,
        PROFILE.runtime_namespace,
        PROFILE["argocd"]["namespace"],
    ):
        control.kubectl(
            "get", "roles.rbac.authorization.k8s.io", f"{ACCOUNT}-read", "-n", namespace
        )
    again = install_cli(control, "--confirm")
    assert again.returncode == 1 and "already has a task 'acceptance'" in again.stderr


def test_without_git_credentials_the_github_criteria_are_undecided_fast(conforming_lane, tmp_path):
    config = yaml.safe_load(conforming_lane.lane_config.read_text())
    config["source"]["credentials"] = False
    for key in ("kubeconfig",):
        config["kubernetes"][key] = str(conforming_lane.paths.root / config["kubernetes"][key])
    config["source"]["worktree"] = str(conforming_lane.paths.root / config["source"]["worktree"])
    lane_config = tmp_path / "lane.yaml"
    lane_config.write_text(yaml.safe_dump(config))
    started = time.monotonic()
    result = run_suite(lane_config, tmp_path / "reports", timeout=120)
    seconds = time.monotonic() - started
    url = config["source"]["repoUrl"]
    undecided = {
        c
        for c, messages in result.messages.items()
        if any(f"no credentials for {url}" in m for m in messages)
    }
    assert undecided and undecided == result.failed(), result.output[-3000:]
    assert {"MR-01", "MR-03"} <= undecided
    assert seconds < 60, (
        f"{seconds:.1f}s: a missing credential must end at once, not wait on a prompt"
    )


def test_settle_sees_a_settled_lane(conforming_lane, tmp_path):
    out = tmp_path / "settle.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_agentrun.cli",
            "settle",
            "--lane",
            "v0.1",
            "--lane-config",
            str(conforming_lane.lane_config),
            "--timeout",
            "10",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    seen = json.loads(out.read_text())
    assert (
        seen["settled"]
        and seen["pendingFlush"] is False
        and seen["syncRevision"] == seen["gitopsHead"]
    )
    assert "[settle" in done.stdout and "nothing pending flush" in done.stdout
