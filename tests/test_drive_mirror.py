"""Mirror sync and flush for real on a sandbox lane: fast-forward only, refused when diverged, only
with --drive or a confirming command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agentrun_sandbox.scenarios import SCENARIOS, SandboxControl
from pytest_agentrun.drive.mirror_sync import flush, live_heads, sync
from pytest_agentrun.errors import DriveError
from pytest_agentrun.lane import LaneConfig, LaneProfile
from suite_run import ROOT, run_suite


def lane_config(handle, tmp_path) -> LaneConfig:
    return LaneConfig.load(LaneProfile.load("v0.1"), handle.lane_config, tmp_path / "cache")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest_agentrun.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_sync_and_flush_fast_forward_both_sides(fresh_lane, tmp_path):
    control = SandboxControl(fresh_lane.paths.root)
    SCENARIOS["mirror-behind-github"].apply(control)  # GitHub's v0.1 moved on
    SCENARIOS["gitops-ahead-of-argo"].apply(
        control
    )  # the mirror's v0.1-gitops has a commit to flush
    config = lane_config(fresh_lane, tmp_path)
    before = live_heads(config)
    assert (
        before["localV01"] != before["githubV01"]
        and before["localGitops"] != before["githubGitops"]
    )

    synced, flushed = sync(config), flush(config)

    after = live_heads(config)
    assert (
        synced.moved
        and after["localV01"] == after["githubV01"] == synced.after == before["githubV01"]
    )
    assert (
        flushed.moved
        and after["githubGitops"] == after["localGitops"] == flushed.after == before["localGitops"]
    )
    assert not sync(config).moved and not flush(config).moved, "a second pass has nothing to move"


def test_flush_refuses_a_diverged_github_branch_and_changes_nothing(fresh_lane, tmp_path):
    SCENARIOS["github-gitops-diverged"].apply(SandboxControl(fresh_lane.paths.root))
    config = lane_config(fresh_lane, tmp_path)
    before = live_heads(config)

    with pytest.raises(DriveError) as refused:
        flush(config)

    assert "not a fast-forward" in str(refused.value)
    assert before["githubGitops"] in str(refused.value) and before["localGitops"] in str(
        refused.value
    )
    assert live_heads(config) == before


def test_cli_mutates_only_with_confirm_and_reports_as_table_or_json(fresh_lane, tmp_path):
    SCENARIOS["gitops-ahead-of-argo"].apply(SandboxControl(fresh_lane.paths.root))
    config = lane_config(fresh_lane, tmp_path)
    before = live_heads(config)
    lane = str(fresh_lane.lane_config)

    refused = cli("mirror", "flush", "--lane-config", lane)
    assert (
        refused.returncode == 4 and "--confirm" in refused.stderr and live_heads(config) == before
    )

    status = json.loads(cli("mirror", "status", "--lane-config", lane, "--json").stdout)
    assert {
        "localV01",
        "githubV01",
        "localGitops",
        "githubGitops",
        "pendingFlush",
        "sourceInSync",
        "exactFetch",
    } <= set(status)
    assert status["pendingFlush"] is True

    done = cli("mirror", "flush", "--lane-config", lane, "--confirm")
    assert done.returncode == 0, done.stderr
    assert "moved" in done.stdout and before["localGitops"] in done.stdout
    assert live_heads(config)["githubGitops"] == before["localGitops"]


def test_drive_tests_run_only_with_drive(fresh_lane, tmp_path):
    SCENARIOS["mirror-behind-github"].apply(SandboxControl(fresh_lane.paths.root))
    config = lane_config(fresh_lane, tmp_path)
    passive = run_suite(fresh_lane.lane_config, tmp_path / "passive")
    assert "DR-01" not in passive.verdicts and "4 drive tests deselected" in passive.output
    assert live_heads(config)["localV01"] != live_heads(config)["githubV01"], (
        "a plain run changed the lane"
    )

    driven = run_suite(
        fresh_lane.lane_config, tmp_path / "driven", "--drive", "-k", "mirror_sync_then_flush"
    )
    assert driven.passed() == {"DR-01"}, driven.output[-2000:]
    heads = live_heads(config)
    assert heads["localV01"] == heads["githubV01"]


def test_an_unreachable_mirror_is_a_drive_error_naming_it(tmp_path):
    """No traceback from git: a drive step against a mirror that does not answer says
    which URL failed."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config_file = tmp_path / "lane.yaml"
    config_file.write_text(
        json.dumps(
            {
                "lane": "v0.1",
                "kubernetes": {"inCluster": False},
                "mirror": {
                    "readUrl": f"http://127.0.0.1:{port}/a.git",
                    "writeUrl": f"http://127.0.0.1:{port}/a.git",
                },
            }
        )
    )
    config = LaneConfig.load(LaneProfile.load("v0.1"), config_file, tmp_path / "cache")
    with pytest.raises(DriveError, match=rf"ls-remote http://127.0.0.1:{port}/a.git failed: .*"):
        live_heads(config)
