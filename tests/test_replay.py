"""A recorded run replays offline with identical verdicts, for a conforming and for a failing lane;
an altered bundle is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agentrun_sandbox import lane as sandbox
from agentrun_sandbox.scenarios import SCENARIOS, SandboxControl
from suite_run import ROOT, read_junit, run_suite


def replay(bundle: Path, reports: Path) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(ROOT / "acceptance"),
        "--lane",
        "v0.1",
        "--replay",
        str(bundle),
        "--agentrun-reports",
        str(reports),
        "-p",
        "no:cacheprovider",
        "-q",
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def the_bundle(reports: Path) -> Path:
    """The run's one bundle, which evidence/latest names."""
    [bundle] = [p for p in (reports / "evidence").iterdir() if not p.is_symlink()]
    assert (reports / "evidence" / "latest").resolve() == bundle.resolve()
    return bundle


def assert_same_verdicts(recorded: Path, replayed: Path) -> dict:
    original, _ = read_junit(recorded / "junit.xml")
    again, messages = read_junit(replayed / "junit.xml")
    assert original and again == original, {
        c: (original.get(c), again.get(c), messages.get(c))
        for c in set(original) | set(again)
        if original.get(c) != again.get(c)
    }
    return original


def test_replay_of_a_conforming_run_gives_identical_verdicts(conforming_lane, tmp_path):
    recorded = run_suite(conforming_lane.lane_config, tmp_path / "recorded")
    assert recorded.returncode == 0, recorded.output[-2000:]
    done = replay(the_bundle(tmp_path / "recorded"), tmp_path / "replayed")
    assert done.returncode == 0, done.stdout[-2000:]
    assert_same_verdicts(tmp_path / "recorded", tmp_path / "replayed")


def test_replay_of_a_failing_lane_after_it_is_gone_gives_identical_verdicts(fresh_lane, tmp_path):
    for name in ("image-by-tag", "worktree-untracked-file", "registry-lost-digest"):
        SCENARIOS[name].apply(SandboxControl(fresh_lane.paths.root))
    recorded = run_suite(fresh_lane.lane_config, tmp_path / "recorded")
    assert recorded.returncode == 1
    sandbox.down(fresh_lane.paths.root)  # nothing is left to read: the replay is offline

    done = replay(the_bundle(tmp_path / "recorded"), tmp_path / "replayed")

    assert done.returncode == 1, done.stdout[-2000:]
    verdicts = assert_same_verdicts(tmp_path / "recorded", tmp_path / "replayed")
    assert {"GO-02", "SRC-01", "REG-01"} <= {c for c, o in verdicts.items() if "failed" in o}


def test_an_altered_bundle_is_refused(conforming_lane, tmp_path):
    run_suite(conforming_lane.lane_config, tmp_path / "recorded")
    bundle = the_bundle(tmp_path / "recorded")
    part = next(bundle.glob("evidence-*.jsonl"))
    part.write_text(part.read_text().replace("Active", "Terminating"))
    done = replay(bundle, tmp_path / "replayed")
    assert done.returncode == 4
    assert "checksum does not match the manifest" in done.stdout + done.stderr
