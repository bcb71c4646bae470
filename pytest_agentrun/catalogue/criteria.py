"""The criteria catalogue (data/criteria.yaml, restated from the spec's criteria.md).

The texts are templates: a lane's names are placeholders (`{runtime_namespace}`, `{gitops_branch}`,
...; `LaneProfile.placeholders()` lists them), filled with `str.format_map` from the profile of the
lane being judged. The plugin names that lane once (`use_lane`); before that, and for readers
of the catalogue that judge no lane (--explain without --lane, the kill matrix's bookkeeping), the
texts are those of the default lane v0.1, which are the spec's own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


from .. import yaml_text
from ..lane import LaneProfile

DEFAULT_LANE = "v0.1"
_lane: list[LaneProfile] = []  # the lane whose names the texts carry (set by use_lane)
RENDERED = ("text", "evidence", "violation")


@dataclass(frozen=True)
class Criterion:
    id: str
    order: int  # position in the catalogue, which is truth order
    level: str  # truth level (report epic)
    section: str  # spec section (report feature)
    text: str
    evidence: str = ""
    violation: str = ""
    kind: str = "passive"  # "drive" for the DR rows

    @property
    def title(self) -> str:
        return f"{self.id}: {self.text}"


def use_lane(profile: LaneProfile) -> None:
    """Render the criterion texts with this lane's names from now on."""
    _lane[:] = [profile]
    catalogue.cache_clear()


def templates() -> list[dict]:
    text = resources.files("pytest_agentrun").joinpath("data/criteria.yaml").read_text()
    data = yaml_text.load(text)
    return data["criteria"]


def render(row: dict, profile: LaneProfile) -> Criterion:
    names = profile.placeholders()
    return Criterion(**{k: v.format_map(names) if k in RENDERED else v for k, v in row.items()})


@cache
def catalogue() -> dict[str, Criterion]:
    profile = _lane[0] if _lane else LaneProfile.load(DEFAULT_LANE)
    return {row["id"]: render(row, profile) for row in templates()}


def criterion(cid: str) -> Criterion:
    try:
        return catalogue()[cid]
    except KeyError:
        raise KeyError(f"unknown criterion {cid!r}: not in data/criteria.yaml") from None
