"""Terminal summaries: the verdict per criterion in truth order, and the criteria coverage listing."""

from __future__ import annotations

from collections import defaultdict

import pytest

from ..criteria import catalogue
from ..verdict import criteria_of
from .outcomes import verdicts_in_truth_order


def coverage(items: list[pytest.Item]) -> dict[str, list[str]]:
    covered: dict[str, list[str]] = defaultdict(list)
    for item in items:
        for cid in criteria_of(item):
            covered[cid].append(item.nodeid)
    return covered


def write_criteria_listing(config: pytest.Config, items: list[pytest.Item]) -> None:
    covered = coverage(items)
    writer = config.get_terminal_writer()
    writer.line()
    for cid, criterion in catalogue().items():
        state = "covered" if covered.get(cid) else "uncovered"
        kind = " (drive)" if criterion.kind == "drive" else ""
        writer.line(f"{cid:<7} {state:<9} {' '.join(covered.get(cid, [])) or '-'}{kind}")


def write_truth_summary(terminalreporter) -> None:
    """One line per criterion judged, grouped by truth level, strongest truth first."""
    rows = verdicts_in_truth_order(terminalreporter.stats)
    if not rows:
        return
    terminalreporter.write_sep("=", "verdict by criterion, in truth order")
    level = None
    for row_level, cid, verdict, text in rows:
        if row_level != level:
            level = row_level
            terminalreporter.write_line(f"[{level}]")
        terminalreporter.write_line(f"  {verdict}  {cid}  {text[:100]}")
