"""What a failed start leaves behind: nothing running, no empty evidence folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from agentrun_sandbox import lane as sandbox
from agentrun_sandbox.supervisor import write_atomically

ROOT = Path(__file__).resolve().parents[1]


def processes_naming(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if (
                proc.name.isdigit()
                and text in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize(
    "lane_config",
    [
        {"lane": "v0.1", "kubernetes": {"kubeconfig": "nowhere/kubeconfig"}},
        {"lane": "v0.9"},
        "not: [yaml",
    ],
    ids=["missing kubeconfig", "other lane", "broken config"],
)
def test_a_usage_error_leaves_no_evidence_folder(tmp_path, lane_config):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    config = tmp_path / "lane.yaml"
    config.write_text(lane_config if isinstance(lane_config, str) else yaml.safe_dump(lane_config))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "acceptance",
            "--lane",
            "v0.1",
            "--lane-config",
            str(config),
            "--agentrun-reports",
            str(tmp_path / "reports"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert list(scratch.iterdir()) == []


def test_a_file_written_atomically_is_whole_or_absent(tmp_path):
    target = tmp_path / "ready.json"
    write_atomically(target, '{"api": "http://127.0.0.1:1"}')
    assert target.read_text() == '{"api": "http://127.0.0.1:1"}'
    assert [p.name for p in tmp_path.iterdir()] == ["ready.json"]  # no partial file left beside it


def test_a_start_that_times_out_stops_what_it_started(tmp_path):
    directory = tmp_path / "lane"
    with pytest.raises(sandbox.SandboxError, match="did not become ready"):
        sandbox.up(directory, parent_pid=os.getpid(), timeout=0.3)
    assert processes_naming(str(directory)) == []
    assert sandbox.running_pids(sandbox.SandboxPaths(directory)) == []
