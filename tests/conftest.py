"""Fixtures for the plugin's own tests: sandbox lanes started per test (or once, read-only)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentrun_sandbox import lane as sandbox
from kube_api import ServedPool

pytest_plugins = ["pytester", "world_groups"]  # world_groups: its loadgroup hook

# Copies of the steering repository's shared/reference (sources: reference/README.md,
# reference/upstream/SOURCES.md), so a clone of the project alone runs its tests.
REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.fail(f"the upstream reference objects are missing: expected {REFERENCE}")
    return REFERENCE


@pytest.fixture(scope="session")
def conforming_lane(tmp_path_factory):
    """One conforming sandbox lane for the session. Tests that use it must not change it."""
    directory = tmp_path_factory.mktemp("conforming-lane")
    handle = sandbox.up(directory, parent_pid=os.getpid())  # stops by itself if this run is killed
    yield handle
    sandbox.down(directory)


@pytest.fixture(scope="session")
def cluster_hosts(tmp_path_factory):
    """Clusters kept for the in-process lanes of this worker, one per world, reset between lanes
    (agentrun_sandbox/controlplane/host.py)."""
    with sandbox.cluster_hosts(tmp_path_factory.mktemp("clusters")) as hosts:
        yield hosts


@pytest.fixture(scope="session")
def served_apis(tmp_path_factory):
    """Bare kube-apiservers kept for this worker's tests, reset between them (kube_api.py)."""
    pool = ServedPool(tmp_path_factory.mktemp("served-apis"))
    yield pool
    pool.stop()


@pytest.fixture(scope="session")
def seed_cache(tmp_path_factory):
    """The worker's seeds, one per lane and world, copied into each fresh lane (seed_cache.py)."""
    return tmp_path_factory.mktemp("seed-cache")


@pytest.fixture
def fresh_lane(tmp_path, cluster_hosts, seed_cache):
    """A sandbox lane of this test's own, free to be violated: served by this process on the
    worker's kept cluster, which is reset when the test ends (a lane started by `sandbox up` is
    the same lane: tests/test_start_and_usage_cleanup.py and the README's main job start one)."""
    host = cluster_hosts.of(None)
    with sandbox.in_process(tmp_path / "lane", host=host, seed_cache=seed_cache) as handle:
        yield handle


def pytest_configure(config):
    if not hasattr(
        config, "workerinput"
    ):  # the controller names this session's matrix folder; workers inherit it
        os.environ.setdefault(
            "AGENTRUN_KILL_MATRIX_DIR",
            str(
                Path(__file__).resolve().parents[1]
                / "reports"
                / "kill-matrix"
                / f"session-{os.getpid()}"
            ),
        )


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from kill_matrix import gather, table

    matrix = gather() if not hasattr(config, "workerinput") else None
    if matrix:
        terminalreporter.write_sep("=", "kill matrix (reports/kill-matrix.json)")
        for line in table(matrix):
            terminalreporter.write_line(line)
