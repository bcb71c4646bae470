"""Prints figures, asserts nothing: sandbox start-up time, one suite run's time and peak memory,
and how many API and git requests the run made. Usage: .venv/bin/python scripts/benchmark.py [--runs N]"""

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    startups, suites, rss, api_counts, git_counts, tests = [], [], [], [], [], []
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
            sandbox.down(root)
    print(f"sandbox start-up      median {statistics.median(startups):.2f} s  (runs: {', '.join(f'{s:.2f}' for s in startups)})")
    print(f"suite run (subprocess) median {statistics.median(suites):.2f} s  (runs: {', '.join(f'{s:.2f}' for s in suites)})")
    print(f"suite peak RSS         {max(rss):.0f} MiB")
    print(f"API requests per run   {api_counts}")
    print(f"git HTTP requests/run  {git_counts}")
    print(f"suite outcome          {tests[-1]}")


if __name__ == "__main__":
    main()
