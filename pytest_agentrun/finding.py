"""A finding: one thing a check examined, with its verdict and the evidence that decided it.

A finding is one of four statuses: it passed, it failed, it could not be decided (the evidence
was missing or unreadable: never a pass), or the criterion's own text makes it not applicable.
"""

from __future__ import annotations

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


def passed(
    criterion: str, subject: str, expected: str, found: str, where: str, **evidence: Any
) -> Finding:
    return Finding(criterion, True, subject, expected, found, where, evidence)


def failed(
    criterion: str, subject: str, expected: str, found: str, where: str, **evidence: Any
) -> Finding:
    return Finding(criterion, False, subject, expected, found, where, evidence)


def judge(
    criterion: str, ok: bool, subject: str, expected: str, found: str, where: str, **evidence: Any
) -> Finding:
    return Finding(criterion, bool(ok), subject, expected, found, where, evidence)


def undecided(
    criterion: str, subject: str, expected: str, reason: str, where: str, **evidence: Any
) -> Finding:
    """The evidence to decide `subject` was missing or unreadable: `reason` says which and why."""
    return Finding(
        criterion,
        False,
        subject,
        expected,
        f"cannot be decided: {reason}",
        where,
        evidence,
        UNDECIDED,
    )


def not_applicable(
    criterion: str, subject: str, reason: str, where: str, **evidence: Any
) -> Finding:
    """Only where the criterion's own text allows it (e.g. TK-09's build branch on a business-only change)."""
    return Finding(
        criterion,
        True,
        subject,
        "applicable",
        f"not applicable: {reason}",
        where,
        evidence,
        NOT_APPLICABLE,
    )
