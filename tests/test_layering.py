"""The package's rooms (issue 15): checks judge values, readers read, the drive acts.

- checks/ import only the model, the lane profile, the finding type, the error a lazy read raises,
  the YAML loader and the criterion catalogue (for the registry), never a reader, the drive or a
  client library;
- model/ does no I/O: it imports nothing of readers/, drive/, incluster/ or a client library (the
  YAML loader parses text it is given);
- evidence access lives under readers/: no top-level module reads a lane source.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pytest_agentrun"
CLIENTS = {"kubernetes", "git", "httpx", "httpx_retries", "urllib3", "requests"}
CHECKS_MAY_IMPORT = (
    "pytest_agentrun.model",
    "pytest_agentrun.lane",
    "pytest_agentrun.finding",
    "pytest_agentrun.errors",
    "pytest_agentrun.yaml_text",
    "pytest_agentrun.catalogue.criteria",
    "pytest_agentrun.checks",
)
MODEL_MAY_IMPORT = (
    "pytest_agentrun.model",
    "pytest_agentrun.lane",
    "pytest_agentrun.errors",
    "pytest_agentrun.yaml_text",
)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in a module of the package, nested ones included."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                if not node.module:  # `from .. import x`: the modules it names
                    found += [(node.lineno, ".".join([*base, a.name])) for a in node.names]
                    continue
                module = ".".join([*base, node.module])
            else:
                module = node.module
            found.append((node.lineno, module))
    return found


def outside(folder: str, allowed: tuple[str, ...]) -> list[str]:
    wrong = []
    for path in sorted((PACKAGE / folder).glob("*.py")):
        for line, module in imported_modules(path):
            first_party = module.startswith("pytest_agentrun")
            if (first_party and not module.startswith(allowed)) or module.split(".")[0] in CLIENTS:
                wrong.append(f"{folder}/{path.name}:{line} imports {module}")
    return wrong


def test_checks_import_only_the_model_the_profile_and_the_finding_type():
    assert outside("checks", CHECKS_MAY_IMPORT) == []


def test_the_model_does_no_io():
    assert outside("model", MODEL_MAY_IMPORT) == []


def test_importing_every_check_loads_no_client_library():
    code = (
        "import importlib, pkgutil, sys, pytest_agentrun.checks as c\n"
        "[importlib.import_module(f'pytest_agentrun.checks.{m.name}')"
        " for m in pkgutil.iter_modules(c.__path__)]\n"
        f"print(sorted({{k.split('.')[0] for k in sys.modules}} & set({sorted(CLIENTS)!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("client", sorted(CLIENTS - {"requests"}))
def test_client_libraries_are_imported_only_under_readers_drive_and_the_sandbox_glue(client):
    """Who talks to a lane source: readers/ (evidence), drive/ (changes under --drive), incluster/
    (install) and the few entry points that build them."""
    allowed = {"readers", "drive", "incluster"}
    users = []
    for path in sorted(PACKAGE.rglob("*.py")):
        room = path.relative_to(PACKAGE).parts[0]
        if room in allowed:
            continue
        users += [
            f"{path.relative_to(PACKAGE)}:{line}"
            for line, module in imported_modules(path)
            if module.split(".")[0] == client
        ]
    assert users == []
