"""Prints figures, asserts nothing: sandbox start-up time, one suite run's time and peak memory,
how many API and git requests the run made, and one driven doc-only release (trigger, run, promotion
by phase) on the sandbox's simulated Tekton and Argo CD. Usage: .venv/bin/python scripts/benchmark.py [--runs N]"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agentrun_sandbox import lane as sandbox

ROOT = Path(__file__).resolve().parents[1]


def lines(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()] if path.is_file() else []


def driven_release(handle) -> dict[str, float]:
    """Push a doc-only commit from the worktree to the GitHub stand-in, then drive it as --drive does."""
    from agentrun_sandbox.seed import git
    from pytest_agentrun.drive.promotion import follow_promotion
    from pytest_agentrun.drive.trigger import trigger_current, wait
    from pytest_agentrun.lane import LaneConfig, LaneProfile
    work = handle.paths.worktree
    (work / "docs" / "reference" / "benchmark.md").write_text(f"# benchmark {time.time()}\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "docs: benchmark note")
    git(work, "push", "-q", "origin", "v0.1")
    with tempfile.TemporaryDirectory() as cache:
        config = LaneConfig.load(LaneProfile.load("v0.1"), handle.lane_config, Path(cache))
        quiet = lambda line: None
        started = time.monotonic()
        triggered = trigger_current(config, out=quiet)
        triggered_at = time.monotonic()
        outcome = wait(config, triggered.name, 300, out=quiet)
        run_done = time.monotonic()
        result = follow_promotion(config, outcome, 300, out=quiet)
        done = time.monotonic()
    return {"trigger (sync + exact fetch + create)": triggered_at - started, "PipelineRun": run_done - triggered_at,
            **{f"promotion {k}": v for k, v in result.phases.items()}, "promotion total": done - run_done,
            "release total": done - started}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    startups, suites, rss, api_counts, git_counts, tests, drives = [], [], [], [], [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="agentrun-bench-") as scratch:
            root = Path(scratch) / "lane"
            started = time.monotonic()
            handle = sandbox.up(root, parent_pid=os.getpid())
            startups.append(time.monotonic() - started)
            api_before, git_before = len(lines(handle.paths.api_log)), len(lines(handle.paths.git_log))
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "acceptance"), "--lane", "v0.1",
                                   "--lane-config", str(handle.lane_config), "--agentrun-reports", str(Path(scratch) / "r"),
                                   "-p", "no:cacheprovider", "-q"], cwd=ROOT, capture_output=True, text=True)
            suites.append(time.monotonic() - started)
            rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
            api_counts.append(len(lines(handle.paths.api_log)) - api_before)
            git_counts.append(len(lines(handle.paths.git_log)) - git_before)
            tests.append(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-200:])
            drives.append(driven_release(handle))
            sandbox.down(root)
    print(f"sandbox start-up      median {statistics.median(startups):.2f} s  (runs: {', '.join(f'{s:.2f}' for s in startups)})")
    print(f"suite run (subprocess) median {statistics.median(suites):.2f} s  (runs: {', '.join(f'{s:.2f}' for s in suites)})")
    print(f"suite peak RSS         {max(rss):.0f} MiB")
    print(f"API requests per run   {api_counts}")
    print(f"git HTTP requests/run  {git_counts}")
    print(f"suite outcome          {tests[-1]}")
    print("driven doc-only release (median s):")
    for phase in drives[0]:
        print(f"  {phase:<38} {statistics.median(d[phase] for d in drives):6.2f}")


if __name__ == "__main__":
    main()
