"""A finding: one thing a check examined, with its verdict and the evidence that decided it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    criterion: str
    ok: bool
    subject: str          # what was examined, in the reviewer's words
    expected: str
    found: str
    where: str            # object, ref, file:line or URL a reviewer can open
    evidence: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        text = f"{mark} {self.criterion} {self.subject}: expected {self.expected}; found {self.found} [{self.where}]"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "ok": self.ok, "subject": self.subject,
                "expected": self.expected, "found": self.found, "where": self.where,
                "evidence": self.evidence}


def passed(criterion: str, subject: str, expected: str, found: str, where: str, **evidence: Any) -> Finding:
    return Finding(criterion, True, subject, expected, found, where, evidence)


def failed(criterion: str, subject: str, expected: str, found: str, where: str, **evidence: Any) -> Finding:
    return Finding(criterion, False, subject, expected, found, where, evidence)


def judge(criterion: str, ok: bool, subject: str, expected: str, found: str, where: str, **evidence: Any) -> Finding:
    return Finding(criterion, bool(ok), subject, expected, found, where, evidence)
