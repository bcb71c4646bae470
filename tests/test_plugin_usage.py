"""The plugin as a user meets it: options, markers, fixtures, usage errors before any test runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pytest_agentrun.drive.driver import DriveConsent, DriveNotAllowed, LaneDriver
from pytest_agentrun.readers.mirror import Mirror
from pytest_agentrun.readers.session import LaneSession

ROOT = Path(__file__).resolve().parents[1]


def pytest_run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def error_lines(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("ERROR")]


def test_options_are_shown_in_help():
    out = pytest_run("--help").stdout
    for option in (
        "--lane=NAME",
        "--lane-config=PATH",
        "--sandbox",
        "--list-criteria",
        "--agentrun-reports",
    ):
        assert option in out


def test_fixtures_are_documented():
    out = pytest_run("acceptance", "--lane", "v0.1", "--fixtures", "-q").stdout
    for fixture in (
        "lane",
        "cluster",
        "tekton",
        "argo",
        "catalog",
        "gitops",
        "mirror",
        "registry",
        "worktree",
        "verdict",
    ):
        assert (
            f"\n{fixture} [session scope] -- pytest_agentrun/fixtures.py" in out
            or f"\n{fixture} -- pytest_agentrun/fixtures.py" in out
        ), fixture
    assert "evidence reader" in out


def test_criterion_marker_is_registered():
    assert "@pytest.mark.criterion(*ids)" in pytest_run("--markers").stdout


def test_unknown_lane_is_a_one_line_usage_error():
    done = pytest_run("acceptance", "--lane", "v9.9")
    assert done.returncode == 4
    assert error_lines(done) == [
        "ERROR: agentrun: unknown lane 'v9.9': profiles exist for v0.1 (pytest_agentrun/lanes/)"
    ]


def test_missing_kubeconfig_is_a_usage_error_naming_it(tmp_path):
    config = tmp_path / "lane.yaml"
    config.write_text(
        yaml.safe_dump({"lane": "v0.1", "kubernetes": {"kubeconfig": "nowhere/kubeconfig"}})
    )
    done = pytest_run("acceptance", "--lane", "v0.1", "--lane-config", str(config))
    assert done.returncode == 4
    [line] = error_lines(done)
    assert f"kubeconfig {tmp_path / 'nowhere' / 'kubeconfig'} does not exist" in line
    assert "Traceback" not in done.stdout + done.stderr


def test_unreachable_api_server_is_a_usage_error_naming_what_was_tried(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "gone",
                "clusters": [{"name": "gone", "cluster": {"server": "http://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "not-a-real-token"}}],
                "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "u"}}],
            }
        )
    )
    config = tmp_path / "lane.yaml"
    config.write_text(
        yaml.safe_dump(
            {"lane": "v0.1", "kubernetes": {"kubeconfig": "kubeconfig", "context": "gone"}}
        )
    )
    done = pytest_run("acceptance", "--lane", "v0.1", "--lane-config", str(config))
    assert done.returncode == 4
    [line] = error_lines(done)
    assert "Kubernetes API server http://127.0.0.1:9 unreachable" in line
    assert f"kubeconfig {kubeconfig} context gone" in line
    assert "not-a-real-token" not in done.stdout + done.stderr


def test_lane_config_of_another_lane_is_refused(tmp_path):
    config = tmp_path / "lane.yaml"
    config.write_text("lane: v0.2\n")
    done = pytest_run("acceptance", "--lane", "v0.1", "--lane-config", str(config))
    assert done.returncode == 4
    assert "is for lane 'v0.2', but --lane is 'v0.1'" in error_lines(done)[0]


def test_acceptance_without_a_lane_is_a_usage_error():
    done = pytest_run("acceptance")
    assert done.returncode == 4
    assert "pass --lane NAME" in error_lines(done)[0]


def test_list_criteria_lists_every_criterion_and_runs_nothing():
    done = pytest_run("acceptance", "--lane", "v0.1", "--list-criteria", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [
        l
        for l in done.stdout.splitlines()
        if l[:3] in {"RT-", "AR-", "GO-", "CT-", "REG", "TK-", "SRC", "MR-", "AP-", "LG-", "DR-"}
    ]
    assert len(lines) == 60
    rt01 = next(l for l in lines if l.startswith("RT-01 "))
    assert (
        "covered" in rt01
        and "test_1_live_runtime.py::test_runtime_namespace_exists_and_is_active" in rt01
    )
    assert " passed" not in done.stdout and " failed" not in done.stdout


def test_drive_is_refused_with_replay_and_with_parallel_workers(tmp_path):
    replayed = pytest_run("acceptance", "--lane", "v0.1", "--drive", "--replay", str(tmp_path))
    assert replayed.returncode == 4
    assert error_lines(replayed) == [
        "ERROR: agentrun: --drive changes a live lane: it cannot be combined with --replay"
    ]
    parallel = pytest_run("acceptance", "--lane", "v0.1", "--drive", "-n", "2", "--sandbox")
    assert parallel.returncode == 4
    assert error_lines(parallel) == [
        "ERROR: agentrun: --drive runs serially: drop -n / --numprocesses"
    ]


def test_the_driver_is_documented_and_exists_only_with_consent():
    out = pytest_run("acceptance", "--lane", "v0.1", "--fixtures", "-q").stdout
    assert "driver [session scope]" in out
    with pytest.raises(DriveNotAllowed, match="run pytest with --drive"):
        DriveConsent.of_pytest(False)
    with pytest.raises(DriveNotAllowed, match="without consent"):
        LaneDriver(None, "yes")
    with pytest.raises(
        DriveNotAllowed, match=r"agentrun-lane mirror flush changes the lane.*--confirm"
    ):
        DriveConsent.of_command("mirror flush", confirmed=False)
    assert DriveConsent.of_pytest(True).given_by == "pytest --drive"


def test_the_lane_session_and_its_mirror_only_read():
    """Nothing the passive suite is handed can change the lane (issue 15)."""
    changing = {
        "sync",
        "flush",
        "trigger_current",
        "follow",
        "push",
        "apply",
        "patch",
        "create",
        "delete",
    }
    for reader in (LaneSession, Mirror):
        assert changing.isdisjoint(dir(reader)), reader
