"""The criterion registry: each criterion's judgement, registered once under its ID.

A check module marks the function that turns a criterion's evidence into findings with
`@judges("RT-01")`, next to the helpers that shape that evidence. The acceptance test of the ID
calls that same function (tests/test_criterion_places.py holds it to that), and `--list-criteria`
shows where the check, the test, the unit tests and the killing scenarios of each ID live.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

from ..catalogue.criteria import catalogue

Check = TypeVar("Check", bound=Callable)


@dataclass(frozen=True)
class Judge:
    criterion: str
    check: Callable

    @property
    def module(self) -> str:
        return self.check.__module__

    @property
    def name(self) -> str:
        return self.check.__name__

    @property
    def path(self) -> Path:
        return Path(inspect.getsourcefile(self.check) or "")

    @property
    def line(self) -> int:
        return self.check.__code__.co_firstlineno  # the decorator's line: where to read it from


JUDGES: dict[str, Judge] = {}


def judges(cid: str) -> Callable[[Check], Check]:
    """Register the decorated function as the judgement of criterion `cid` (once per ID)."""
    if cid not in catalogue():
        raise KeyError(f"@judges({cid!r}): not a criterion of data/criteria.yaml")

    def register(check: Check) -> Check:
        known = JUDGES.get(cid)
        if known is not None and known.check is not check:
            raise ValueError(
                f"{cid} is judged twice: {known.module}.{known.name} and "
                f"{check.__module__}.{check.__name__}"
            )
        JUDGES[cid] = Judge(cid, check)
        return check

    return register


def registered() -> dict[str, Judge]:
    """Every registered judgement, after importing every check module (they register on import)."""
    package = importlib.import_module(__package__)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{__package__}.{module.name}")
    return dict(JUDGES)
