"""Tekton Task results from a JUnit report: passed, failed, errors and the verdict (pass|fail|error)."""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


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
    """An unreadable report, an error or no test at all is `error`: never a pass."""
    if not junit.is_file():
        return {"passed": 0, "failed": 0, "errors": 0}, "error"
    try:
        found = counts(junit)
    except ET.ParseError:
        return {"passed": 0, "failed": 0, "errors": 0}, "error"
    if found["errors"] or not (found["passed"] + found["failed"]):
        return found, "error"
    return found, "fail" if found["failed"] else "pass"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_agentrun.incluster.task_results")
    parser.add_argument("--junit", type=Path, required=True)
    for name in ("passed", "failed", "errors", "verdict"):
        parser.add_argument(f"--{name}", type=Path, required=True, help=f"the Task result file for {name}")
    parser.add_argument("--exit-with-verdict", action="store_true", help="exit non-zero unless the verdict is pass")
    args = parser.parse_args(argv)
    found, outcome = verdict(args.junit)
    for name, value in (*found.items(), ("verdict", outcome)):
        getattr(args, name).write_text(str(value))
    print(f"acceptance verdict: {outcome} ({found['passed']} passed, {found['failed']} failed, {found['errors']} errors)")
    return 0 if outcome == "pass" or not args.exit_with_verdict else 1


if __name__ == "__main__":
    sys.exit(main())
