"""The criteria catalogue (data/criteria.yaml, restated from the spec's criteria.md)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Criterion:
    id: str
    order: int            # position in the catalogue, which is truth order
    level: str            # truth level (report epic)
    section: str          # spec section (report feature)
    text: str
    evidence: str = ""
    violation: str = ""
    kind: str = "passive"  # "drive" for the DR rows

    @property
    def title(self) -> str:
        return f"{self.id}: {self.text}"


@cache
def catalogue() -> dict[str, Criterion]:
    data = yaml.safe_load(resources.files("pytest_agentrun").joinpath("data/criteria.yaml").read_text())
    return {row["id"]: Criterion(**row) for row in data["criteria"]}


def criterion(cid: str) -> Criterion:
    try:
        return catalogue()[cid]
    except KeyError:
        raise KeyError(f"unknown criterion {cid!r}: not in data/criteria.yaml") from None
