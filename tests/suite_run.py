"""Running the acceptance suite against a lane and reading its verdicts: as a user does (a pytest
subprocess, JUnit) or, for the kill matrix, in this process (pytest.main with a collector plugin,
optionally only the tests of some criteria): no interpreter start-up, no imports per run."""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class SuiteResult:
    returncode: int
    output: str
    verdicts: dict[
        str, list[str]
    ]  # criterion -> outcomes of its tests ("passed"/"failed"/"error"/"skipped")
    messages: dict[str, list[str]]  # criterion -> failure messages

    def failed(self) -> set[str]:
        return {c for c, outcomes in self.verdicts.items() if any(o != "passed" for o in outcomes)}

    def passed(self) -> set[str]:
        return {
            c
            for c, outcomes in self.verdicts.items()
            if outcomes and all(o == "passed" for o in outcomes)
        }


def _command(
    lane_config: Path, reports: Path, extra: tuple[str, ...], lane: str = "v0.1"
) -> list[str]:
    return [
        str(ROOT / "acceptance"),
        "--lane",
        lane,
        "--lane-config",
        str(lane_config),
        "--agentrun-reports",
        str(reports),
        "-p",
        "no:cacheprovider",
        "-q",
        "-rN",
        *extra,
    ]


def run_suite(lane_config: Path, reports: Path, *extra: str, timeout: float = 300) -> SuiteResult:
    command = [sys.executable, "-m", "pytest", *_command(lane_config, reports, extra)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    verdicts, messages = (
        read_junit(reports / "junit.xml") if (reports / "junit.xml").is_file() else ({}, {})
    )
    return SuiteResult(done.returncode, done.stdout + done.stderr, verdicts, messages)


class _Collector:
    """Keeps the tests of `criteria` (all when None) and records each test's outcome per
    criterion."""

    def __init__(self, criteria: set[str] | None):
        self.criteria = criteria
        self.verdicts: dict[str, list[str]] = defaultdict(list)
        self.messages: dict[str, list[str]] = defaultdict(list)
        self._of: dict[str, list[str]] = {}

    def pytest_collection_modifyitems(self, config, items):
        keep = []
        for item in items:
            ids = [a for m in item.iter_markers("criterion") for a in m.args]
            self._of[item.nodeid] = ids
            if self.criteria is None or set(ids) & self.criteria:
                keep.append(item)
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep

    def pytest_runtest_logreport(self, report):
        if report.when != "call" and report.outcome == "passed":
            return  # setup/teardown that passed says nothing; a failed one is the test's outcome
        if report.when == "teardown" and report.outcome != "passed":
            outcome = "error"
        else:
            outcome = {
                "passed": "passed",
                "failed": "failed" if report.when == "call" else "error",
            }.get(report.outcome, "skipped")
        for criterion in self._of.get(report.nodeid, []):
            self.verdicts[criterion].append(outcome)
            if outcome != "passed":
                self.messages[criterion].append(str(report.longrepr))


def run_suite_in_process(
    lane_config: Path,
    reports: Path,
    criteria: set[str] | None = None,
    *extra: str,
    lane: str = "v0.1",
) -> SuiteResult:
    """The acceptance suite in this process (pytest.main), only the tests of `criteria` when
    given."""
    collector = _Collector(criteria)
    out = io.StringIO()
    # no:unraisableexception: its gc.collect() at the end of each inner session costs ~0.3 s in a
    # process this size; the outer session still reports unraisable exceptions.
    # --assert=plain: the suite asserts nothing itself (its checks say why a criterion fails), and
    # marking the plugins for rewriting reads every installed package's file list, each session.
    args = [
        *_command(lane_config, reports, extra, lane),
        *("-p", "no:unraisableexception", "--assert=plain"),
    ]
    with redirect_stdout(out), redirect_stderr(out):
        code = pytest.main(args, plugins=[collector])
    return SuiteResult(
        int(code), out.getvalue(), dict(collector.verdicts), dict(collector.messages)
    )


def read_junit(path: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    verdicts: dict[str, list[str]] = defaultdict(list)
    messages: dict[str, list[str]] = defaultdict(list)
    for case in ET.parse(path).getroot().iter("testcase"):
        criteria = [p.get("value") for p in case.iter("property") if p.get("name") == "criterion"]
        outcome = "passed"
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                outcome = "failed" if tag == "failure" else tag
                text = (element.get("message") or "") + "\n" + (element.text or "")
                for criterion in criteria:
                    messages[criterion].append(text.strip())
        for criterion in criteria:
            verdicts[criterion].append(outcome)
    return dict(verdicts), dict(messages)


def run_pytest(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`python -m pytest ARGS` from the checkout, as a user runs it, output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
