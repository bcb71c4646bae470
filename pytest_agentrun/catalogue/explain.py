"""`--explain ID`: a criterion as a reviewer needs it, from the package's data and the source.

Prints the criterion (text, truth level, evidence, a violation), its spec section with the Chinese
source sentence (data/criteria-sources.yaml, quoted from data/spec/spec-v01-cicd-lane.zh.md) and
the restatement (criteria.md), where its test and check live (catalogue/places.py: read from
source, nothing is imported or run), and the sandbox scenarios that must make it fail.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import pytest
from _pytest.config import create_terminal_writer

from .. import yaml_text
from .criteria import Criterion, catalogue, use_lane
from .places import check_places, marked_tests, scenario_places
from ..errors import LaneConfigError
from ..lane import LaneProfile


@cache
def sources() -> dict[str, dict[str, str]]:
    return yaml_text.load(
        resources.files("pytest_agentrun").joinpath("data/criteria-sources.yaml").read_text()
    )


def where_it_lives(cid: str, suite: Path) -> list[str]:
    """Its acceptance tests and its check, from the one finder (places.py)."""
    root = suite.parent
    lines = [
        f"test   {place.path.relative_to(root)}::{place.name} (line {place.line})"
        for place in marked_tests(suite).get(cid, [])
    ]
    check = check_places().get(cid)
    if check is not None:
        path = check.path.relative_to(check.path.parents[2])  # pytest_agentrun/checks/x.py
        lines.append(f"check  {path}::{check.name} (line {check.line})")
    return lines or ["no test of the suite is marked with it"]


def scenarios(cid: str) -> list[str]:
    found = scenario_places()
    if found is None:  # the sandbox is not installed beside the plugin
        return ["(the sandbox package agentrun_sandbox is not installed)"]
    return [f"{s.name}: {s.about}" for s in found.get(cid, [])] or ["no sandbox scenario kills it"]


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
    if config.getoption("lane"):  # the texts carry the names of the lane asked about
        try:
            use_lane(LaneProfile.load(config.getoption("lane")))
        except LaneConfigError as exc:
            raise pytest.UsageError(f"agentrun: {exc}") from None
    writer = create_terminal_writer(config)  # before pytest_configure: no terminal reporter yet
    if cid not in catalogue():
        writer.line(
            f"ERROR: agentrun: --explain: unknown criterion {cid!r} (see --list-criteria)", red=True
        )
        return pytest.ExitCode.USAGE_ERROR
    for line in text(catalogue()[cid], suite_dir(config)):
        writer.line(line)
    return pytest.ExitCode.OK
