"""Gathering the kill matrix: criterion -> scenarios that kill it, with unkilled criteria as defects."""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from pathlib import Path

from pytest_agentrun.criteria import catalogue

ROOT = Path(__file__).resolve().parents[1]
# One folder per test session (set by conftest before xdist starts its workers), so that runs of
# a few tests never disturb the matrix of a full run going on at the same time.
MATRIX_DIR = Path(os.environ.get("AGENTRUN_KILL_MATRIX_DIR", ROOT / "reports" / "kill-matrix" / "adhoc"))
MATRIX_FILE = ROOT / "reports" / "kill-matrix.json"


def gather() -> dict | None:
    runs = [json.loads(p.read_text()) for p in sorted(MATRIX_DIR.glob("*.json"))] if MATRIX_DIR.is_dir() else []
    if not runs:
        return None
    kills: dict[str, list[str]] = defaultdict(list)
    for run in runs:
        for criterion in run["failed"]:
            if criterion in run["declares"]:
                kills[criterion].append(run["scenario"])
    passive = [cid for cid, c in catalogue().items() if c.kind != "drive"]
    matrix = {
        "criteria": {cid: sorted(kills.get(cid, [])) for cid in passive},
        "defects": [cid for cid in passive if not kills.get(cid)],
        "precision": {r["scenario"]: r["failed"] for r in runs if not r["declares"]},
        "scenarios": len(runs),
    }
    MATRIX_FILE.write_text(json.dumps(matrix, indent=2))
    shutil.rmtree(MATRIX_DIR, ignore_errors=True)
    return matrix


def table(matrix: dict) -> list[str]:
    lines = [f"{'criterion':<9} scenarios that kill it"]
    for cid, scenarios in matrix["criteria"].items():
        lines.append(f"{cid:<9} {', '.join(scenarios) if scenarios else 'NONE (defect: nothing proves this check can fail)'}")
    for name, failed in matrix["precision"].items():
        lines.append(f"precision {name}: {'clean' if not failed else 'FAILED ' + ', '.join(failed)}")
    lines.append(f"{matrix['scenarios']} scenarios run; {len(matrix['defects'])} criteria without a killing scenario")
    return lines
