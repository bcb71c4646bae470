"""An unexpected exception inside a check: a "cannot be decided" finding, never a traceback wall.

The finding names the criterion, the evidence the test read (its evidence fixtures) and the
error with the place in this package where it was raised; the traceback goes to the report's
attachment (Allure, the HTML row), never into the message.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from ..errors import CannotBeDecided
from ..finding import Finding, undecided

PACKAGE = Path(__file__).resolve().parents[1]  # pytest_agentrun/
# The fixtures that hand a test its evidence (fixtures.py; tests/test_package_layout.py holds
# each to a fixture that exists): named in the finding as "the evidence".
EVIDENCE_FIXTURES = (
    "lane",
    "cluster",
    "tekton",
    "argo",
    "gitops",
    "catalog",
    "mirror",
    "registry",
    "worktree",
    "source",
)
# Exceptions pytest itself uses for outcomes, and the suite's own verdicts: not "unexpected".
EXPECTED = (
    pytest.fail.Exception,
    pytest.skip.Exception,
    pytest.xfail.Exception,
    CannotBeDecided,
    KeyboardInterrupt,
    SystemExit,
)


def is_unexpected(excinfo: pytest.ExceptionInfo | None) -> bool:
    return excinfo is not None and not excinfo.errisinstance(EXPECTED)


def raised_at(excinfo: pytest.ExceptionInfo, test_file: Path | None = None) -> str:
    """The innermost frame in this package (a check or reader) or the test's own module,
    else the innermost."""
    frames = traceback.extract_tb(excinfo.tb)
    mine = {test_file.resolve()} if test_file else set()
    ours = [
        f
        for f in frames
        if Path(f.filename).resolve().is_relative_to(PACKAGE) or Path(f.filename).resolve() in mine
    ]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "an unknown place"
    path = Path(frame.filename)
    shown = (
        path.resolve().relative_to(PACKAGE.parent)
        if path.resolve().is_relative_to(PACKAGE.parent)
        else path.name
    )
    return f"{shown}:{frame.lineno} ({frame.name})"


def evidence_of(item: pytest.Item) -> list[str]:
    names = getattr(item, "fixturenames", [])
    return [name for name in EVIDENCE_FIXTURES if name in names]


def unexpected_findings(
    criteria: list[str], item: pytest.Item, excinfo: pytest.ExceptionInfo
) -> list[Finding]:
    error = f"{excinfo.type.__name__}: {excinfo.value}"
    evidence = ", ".join(evidence_of(item)) or "no evidence fixture"
    where = raised_at(excinfo, getattr(item, "path", None))
    reason = f"the check broke on unexpected evidence ({error}) at {where}, reading {evidence}"
    return [
        undecided(
            item.name,
            "a check that reads its evidence to the end",
            reason,
            item.nodeid,
            criterion=cid,
            error=error,
            raised_at=where,
            evidence_fixtures=evidence_of(item),
        )
        for cid in criteria
    ]


def message(findings: list[Finding]) -> str:
    return "\n".join(
        f"{f.criterion} cannot be decided: {f.found.removeprefix('cannot be decided: ')}"
        for f in findings
    )


def traceback_text(excinfo: pytest.ExceptionInfo) -> str:
    return "".join(traceback.format_exception(excinfo.type, excinfo.value, excinfo.tb))
