"""The criteria coverage listing (--list-criteria): each criterion with the tests that cover it."""

from __future__ import annotations

from collections import defaultdict

import pytest

from ..criteria import catalogue
from ..verdict import criteria_of


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
