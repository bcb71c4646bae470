"""The run's verdict over the lane's whole criteria catalogue: fit, not fit, incomplete or partial.

- fit: every criterion the run had to judge passed (or is not applicable). A passive run has to
  judge the passive catalogue; the DR criteria are judged only with --drive, and a passive run
  names them as not judged and signs off on the passive catalogue only.
- not fit: a judged criterion fails or cannot be decided.
- incomplete: nothing failed, but a criterion the run had to judge was not judged.
- partial: `--criteria` chose a subset on purpose; never a sign-off.
The exit code of each verdict is in the one table of exit codes (exitcodes.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..catalogue.criteria import catalogue
from .exitcodes import ExitCode
from .render import GREEN, RED, Look
from .status import FAIL, NOT_APPLICABLE, NOT_JUDGED, PASS, UNDECIDED, CriterionResult


class VerdictValue(StrEnum):
    """The run's verdict; the values are verdict.json's."""

    FIT = "fit"
    NOT_FIT = "not fit"
    INCOMPLETE = "incomplete"
    PARTIAL = "partial"


class ScopeName(StrEnum):
    """What the run had to judge; the values are verdict.json's `scope.name`."""

    PASSIVE = "passive catalogue"
    WHOLE = "whole catalogue"
    SUBSET = "subset"


FIT, NOT_FIT = VerdictValue.FIT, VerdictValue.NOT_FIT
INCOMPLETE, PARTIAL = VerdictValue.INCOMPLETE, VerdictValue.PARTIAL
EXIT_CODES = {
    FIT: ExitCode.FIT,
    NOT_FIT: ExitCode.NOT_FIT,
    INCOMPLETE: ExitCode.INCOMPLETE,
    PARTIAL: ExitCode.PARTIAL,
}
# The mark of a verdict is its headline; only a sign-off is green.
LOOKS = {
    FIT: Look("FIT TO SIGN OFF", {"green": True, "bold": True}, GREEN),
    NOT_FIT: Look("NOT FIT TO SIGN OFF", {"red": True, "bold": True}, RED),
    INCOMPLETE: Look("INCOMPLETE, NOT SIGNED OFF", {"yellow": True, "bold": True}, RED),
    PARTIAL: Look("PARTIAL RUN, NOT A SIGN-OFF", {"yellow": True, "bold": True}, RED),
}


@dataclass
class Scope:
    """What the run had to judge: the passive catalogue, the whole catalogue, or a chosen subset."""

    name: ScopeName
    required: list[str]  # criterion IDs, catalogue order
    subset: list[str] | None = None

    @classmethod
    def of_run(cls, drive: bool, subset: list[str] | None) -> "Scope":
        ids = list(catalogue())
        if subset:
            return cls(ScopeName.SUBSET, [c for c in ids if c in subset], list(subset))
        if drive:
            return cls(ScopeName.WHOLE, ids)
        passive = [c for c in ids if catalogue()[c].kind != "drive"]
        return cls(ScopeName.PASSIVE, passive)


@dataclass
class Verdict:
    lane: str
    value: VerdictValue
    scope: Scope
    criteria: list[CriterionResult]
    identity: dict[str, Any] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        return EXIT_CODES[self.value]

    @property
    def signed_off(self) -> bool:
        return self.value == FIT

    def ids(self, *statuses: str, required_only: bool = False) -> list[str]:
        pool = set(self.scope.required) if required_only else None
        return [
            c.id for c in self.criteria if c.status in statuses and (pool is None or c.id in pool)
        ]

    def counts(self) -> dict[str, int]:
        statuses = (PASS, FAIL, UNDECIDED, NOT_APPLICABLE, NOT_JUDGED)
        return {s.value: len(self.ids(s, required_only=True)) for s in statuses}

    def headline(self) -> str:
        mark = LOOKS[self.value].mark
        return f"{mark} lane {self.lane} ({self._commits()}): {self.explanation()}"

    def _commits(self) -> str:
        gitops = str(self.identity.get("gitops.head") or "unknown")
        source = str(self.identity.get("source.commit") or "unknown")
        return f"gitops {gitops[:8]}, source {source[:8]}"

    def explanation(self) -> str:
        total = len(self.scope.required)
        of = (
            f"{total} {self.scope.name} criteria"
            if self.scope.name != ScopeName.SUBSET
            else f"{total} chosen criteria"
        )
        parts = []
        for status in (FAIL, UNDECIDED, NOT_JUDGED):  # a status's value reads as its verb
            found = self.ids(status, required_only=True)
            if found:
                parts.append(f"{len(found)} of {of} {status.value}: {_some(found)}")
        if not parts:
            parts.append(f"{self.counts()[PASS]} of {of} pass")
        if self.collection_errors:
            parts.append(
                f"collection errors in {_some(self.collection_errors)}: what they cover was not "
                "judged"
            )
        if self.scope.name == ScopeName.SUBSET:
            parts.append(
                f"--criteria chose {len(self.scope.required)} of {len(catalogue())}: not a sign-off"
            )
        elif self.scope.name == ScopeName.PASSIVE:
            drive = [c for c in catalogue() if catalogue()[c].kind == "drive"]
            covers = ": the sign-off covers the passive catalogue" if self.value == FIT else ""
            parts.append(f"{' '.join(drive)} not judged (only with --drive){covers}")
        return "; ".join(parts)


def _some(ids: list[str], shown: int = 12) -> str:
    """IDs for one line: the verdict.json and the criterion list carry all of them."""
    more = f" (+{len(ids) - shown} more)" if len(ids) > shown else ""
    return " ".join(ids[:shown]) + more


def decide_run(
    lane: str,
    results: list[CriterionResult],
    scope: Scope,
    identity: dict[str, Any] | None = None,
    collection_errors: list[str] | None = None,
) -> Verdict:
    """`collection_errors`: modules that did not collect; which criteria they cover is unknown, so a
    run with any of them is never fit."""
    judged = {r.id: r for r in results}
    missing = [c for c in scope.required if judged.get(c) is None or judged[c].status == NOT_JUDGED]
    if any(r.status in (FAIL, UNDECIDED) for r in results):
        value = NOT_FIT
    elif scope.subset:
        value = PARTIAL
    elif missing or collection_errors:
        value = INCOMPLETE
    else:
        value = FIT
    return Verdict(lane, value, scope, results, identity or {}, list(collection_errors or []))
