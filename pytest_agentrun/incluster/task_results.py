"""Tekton Task results from a lane run: the verdict (pass|fail|incomplete|error),
counts, failed criteria.

The verdict comes from reports/verdict.json (the run's verdict over the whole catalogue), never
from JUnit alone: a run that judged a subset (`-k`, `--criteria`) or left criteria unjudged is
`incomplete`, a run without a readable verdict is `error`. JUnit still gives the test counts.

Interface (used by the Task in incluster/templates/acceptance-task.yaml):
  python -m pytest_agentrun.incluster.task_results --junit J --passed P --failed F --errors E
      --verdict V [--verdict-json reports/verdict.json] [--counts C] [--failed-criteria FC]
      [--exit-with-verdict]
`--verdict-json` defaults to verdict.json beside the JUnit report. Every result is bounded so
that all of them together stay well under Tekton's 4096-byte limit for a step's results.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from enum import StrEnum
from pathlib import Path

from ..verdict.files import read as read_verdict
from ..verdict.exitcodes import ExitCode
from ..verdict.run import VerdictValue


class TaskVerdict(StrEnum):
    """The Task's `verdict` result (docs/in-cluster.md)."""

    PASS = "pass"
    FAIL = "fail"
    INCOMPLETE = "incomplete"
    ERROR = "error"
    NOT_SETTLED = "not-settled"  # written by results.py: the suite never ran


TASK_VERDICTS = {
    VerdictValue.FIT: TaskVerdict.PASS,
    VerdictValue.NOT_FIT: TaskVerdict.FAIL,
    VerdictValue.INCOMPLETE: TaskVerdict.INCOMPLETE,
    VerdictValue.PARTIAL: TaskVerdict.INCOMPLETE,
}
MAX_RESULT_BYTES = 1024  # per result; six results stay under 4096 bytes with room to spare


def counts(junit: Path) -> dict[str, int]:
    passed = failed = errors = 0
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("error") is not None:
            errors += 1
        elif case.find("failure") is not None:
            failed += 1
        elif case.find("skipped") is None:
            passed += 1
    return {"passed": passed, "failed": failed, "errors": errors}


def verdict(junit: Path) -> tuple[dict[str, int], str]:
    """JUnit alone: an unreadable report, an error or no test at all is `error`: never a pass."""
    if not junit.is_file():
        return {"passed": 0, "failed": 0, "errors": 0}, TaskVerdict.ERROR
    try:
        found = counts(junit)
    except ET.ParseError:
        return {"passed": 0, "failed": 0, "errors": 0}, TaskVerdict.ERROR
    if found["errors"] or not (found["passed"] + found["failed"]):
        return found, TaskVerdict.ERROR
    return found, TaskVerdict.FAIL if found["failed"] else TaskVerdict.PASS


def task_verdict(verdict_json: Path) -> tuple[str, dict[str, int], list[str], str]:
    """(verdict, criterion counts, failed and undecided criteria, why) from verdict.json."""
    try:
        doc = read_verdict(verdict_json)
    except ValueError as exc:
        return TaskVerdict.ERROR, {}, [], str(exc)
    return (
        TASK_VERDICTS[VerdictValue(doc["verdict"])],
        doc["counts"],
        doc["failed"] + doc["undecided"],
        doc["headline"],
    )


def bounded(text: str, limit: int = MAX_RESULT_BYTES) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 4].decode(errors="ignore").rsplit(" ", 1)[0] + " …"


def results(junit: Path, verdict_json: Path) -> tuple[dict[str, str], str]:
    found, _ = verdict(junit)
    outcome, criterion_counts, failed, why = task_verdict(verdict_json)
    values = {
        **{k: str(v) for k, v in found.items()},
        "verdict": str(outcome),
        "counts": json.dumps(criterion_counts, separators=(",", ":")),
        "failed-criteria": " ".join(failed),
    }
    return {k: bounded(v) for k, v in values.items()}, why


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_agentrun.incluster.task_results")
    parser.add_argument("--junit", type=Path, required=True)
    parser.add_argument(
        "--verdict-json", type=Path, help="the run's verdict.json (default: beside --junit)"
    )
    for name in ("passed", "failed", "errors", "verdict"):
        parser.add_argument(
            f"--{name}", type=Path, required=True, help=f"the Task result file for {name}"
        )
    parser.add_argument(
        "--counts", type=Path, help="the Task result file for the criterion counts (JSON)"
    )
    parser.add_argument(
        "--failed-criteria", type=Path, help="the Task result file for failed/undecided criteria"
    )
    parser.add_argument(
        "--exit-with-verdict", action="store_true", help="exit non-zero unless the verdict is pass"
    )
    args = parser.parse_args(argv)
    values, why = results(args.junit, args.verdict_json or args.junit.parent / "verdict.json")
    for name, value in values.items():
        target = getattr(args, name.replace("-", "_"))
        if target is not None:
            target.write_text(value)
    print(f"acceptance verdict: {values['verdict']} ({why})")
    passed = values["verdict"] == TaskVerdict.PASS
    return ExitCode.FIT if passed or not args.exit_with_verdict else ExitCode.NOT_FIT


if __name__ == "__main__":
    sys.exit(main())
