"""`--explain ID`: a criterion as a reviewer needs it, from the package's data and the suite's source.

Prints the criterion (text, truth level, evidence, a violation), its spec section with the Chinese
source sentence (data/criteria-sources.yaml, quoted from data/spec/spec-v01-cicd-lane.zh.md) and
the restatement (criteria.md), where its test and check live (read from the acceptance modules'
source, nothing is imported or run), and the sandbox scenarios that must make it fail.
"""

from __future__ import annotations

import ast
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
import yaml
from _pytest.config import create_terminal_writer

from .criteria import Criterion, catalogue


@cache
def sources() -> dict[str, dict[str, str]]:
    return yaml.safe_load(
        resources.files("pytest_agentrun").joinpath("data/criteria-sources.yaml").read_text()
    )


def _criterion_marks(func: ast.FunctionDef) -> list[str]:
    ids = []
    for deco in func.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "criterion":
            ids += [a.value for a in deco.args if isinstance(a, ast.Constant)]
    return ids


def _check_calls(func: ast.FunctionDef, check_modules: set[str]) -> list[str]:
    """`module.function` calls into pytest_agentrun.checks inside the test's body."""
    calls = []
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id in check_modules:
                calls.append(_check_place(owner.id, node.func.attr))
    return sorted(set(calls))


def _check_place(module: str, name: str) -> str:
    """`pytest_agentrun/checks/<module>.py::<name> (line N)`, read from the package's source."""
    place = f"pytest_agentrun/checks/{module}.py::{name}"
    source = resources.files("pytest_agentrun").joinpath(f"checks/{module}.py")
    try:
        tree = ast.parse(source.read_text())
    except (OSError, SyntaxError):
        return place
    line = next((n.lineno for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name), None)
    return f"{place} (line {line})" if line else place


def where_it_lives(cid: str, suite: Path) -> list[str]:
    lines = []
    for path in sorted(suite.glob("test_*.py")):
        tree = ast.parse(path.read_text(), str(path))
        checks = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "pytest_agentrun.checks"
            for alias in node.names
        }
        for func in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
            if cid in _criterion_marks(func):
                lines.append(
                    f"test   {path.relative_to(suite.parent)}::{func.name} (line {func.lineno})"
                )
                lines += [f"check  {call}" for call in _check_calls(func, checks)]
    return lines or ["no test of the suite is marked with it"]


def scenarios(cid: str) -> list[str]:
    try:
        from agentrun_sandbox.scenarios import SCENARIOS
    except ImportError:  # the sandbox is not installed beside the plugin
        return ["(the sandbox package agentrun_sandbox is not installed)"]
    found = [f"{s.name}: {s.description}" for s in SCENARIOS.values() if cid in s.kills]
    return found or ["no sandbox scenario kills it"]


def text(criterion: Criterion, suite: Path) -> list[str]:
    source = sources().get(criterion.id, {})
    lines = [
        f"{criterion.id}  {criterion.text}",
        "",
        f"truth level   {criterion.level}",
        f"section       {criterion.section} (criteria.md)",
        f"kind          {criterion.kind}"
        + (" (judged only with --drive)" if criterion.kind == "drive" else ""),
        "",
        f"spec source (spec-v01-cicd-lane.zh.md, section {source.get('section', '?')}):",
        f"  {source.get('source', '(no source sentence recorded)')}",
        "restatement (criteria.md):",
        f"  {criterion.text}",
        "",
        f"evidence      {criterion.evidence}",
        f"violation     {criterion.violation}",
        "",
        "where it lives:",
    ]
    lines += [f"  {line}" for line in where_it_lives(criterion.id, suite)]
    lines += ["", "scenarios that make it fail (fixtures/agentrun_sandbox/scenarios/):"]
    lines += [f"  {line}" for line in scenarios(criterion.id)]
    return lines


def suite_dir(config: pytest.Config) -> Path:
    for arg in config.args:
        path = Path(arg.split("::")[0])
        path = path if path.is_absolute() else config.invocation_params.dir / path
        if path.is_dir() and any(path.glob("test_*.py")):
            return path
    return config.rootpath / "acceptance"


def main(config: pytest.Config) -> int:
    cid = config.getoption("explain").strip()
    writer = create_terminal_writer(config)  # before pytest_configure: no terminal reporter yet
    if cid not in catalogue():
        writer.line(
            f"ERROR: agentrun: --explain: unknown criterion {cid!r} (see --list-criteria)", red=True
        )
        return pytest.ExitCode.USAGE_ERROR
    for line in text(catalogue()[cid], suite_dir(config)):
        writer.line(line)
    return pytest.ExitCode.OK
