"""The sandbox's real control plane: what a person sees with kubectl against it,
and its failed starts.

The tests share one control plane (a start costs some 5 s of CPU), each in a namespace of its own
that its kubeconfig names; kubectl is the user's client.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from agentrun_sandbox.controlplane import ControlPlane, ControlPlaneError, NodeSpec

IMAGE = "registry.sandbox.invalid/agentrun/env@sha256:" + "ab" * 32


@pytest.fixture(scope="module")
def plane(tmp_path_factory):
    started = ControlPlane(tmp_path_factory.mktemp("cp"), NodeSpec("g14", "10.233.0.0/24")).start()
    yield started
    started.stop()


@pytest.fixture
def cluster(plane, tmp_path, request):
    """The shared control plane, and a kubeconfig whose context names this test's namespace."""
    namespace = request.node.name.replace("_", "-")[:63].strip("-")
    config = plane.kubeconfig()
    config["contexts"][0]["context"]["namespace"] = namespace
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    kubectl(path, "create", "namespace", namespace)
    return plane, path


def kubectl(config: Path, *args: str) -> str:
    done = subprocess.run(
        ["kubectl", f"--kubeconfig={config}", *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
    return done.stdout


def until(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def pods(config: Path, selector: str = "app=web") -> list[dict]:
    return json.loads(kubectl(config, "get", "pods", "-l", selector, "-o", "json"))["items"]


def ready(pod: dict) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", [])
    )


def test_version_names_the_built_release(cluster):
    plane, _ = cluster
    with plane.client() as api:
        version = api.get("/version").json()
    assert version["gitVersion"] == "v1.36.3", version


def test_the_controllers_roll_out_scale_and_restart_a_deployment(cluster):
    _, config = cluster
    kubectl(config, "create", "deployment", "web", f"--image={IMAGE}")
    assert until(lambda: [p for p in pods(config) if ready(p)]), "the first Pod never became Ready"
    printed = kubectl(config, "get", "pods")
    assert "READY" in printed.splitlines()[0] and "Running" in printed, printed

    kubectl(config, "scale", "deployment", "web", "--replicas=2")
    assert until(lambda: len([p for p in pods(config) if ready(p)]) == 2), pods(config)
    pod = pods(config)[0]
    status = pod["status"]["containerStatuses"][0]
    # containerd's imageID: the repository and the digest the Pod runs
    assert status["imageID"] == IMAGE and status["containerID"].startswith("containerd://"), status
    assert pod["spec"]["nodeName"] == "g14" and pod["status"]["podIP"].startswith("10.233.0."), pod[
        "status"
    ]

    first = {
        rs["metadata"]["name"]
        for rs in json.loads(kubectl(config, "get", "rs", "-o", "json"))["items"]
    }
    kubectl(config, "rollout", "restart", "deployment/web")
    kubectl(config, "rollout", "status", "deployment/web", "--timeout=60s")
    sets = json.loads(kubectl(config, "get", "rs", "-o", "json"))["items"]
    new = [rs for rs in sets if rs["metadata"]["name"] not in first]
    assert len(new) == 1, [rs["metadata"]["name"] for rs in sets]
    labels, annotations = new[0]["metadata"]["labels"], new[0]["metadata"]["annotations"]
    assert new[0]["metadata"]["name"].endswith(labels["pod-template-hash"])
    assert annotations["deployment.kubernetes.io/revision"] == "2"


def test_a_graceful_delete_leaves_a_terminating_pod_while_it_lasts(cluster):
    _, config = cluster
    kubectl(config, "create", "deployment", "web", f"--image={IMAGE}")
    assert until(lambda: [p for p in pods(config) if ready(p)])
    name = pods(config)[0]["metadata"]["name"]
    kubectl(config, "delete", "pod", name, "--wait=false")
    listed = kubectl(config, "get", "pod", name)
    assert "Terminating" in listed, listed
    assert until(lambda: name not in kubectl(config, "get", "pods", "-o", "name"), 15)


def test_the_garbage_collector_removes_what_a_deleted_deployment_owned(cluster):
    _, config = cluster
    kubectl(config, "create", "deployment", "web", f"--image={IMAGE}")
    assert until(lambda: [p for p in pods(config) if ready(p)])
    kubectl(config, "delete", "deployment", "web", "--wait=false")
    assert until(lambda: not json.loads(kubectl(config, "get", "rs", "-o", "json"))["items"], 30)


def test_a_missing_build_is_one_line_naming_setup(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTRUN_CONTROLPLANE", str(tmp_path / "absent"))
    with pytest.raises(ControlPlaneError) as raised:
        ControlPlane(tmp_path / "cp", NodeSpec("g14", "10.233.0.0/24")).start()
    assert "is not built" in str(raised.value) and "scripts/setup.sh" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_component_that_dies_while_starting_is_named_with_its_log_and_nothing_stays(
    tmp_path, monkeypatch
):
    # etcd's client port already taken by a listener of the test's own
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    real = Path(
        os.environ.get("AGENTRUN_CONTROLPLANE")
        or Path(__file__).resolve().parents[1] / ".tools" / "controlplane" / "controlplane"
    )
    wrapper = tmp_path / "controlplane"
    # etcd is told to listen where the test listens; every other component runs as built
    wrapper.write_text(
        '#!/bin/sh\nif [ "$1" = etcd ]; then shift; exec ' + f'{real} etcd "$@" '
        f"--listen-client-urls=http://127.0.0.1:{port} --advertise-client-urls=http://127.0.0.1:{port}"
        f'\nfi\nexec {real} "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("AGENTRUN_CONTROLPLANE", str(wrapper))
    plane = ControlPlane(tmp_path / "cp", NodeSpec("g14", "10.233.0.0/24"))
    with pytest.raises(ControlPlaneError) as raised:
        plane.start()
    taken.close()
    message = str(raised.value)
    assert message.startswith("sandbox control plane: etcd exited with code"), message
    assert "address already in use" in message, message
    assert not running_under(tmp_path), "a failed start leaves components running"


def running_under(directory: Path) -> list[str]:
    """Command lines of live processes that name `directory` (every component's flags do)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if proc.name.isdigit() and str(directory) in cmdline and "pytest" not in cmdline:
            found.append(cmdline)
    return found
