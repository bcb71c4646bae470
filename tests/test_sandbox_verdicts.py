"""The suite against the conforming sandbox lane: every criterion passes, and a plain run is
read-only (no mutating API request, no git push). Violations are in test_kill_matrix.py."""

from __future__ import annotations

import json
from pathlib import Path

from agentrun_sandbox.scenarios import SCENARIOS
from suite_run import run_suite

FIRST_CRITERIA = {
    "RT-01",
    "RT-02",
    "AR-02",
    "AR-03",
    "GO-01",
    "GO-02",
    "CT-01",
    "REG-01",
    "TK-02",
    "SRC-01",
    "MR-01",
}


def log_lines(path: Path) -> list[dict]:
    return (
        [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if path.is_file()
        else []
    )


def test_conforming_lane_passes_every_implemented_criterion_read_only(conforming_lane, tmp_path):
    paths = conforming_lane.paths
    api_before, git_before = len(paths.api_requests()), len(log_lines(paths.git_log))

    result = run_suite(conforming_lane.lane_config, tmp_path / "reports")

    assert result.returncode == 0, result.output
    assert not result.failed(), {c: result.messages.get(c) for c in result.failed()}
    assert FIRST_CRITERIA <= result.passed(), f"not judged: {FIRST_CRITERIA - result.passed()}"
    api_requests = paths.api_requests()[api_before:]
    git_requests = log_lines(paths.git_log)[git_before:]
    assert api_requests, "the run made no API request at all: the log is not being written"
    logs = [r["path"] for r in api_requests if r.get("subresource") == "log"]
    assert not logs, f"a healthy lane's Pods are not troubled: no log is read ({logs[:3]})"
    mutating = [r for r in api_requests if r["method"] not in ("GET", "HEAD")]
    assert not mutating, f"a plain run must not mutate the cluster: {mutating[:5]}"
    assert git_requests, "the run read nothing from git"
    pushes = [r for r in git_requests if r.get("service") == "receive-pack"]
    assert not pushes, f"a plain run must not push: {pushes[:5]}"


def test_every_first_criterion_has_a_killing_scenario():
    killed = {c for s in SCENARIOS.values() for c in s.kills}
    assert FIRST_CRITERIA <= killed, f"no scenario kills {sorted(FIRST_CRITERIA - killed)}"
