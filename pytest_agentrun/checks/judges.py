"""The criterion registry: each criterion's judgement, registered once under its ID.

A check module marks the function that turns a criterion's evidence into findings with
`@judges("RT-01")`, next to the helpers that shape that evidence. The acceptance test of the ID
calls that same function (tests/test_criterion_places.py holds it to that), and `--list-criteria`
shows where the check, the test, the unit tests and the killing scenarios of each ID live.

The decorator is the one place a check states its ID: the check runs inside
`finding.judging(ID)`, so each finding it and its helpers make (`passed(...)`, `failed(...)`, ...)
carries that ID without naming it. A second entry point of a criterion already registered (one a
test calls beside the registered check) states its ID with `@also_judges("ID")`: stamped the same,
registered nowhere.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

from ..catalogue.criteria import catalogue
from ..finding import judging

Check = TypeVar("Check", bound=Callable)


@dataclass(frozen=True)
class Judge:
    criterion: str
    check: Callable  # the registered (stamping) function, as its module exports it

    @property
    def function(self) -> Callable:
        """The check as written, under the stamping wrapper."""
        return inspect.unwrap(self.check)

    @property
    def module(self) -> str:
        return self.function.__module__

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def path(self) -> Path:
        return Path(inspect.getsourcefile(self.function) or "")

    @property
    def line(self) -> int:
        return self.function.__code__.co_firstlineno  # the decorator's line: where to read it from


JUDGES: dict[str, Judge] = {}


def _known(cid: str, decorator: str) -> None:
    if cid not in catalogue():
        raise KeyError(f"@{decorator}({cid!r}): not a criterion of data/criteria.yaml")


def _stamping(cid: str, check: Check) -> Check:
    """`check`, its findings stamped with `cid` (same name, docstring and signature)."""

    @functools.wraps(check)
    def stamped(*args, **kwargs):
        with judging(cid):
            return check(*args, **kwargs)

    return stamped  # type: ignore[return-value]


def judges(cid: str) -> Callable[[Check], Check]:
    """Register the decorated function as the judgement of criterion `cid` (once per ID); the
    findings it makes carry `cid`."""
    _known(cid, "judges")

    def register(check: Check) -> Check:
        known = JUDGES.get(cid)
        if known is not None and known.function is not inspect.unwrap(check):
            raise ValueError(
                f"{cid} is judged twice: {known.module}.{known.name} and "
                f"{check.__module__}.{check.__name__}"
            )
        stamped = _stamping(cid, check)
        JUDGES[cid] = Judge(cid, stamped)
        return stamped

    return register


def also_judges(cid: str) -> Callable[[Check], Check]:
    """A second entry point of criterion `cid`, whose check is registered elsewhere: the findings
    it makes carry `cid`; nothing is registered."""
    _known(cid, "also_judges")
    return functools.partial(_stamping, cid)


def registered() -> dict[str, Judge]:
    """Every registered judgement, after importing every check module (they register on import)."""
    package = importlib.import_module(__package__)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{__package__}.{module.name}")
    return dict(JUDGES)
