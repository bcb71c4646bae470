"""A finding: one thing a check examined, with its verdict and the evidence that decided it.

A finding is one of four statuses: it passed, it failed, it could not be decided (the evidence
was missing or unreadable: never a pass), or the criterion's own text makes it not applicable.

A finding's criterion is stated once, by the check that judges it: `@judges("RT-01")`
(checks/judges.py) runs the check inside `judging("RT-01")`, and every finding the check and its
helpers make there is stamped with that ID. `criterion=` names one explicitly (code that is no
check: the verdict's own findings for a test that broke); a finding made with neither raises
`NoCriterion`, never a finding of no criterion.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from enum import StrEnum


class Status(StrEnum):
    """A finding's status (the first four) and a criterion's (all five: not judged is only a
    criterion's, verdict/status.py); the values are JSON's."""

    PASS = "pass"
    FAIL = "fail"
    UNDECIDED = "cannot be decided"
    NOT_APPLICABLE = "not applicable"
    NOT_JUDGED = "not judged"


# The checks' vocabulary.
PASS, FAIL = Status.PASS, Status.FAIL
UNDECIDED, NOT_APPLICABLE = Status.UNDECIDED, Status.NOT_APPLICABLE


class NoCriterion(RuntimeError):
    """A finding was made outside any judged check and named no criterion."""


@dataclass(frozen=True)
class Finding:
    criterion: str
    ok: bool
    subject: str  # what was examined, in the reviewer's words
    expected: str
    found: str
    where: str  # object, ref, file:line or URL a reviewer can open
    evidence: dict[str, Any] = field(default_factory=dict)
    status: Status | str = ""  # PASS/FAIL from `ok` unless UNDECIDED or NOT_APPLICABLE was given

    def __post_init__(self) -> None:
        if not self.criterion:
            raise NoCriterion("a finding names its criterion: got none")
        object.__setattr__(self, "status", Status(self.status or (PASS if self.ok else FAIL)))
        if self.status == UNDECIDED and self.ok:
            raise ValueError("an undecided finding never passes")

    @property
    def decided(self) -> bool:
        return self.status != UNDECIDED

    def as_dict(self) -> dict[str, Any]:
        status = self.status.value  # JSON's plain string: the report carries it across xdist
        return {
            "criterion": self.criterion,
            "ok": self.ok,
            "status": status,
            "subject": self.subject,
            "expected": self.expected,
            "found": self.found,
            "where": self.where,
            "evidence": self.evidence,
        }


# The criterion of the check being run: set by `judging` (the `@judges` wrapper) for its call.
_JUDGING: ContextVar[str | None] = ContextVar("judging", default=None)


@contextmanager
def judging(criterion: str) -> Iterator[None]:
    """Stamp every finding made inside (that names no criterion itself) with `criterion`."""
    token = _JUDGING.set(criterion)
    try:
        yield
    finally:
        _JUDGING.reset(token)


def _criterion(criterion: str | None) -> str:
    """The criterion named, else the one of the check being run."""
    if criterion is None:
        criterion = _JUDGING.get()
    if not criterion:
        raise NoCriterion(
            "a finding made outside any judged check names no criterion: make it inside a check "
            "decorated @judges(ID) (or @also_judges(ID)), or pass criterion=ID"
        )
    return criterion


def passed(
    subject: str,
    expected: str,
    found: str,
    where: str,
    *,
    criterion: str | None = None,
    **evidence: Any,
) -> Finding:
    return judge(True, subject, expected, found, where, criterion=criterion, **evidence)


def failed(
    subject: str,
    expected: str,
    found: str,
    where: str,
    *,
    criterion: str | None = None,
    **evidence: Any,
) -> Finding:
    return judge(False, subject, expected, found, where, criterion=criterion, **evidence)


def judge(
    ok: bool,
    subject: str,
    expected: str,
    found: str,
    where: str,
    *,
    criterion: str | None = None,
    **evidence: Any,
) -> Finding:
    return Finding(_criterion(criterion), bool(ok), subject, expected, found, where, evidence)


def undecided(
    subject: str,
    expected: str,
    reason: str,
    where: str,
    *,
    criterion: str | None = None,
    **evidence: Any,
) -> Finding:
    """The evidence to decide `subject` was missing or unreadable: `reason` says which and why."""
    return Finding(
        _criterion(criterion),
        False,
        subject,
        expected,
        f"cannot be decided: {reason}",
        where,
        evidence,
        UNDECIDED,
    )


def not_applicable(
    subject: str, reason: str, where: str, *, criterion: str | None = None, **evidence: Any
) -> Finding:
    """Only where the criterion's own text allows it (e.g. TK-09's build branch on a
    business-only change)."""
    return Finding(
        _criterion(criterion),
        True,
        subject,
        "applicable",
        f"not applicable: {reason}",
        where,
        evidence,
        NOT_APPLICABLE,
    )
