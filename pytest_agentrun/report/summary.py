"""The criteria coverage listing (--list-criteria): each criterion with the tests that cover it.

Under each criterion's line, where it lives as `file:line`: its registered check, its acceptance
test, its unit tests (tests/ of the checkout, found by the check they exercise) and the sandbox
scenarios that kill it (pytest_agentrun/catalogue/places.py).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from ..catalogue.criteria import catalogue
from ..catalogue.places import (
    Place,
    callers_of_checks,
    check_places,
    drive_kill_places,
    scenario_places,
)
from ..verdict.outcome import criteria_of


def coverage(items: list[pytest.Item]) -> dict[str, list[str]]:
    covered: dict[str, list[str]] = defaultdict(list)
    for item in items:
        for cid in criteria_of(item):
            covered[cid].append(item.nodeid)
    return covered


def acceptance_places(items: list[pytest.Item]) -> dict[str, list[Place]]:
    places: dict[str, list[Place]] = defaultdict(list)
    for item in items:
        path, line, name = item.location
        for cid in criteria_of(item):
            places[cid].append(Place(item.config.rootpath / path, (line or 0) + 1, name))
    return places


def places_by_criterion(config: pytest.Config, items: list[pytest.Item]) -> dict[str, dict]:
    tests = config.rootpath / "tests"
    checks = check_places()
    units = callers_of_checks(tests, checks) if tests.is_dir() else {}
    driven = drive_kill_places(tests) if tests.is_dir() else {}
    scenarios = scenario_places()
    tested = acceptance_places(items)
    return {
        cid: {
            "check": [checks[cid]] if cid in checks else [],
            "test": tested.get(cid, []),
            "unit": units.get(cid, []),
            "kills": [*(scenarios or {}).get(cid, []), *driven.get(cid, [])],
        }
        for cid in catalogue()
    }


def write_criteria_listing(config: pytest.Config, items: list[pytest.Item]) -> None:
    covered = coverage(items)
    places = places_by_criterion(config, items)
    writer = config.get_terminal_writer()
    writer.line()
    for cid, criterion in catalogue().items():
        state = "covered" if covered.get(cid) else "uncovered"
        kind = " (drive)" if criterion.kind == "drive" else ""
        writer.line(f"{cid:<7} {state:<9} {' '.join(covered.get(cid, [])) or '-'}{kind}")
        for role, found in places[cid].items():
            shown = [place.show(config.rootpath) for place in found] or ["-"]
            for place in shown:
                writer.line(f"        {role:<6} {place}")
