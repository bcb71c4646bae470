"""Turning a check's findings into a test outcome, with the findings kept for the reports."""

from __future__ import annotations

from typing import Iterable

import pytest

from ..finding import Finding, undecided
from . import render

FINDINGS = pytest.StashKey[list[Finding]]()
EXAMINED_NOTHING = "the check examined nothing (no finding)"


def criteria_of(item: pytest.Item) -> list[str]:
    return [str(arg) for mark in item.iter_markers("criterion") for arg in mark.args]


def decide(item: pytest.Item, findings: Iterable[Finding]) -> None:
    """Fail the test unless every finding passed; a check that examined nothing is a failure too."""
    findings = list(findings)
    item.stash.setdefault(FINDINGS, []).extend(findings)
    allowed = criteria_of(item)
    stray = [f.criterion for f in findings if f.criterion not in allowed]
    if stray:
        raise AssertionError(
            f"test marked {allowed} produced findings for {sorted(set(stray))}: mark it with "
            "those criteria"
        )
    if not findings:
        # Recorded as findings so that the criterion reads "cannot be decided", never a plain pass.
        item.stash[FINDINGS].extend(
            undecided(
                "the check", "at least one finding", EXAMINED_NOTHING, item.nodeid, criterion=cid
            )
            for cid in allowed
        )
        pytest.fail(
            f"{', '.join(allowed)}: {EXAMINED_NOTHING}: it cannot be decided", pytrace=False
        )
    failures = [f for f in findings if not f.ok]
    if failures:
        lines = [f"{len(failures)} of {len(findings)} findings failed:"]
        lines += [render.block(f) for f in failures]
        pytest.fail("\n".join(lines), pytrace=False)
