"""The report of a test stopped by missing evidence (CannotBeDecided), made without a traceback.

pytest renders a failure's traceback (reading and parsing the source of every frame) before any
hook can replace it; for an EvidenceError that work is thrown away, since the report says one line
(report/evidence.py). With a source down, that was half a second for each of dozens of tests.
This hook makes those reports first, from the error alone.
"""

from __future__ import annotations

import pytest

from ..errors import CannotBeDecided
from ..masking import redact_text
from ..verdict.outcome import criteria_of


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    if call.excinfo is None or not call.excinfo.errisinstance(CannotBeDecided):
        return None
    subject = ", ".join(criteria_of(item)) or item.name
    sections = [(f"Captured {key} {when}", content) for when, key, content in item._report_sections]
    return pytest.TestReport(
        item.nodeid,
        item.location,
        {k: 1 for k in item.keywords},
        "failed",
        redact_text(f"{subject} cannot be decided: {call.excinfo.value}"),
        call.when,
        sections,
        call.duration,
        call.start,
        call.stop,
        item.user_properties,
    )
