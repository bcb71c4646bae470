"""The kill matrix: which scenario runs in which world, and gathering what they killed.

Every scenario runs in the default world. In another world a scenario runs when the world changes
evidence one of its criteria judges (the world's `affects`), precision scenarios always, and for
every criterion the world leaves alone the first scenario that kills it, so that every criterion
is shown killable in every world. Each run's verdicts go to reports/kill-matrix/, gathered at the
end into reports/kill-matrix.json and a terminal table (see conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from pathlib import Path

from agentrun_sandbox import world as worlds
from agentrun_sandbox.scenarios import SCENARIOS
from pytest_agentrun.catalogue.criteria import catalogue

ROOT = Path(__file__).resolve().parents[1]
# One folder per test session (set by conftest before xdist starts its workers), so that runs of
# a few tests never disturb the matrix of a full run going on at the same time.
MATRIX_DIR = Path(
    os.environ.get("AGENTRUN_KILL_MATRIX_DIR", ROOT / "reports" / "kill-matrix" / "adhoc")
)
MATRIX_FILE = ROOT / "reports" / "kill-matrix.json"


def passive_criteria() -> list[str]:
    return [cid for cid, c in catalogue().items() if c.kind != "drive"]


GROUP_SIZE = 4
# Scenarios that move or break what later scenarios of a group would use (the worktree, the mirror's
# objects): never grouped.
ALONE = {
    "worktree-config-at-legacy-dir",
    "mirror-lost-source-commit",
    "namespace-terminating",
    "catalog-removed",
    "registry-lost-digest",
}


def plan() -> list[tuple[str, tuple[str, ...]]]:
    """(world, scenarios applied together to one lane) for every run of the matrix, default world
    first.

    A scenario runs alone, except the coverage runs of another world (criteria the world leaves as
    the default world has them, each already shown killed there alone): those are packed into groups
    of up to GROUP_SIZE scenarios from different modules whose declared criteria are disjoint."""
    cases = [(worlds.DEFAULT, (name,)) for name in sorted(SCENARIOS)]
    for world_name in (w for w in worlds.names() if w != worlds.DEFAULT):
        world = worlds.load(world_name)
        chosen = {
            n for n, s in SCENARIOS.items() if not s.kills or any(world.changes(c) for c in s.kills)
        }
        covered = {c for n in chosen for c in SCENARIOS[n].kills}
        coverage = []
        for criterion in passive_criteria():
            if criterion not in covered:
                first = next(
                    (n for n in sorted(SCENARIOS) if criterion in SCENARIOS[n].kills), None
                )
                if first:
                    coverage.append(first)
                    covered |= set(SCENARIOS[first].kills)
        cases += [(world_name, (name,)) for name in sorted(chosen)]
        cases += [(world_name, group) for group in _groups(coverage)]
    return cases


def _independent(a, b) -> bool:
    """Scenarios of different modules (what they change) declaring disjoint criteria."""
    return a.apply.__module__ != b.apply.__module__ and not set(a.kills) & set(b.kills)


def _groups(names: list[str]) -> list[tuple[str, ...]]:
    groups: list[list[str]] = []
    for name in names:
        scenario = SCENARIOS[name]
        fits = (
            g
            for g in groups
            if name not in ALONE
            and len(g) < GROUP_SIZE
            and not set(g) & ALONE
            and all(_independent(SCENARIOS[m], scenario) for m in g)
        )
        group = next(fits, None)
        if group is None:
            groups.append([name])
        else:
            group.append(name)
    return [tuple(g) for g in groups]


def record(world: str, names: tuple[str, ...], failed: set[str], judged: set[str]) -> None:
    MATRIX_DIR.mkdir(parents=True, exist_ok=True)
    for name in names:  # a grouped run counts for each scenario the criteria it declares
        scenario = SCENARIOS[name]
        mine = failed if len(names) == 1 else failed & set(scenario.kills)
        (MATRIX_DIR / f"{world}--{name}.json").write_text(
            json.dumps(
                {
                    "world": world,
                    "scenario": name,
                    "description": scenario.description,
                    "declares": list(scenario.kills),
                    "with": [n for n in names if n != name],
                    "failed": sorted(mine),
                    "judged": sorted(judged),
                },
                indent=2,
            )
        )


def gather() -> dict | None:
    runs = (
        [json.loads(p.read_text()) for p in sorted(MATRIX_DIR.glob("*.json"))]
        if MATRIX_DIR.is_dir()
        else []
    )
    if not runs:
        return None
    kills: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        for criterion in run["failed"]:
            if criterion in run["declares"]:
                kills[run.get("world", worlds.DEFAULT)][criterion].append(run["scenario"])
    ran = sorted({r.get("world", worlds.DEFAULT) for r in runs})
    matrix = {
        "worlds": {
            w: {cid: sorted(kills[w].get(cid, [])) for cid in passive_criteria()} for w in ran
        },
        "defects": {w: [cid for cid in passive_criteria() if not kills[w].get(cid)] for w in ran},
        "precision": {
            f"{r.get('world', worlds.DEFAULT)}:{r['scenario']}": r["failed"]
            for r in runs
            if not r["declares"]
        },
        "scenarios": len(runs),
    }
    MATRIX_FILE.write_text(json.dumps(matrix, indent=2))
    shutil.rmtree(MATRIX_DIR, ignore_errors=True)
    return matrix


def table(matrix: dict) -> list[str]:
    worlds_ran = list(matrix["worlds"])
    lines = [f"{'criterion':<9} " + " | ".join(f"{w} (scenarios that kill it)" for w in worlds_ran)]
    for cid in passive_criteria():
        cells = [", ".join(matrix["worlds"][w][cid]) or "NONE (defect)" for w in worlds_ran]
        lines.append(f"{cid:<9} " + " | ".join(cells))
    for name, failed in matrix["precision"].items():
        lines.append(
            f"precision {name}: {'clean' if not failed else 'FAILED ' + ', '.join(failed)}"
        )
    defects = sum(len(d) for d in matrix["defects"].values())
    lines.append(
        f"{matrix['scenarios']} scenario runs; "
        f"{defects} (world, criterion) pairs without a killing scenario"
    )
    return lines
