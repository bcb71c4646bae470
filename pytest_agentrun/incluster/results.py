"""The verification Task's results when the lane never settled: verdict `not-settled` (or `error`
when the settle step could not look at the lane at all), and no count or criterion claimed (the
suite was not run). Otherwise it writes nothing and task_results (the verdict from
reports/verdict.json) writes them all.

`python -m pytest_agentrun.incluster.results --settle settle.json --verdict V --passed P ...`:
exit status 0 when settled, NOT_SETTLED (verdict/exitcodes.py) when not (the step then fails the
Task).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..verdict.exitcodes import ExitCode
from .task_results import TaskVerdict

RESULTS = {
    "verdict": TaskVerdict.NOT_SETTLED.value,
    "passed": "0",
    "failed": "0",
    "errors": "0",
    "counts": "{}",
    "failed-criteria": "",
}


def outcome(settle: Path) -> TaskVerdict | None:
    """None when settled, else the verdict: `not-settled`, or `error` (no or unreadable outcome,
    or the settle step's own error)."""
    try:
        seen = json.loads(settle.read_text())
    except (OSError, ValueError):
        return TaskVerdict.ERROR
    if not isinstance(seen, dict) or "error" in seen:
        return TaskVerdict.ERROR
    return None if seen.get("settled") is True else TaskVerdict.NOT_SETTLED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_agentrun.incluster.results")
    parser.add_argument("--settle", type=Path, required=True, help="settle.json of the settle step")
    for name in RESULTS:
        parser.add_argument(
            f"--{name}", type=Path, required=True, help=f"the Task result file for {name}"
        )
    args = parser.parse_args(argv)
    verdict = outcome(args.settle)
    if verdict is None:
        return ExitCode.FIT
    for name, value in {**RESULTS, "verdict": verdict}.items():
        getattr(args, name.replace("-", "_")).write_text(value)
    print(f"acceptance verdict: {verdict} (see {args.settle})")
    return ExitCode.NOT_SETTLED


if __name__ == "__main__":
    sys.exit(main())
