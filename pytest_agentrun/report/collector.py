"""Hooks that feed the run log: test reports, deselections, collection errors,
xdist workers' output.

Registered as one object per run (it holds that run's RunLog), and the outermost sessionfinish
wrapper, so that the verdict line is the last line the run prints (after pytest's counts).
"""

from __future__ import annotations

import pytest

from ..verdict.key import VERDICT
from ..verdict.runlog import Coverage, RunLog
from . import terminal


class RunCollector:
    def __init__(self, log: RunLog):
        self.log = log

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.log.add_report(report)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:  # the plugin names its own deselections first; the rest is -k/-m
            self.log.coverage.deselected.setdefault(item.nodeid, "deselected (-k/-m)")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and report.nodeid not in self.log.coverage.errors:
            self.log.coverage.errors.append(report.nodeid or "(rootdir)")

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        """pytest-xdist: every worker collects; its collection and the lane
        identity come back here."""
        output = getattr(node, "workeroutput", {})
        if output.get("agentrun_coverage") and not self.log.coverage.collected:
            errors = self.log.coverage.errors
            self.log.coverage = Coverage.from_dict(output["agentrun_coverage"])
            self.log.coverage.errors = sorted(set(errors) | set(self.log.coverage.errors))
        if len(output.get("agentrun_identity") or {}) > len(self.log.identity):
            self.log.identity = output["agentrun_identity"]

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session):
        result = yield
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        verdict = session.config.stash.get(VERDICT, None)
        if verdict is not None and reporter is not None:
            terminal.write_verdict_line(reporter, verdict)
        return result
