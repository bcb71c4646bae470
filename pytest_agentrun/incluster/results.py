"""The verification Task's results that task_results.py does not write: `failed-criteria`, and the
whole set when the lane never settled (verdict `not-settled`: the suite was not run, so no count
and no criterion is claimed).

Tekton keeps every result of a step in its termination message, 4096 bytes for all results
together (pipeline/docs/tasks.md, "Emitting results"): `failed-criteria` is cut at
FAILED_CRITERIA_LIMIT characters, ending "+N more" so the cut is visible; the full list is in the
reports workspace. Exit status 2 means not settled (the step then fails the Task).
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

FAILED_CRITERIA_LIMIT = 512
NOT_SETTLED = 2


def failed_criteria(junit: Path) -> list[str]:
    """Criteria of the test cases that failed or erred, in report order, each once."""
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        return []
    found: list[str] = []
    for case in root.iter("testcase"):
        if case.find("failure") is None and case.find("error") is None:
            continue
        for prop in case.iter("property"):
            if prop.get("name") == "criterion" and prop.get("value") not in found:
                found.append(prop.get("value"))
    return found


def bounded(criteria: list[str], limit: int = FAILED_CRITERIA_LIMIT) -> str:
    text = ",".join(criteria)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for index, criterion in enumerate(criteria):
        more = f",+{len(criteria) - index} more"
        if len(",".join([*kept, criterion])) + len(more) > limit:
            return ",".join(kept) + more
        kept.append(criterion)
    return ",".join(kept)


def settled(settle: Path) -> bool:
    try:
        return json.loads(settle.read_text()).get("settled") is True
    except (OSError, ValueError, AttributeError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_agentrun.incluster.results")
    parser.add_argument("--settle", type=Path, required=True, help="settle.json of the settle step")
    parser.add_argument("--junit", type=Path, required=True)
    for name in ("failed-criteria", "verdict", "passed", "failed", "errors"):
        parser.add_argument(f"--{name}", type=Path, required=True, help=f"the Task result file for {name}")
    args = parser.parse_args(argv)
    if not settled(args.settle):
        for name, value in (("verdict", "not-settled"), ("passed", "0"), ("failed", "0"), ("errors", "0"),
                            ("failed_criteria", "")):
            getattr(args, name).write_text(value)
        print(f"acceptance verdict: not-settled (see {args.settle})")
        return NOT_SETTLED
    args.failed_criteria.write_text(bounded(failed_criteria(args.junit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
