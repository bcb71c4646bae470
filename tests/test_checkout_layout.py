"""The checkout's top-level conftest.py and reports/ do their one job each."""

from __future__ import annotations

import os
import subprocess

from suite_run import ROOT, run_pytest


def test_the_suite_runs_from_the_checkout_when_pytest_autoloads_no_plugin():
    """With PYTEST_DISABLE_PLUGIN_AUTOLOAD the entry point is not read: conftest.py registers the
    plugin (without it, `--lane` is an unrecognized argument)."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = run_pytest(
        "acceptance", "--lane", "v0.1", "--list-criteria", "-q", "-p", "no:cacheprovider", env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert any(line.startswith("RT-01   covered") for line in done.stdout.splitlines()), done.stdout


def test_the_plugin_is_registered_once_when_installed():
    done = run_pytest(
        "acceptance", "--lane", "v0.1", "--collect-only", "-q", "-p", "no:cacheprovider"
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_reports_keeps_its_readme_and_ignores_what_runs_write():
    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0

    assert (ROOT / "reports" / "README.md").is_file()
    assert not ignored("reports/README.md") and not ignored("reports/.gitignore")
    assert all(
        ignored(f"reports/{name}")
        for name in (
            "verdict.json",
            "junit.xml",
            "evidence/latest",
            "kill-matrix.json",
            "allure-results/x.json",
        )
    )
