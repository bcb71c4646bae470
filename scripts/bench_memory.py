"""A pytest plugin for the benchmark (scripts/benchmark.py, `-p bench_memory`): the process's peak
RSS at the end of each phase of a run, written as JSON to the file $AGENTRUN_BENCH_MEMORY.

Phases: `opened` (the lane or bundle opened and the suite collected), `tests` (every test run,
the session's evidence released) and `reports` (verdict, JUnit, HTML and Allure written). Linux
only (/proc/self/status); it asserts nothing and changes nothing of the run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PHASES: dict[str, int] = {}


def peak_mib() -> int:
    """VmHWM: the highest resident set size of this process so far."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def pytest_collection_finish(session: pytest.Session) -> None:
    PHASES["opened"] = peak_mib()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session):
    PHASES["tests"] = peak_mib()
    result = yield
    PHASES["reports"] = peak_mib()
    target = os.environ.get("AGENTRUN_BENCH_MEMORY")
    if target:
        Path(target).write_text(json.dumps(PHASES))
    return result
