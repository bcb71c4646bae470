"""Where each criterion lives: its check, acceptance test, unit tests and killing scenarios.

The one finder of those places, read by `--list-criteria`, `--explain` and
tests/test_criterion_places.py. Everything is read from source, nothing is imported: the check is
the function decorated `@judges("ID")` in checks/ (`checks/judges.py` registers the same function
on import; a test holds the two equal), the acceptance test is the one marked
`@pytest.mark.criterion("ID")`. Unit tests are found by
the check they exercise, not by the ID they mention: a test function of tests/test_*.py that
names the registered function (through `from pytest_agentrun.checks import runtime` and
`runtime.namespace_active`, or an imported name) unit-tests that criterion. A docstring or a test
name can drift from the code; a reference to the function cannot (renaming the check breaks it).
Scenarios are the sandbox's own registry (`@scenario(name, kills=(IDs,))`).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from .. import PUBLIC

CHECKS = "pytest_agentrun.checks"
FACADE = "pytest_agentrun"
# The facade's names of check modules (pytest_agentrun.PUBLIC): runtime_checks -> runtime.
FACADE_CHECKS = {
    name: module.removeprefix(CHECKS + ".")
    for name, module in PUBLIC.items()
    if module.startswith(CHECKS + ".")
}
CHECKS_DIR = Path(__file__).resolve().parents[1] / "checks"
DRIVE_ID = re.compile(r"\bDR-\d\d\b")


@dataclass(frozen=True)
class Place:
    path: Path
    line: int
    name: str
    about: str = ""  # a scenario's description

    def show(self, root: Path) -> str:
        try:
            path = self.path.resolve().relative_to(root.resolve())
        except ValueError:
            path = self.path
        return f"{path}:{self.line} {self.name}"


def _judged(func: ast.FunctionDef) -> list[tuple[str, int]]:
    """(ID, decorator line) of each `@judges("ID")` on a check function."""
    return [
        (deco.args[0].value, deco.lineno)
        for deco in func.decorator_list
        if isinstance(deco, ast.Call)
        and getattr(deco.func, "id", getattr(deco.func, "attr", "")) == "judges"
        and deco.args
        and isinstance(deco.args[0], ast.Constant)
    ]


def check_places(folder: Path = CHECKS_DIR) -> dict[str, Place]:
    """Per criterion, its check: the function decorated `@judges(ID)` (the decorator's line)."""
    places = {}
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for func in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
            for cid, line in _judged(func):
                places[cid] = Place(
                    path, min([line, *(d.lineno for d in func.decorator_list)]), func.name
                )
    return places


def criterion_marks(func: ast.FunctionDef) -> list[str]:
    """The IDs of a test's `@pytest.mark.criterion(...)`."""
    ids = []
    for deco in func.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "criterion":
            ids += [a.value for a in deco.args if isinstance(a, ast.Constant)]
    return ids


def marked_tests(folder: Path) -> dict[str, list[Place]]:
    """Per criterion, the test functions under `folder` marked with it (the acceptance tests)."""
    places: dict[str, list[Place]] = defaultdict(list)
    for path in sorted(folder.glob("test_*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for func in _test_functions(tree):
            for cid in criterion_marks(func):
                places[cid].append(Place(path, func.lineno, func.name))
    return places


def _check_names(tree: ast.Module) -> tuple[dict[str, str], dict[str, str]]:
    """Names bound to check modules (alias -> module) and to check functions (alias -> mod.fn)."""
    modules: dict[str, str] = {}
    functions: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == CHECKS:
            modules.update({a.asname or a.name: a.name for a in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module == FACADE:
            # `from pytest_agentrun import runtime_checks`: a check module through the facade
            named = [a for a in node.names if a.name in FACADE_CHECKS]
            modules.update({a.asname or a.name: FACADE_CHECKS[a.name] for a in named})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(CHECKS + "."):
            module = node.module[len(CHECKS) + 1 :]
            functions.update({a.asname or a.name: f"{module}.{a.name}" for a in node.names})
        elif isinstance(node, ast.Import):
            modules.update(
                {
                    a.asname: a.name[len(CHECKS) + 1 :]
                    for a in node.names
                    if a.asname and a.name.startswith(CHECKS + ".")
                }
            )
    return modules, functions


def _referenced(func: ast.AST, modules: dict[str, str], functions: dict[str, str]) -> set[str]:
    found = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in modules:
                found.add(f"{modules[node.value.id]}.{node.attr}")
        elif isinstance(node, ast.Name) and node.id in functions:
            found.add(functions[node.id])
    return found


def _test_functions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            yield node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            yield from (
                n for n in node.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")
            )


def _helper_refs(tree: ast.Module, modules: dict[str, str], functions: dict[str, str]) -> dict:
    """The checks each module-level helper reaches (tests often call a helper such as `dr02(...)`
    that builds the evidence and calls the check), followed through helpers calling helpers."""
    helpers = {
        n.name: n
        for n in tree.body
        if isinstance(n, ast.FunctionDef) and not n.name.startswith("test")
    }
    direct = {name: _referenced(node, modules, functions) for name, node in helpers.items()}
    calls = {
        name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in helpers}
        for name, node in helpers.items()
    }
    reached = {name: set(refs) for name, refs in direct.items()}
    for _ in helpers:  # at most one round per helper until nothing new is reached
        for name in helpers:
            for callee in calls[name]:
                reached[name] |= reached[callee]
    return reached


def callers_of_checks(folder: Path, checks: dict[str, Place]) -> dict[str, list[Place]]:
    """Per criterion, the test functions under `folder` that reference its check (check_places(),
    or the registry's judges: anything with a path and a name), directly or through a
    module-level helper of their file."""
    by_check = {f"{c.path.stem}.{c.name}": cid for cid, c in checks.items()}
    places: dict[str, list[Place]] = defaultdict(list)
    for path in sorted(folder.glob("test_*.py")):
        tree = ast.parse(path.read_text(), str(path))
        modules, functions = _check_names(tree)
        helpers = _helper_refs(tree, modules, functions)
        for func in _test_functions(tree):
            refs = _referenced(func, modules, functions)
            for node in ast.walk(func):
                if isinstance(node, ast.Name) and node.id in helpers:
                    refs |= helpers[node.id]
            for ref in sorted(refs):
                if ref in by_check:
                    places[by_check[ref]].append(Place(path, func.lineno, func.name))
    return places


def drive_kill_places(folder: Path) -> dict[str, list[Place]]:
    """Per DR criterion, the drive end-to-end tests (tests/test_drive_*.py) that name it: they drive
    a faulted sandbox and assert the criterion fails (or passes). Driven outcomes have no passive
    scenario: the kill matrix never drives."""
    places: dict[str, list[Place]] = defaultdict(list)
    for path in sorted(folder.glob("test_drive_*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for func in _test_functions(tree):
            named = {
                m
                for n in ast.walk(func)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
                for m in DRIVE_ID.findall(n.value)
            }
            for cid in sorted(named):
                places[cid].append(Place(path, func.lineno, func.name))
    return places


def scenario_places() -> dict[str, list[Place]] | None:
    """Per criterion, the sandbox scenarios that declare they kill it (None: no sandbox package)."""
    try:
        from agentrun_sandbox.scenarios import SCENARIOS
    except ImportError:
        return None
    places: dict[str, list[Place]] = defaultdict(list)
    for scenario in SCENARIOS.values():
        code = scenario.apply.__code__
        for cid in scenario.kills:
            place = Place(Path(code.co_filename), code.co_firstlineno, scenario.name)
            places[cid].append(replace(place, about=scenario.description))
    return places
