"""Every user-facing default is declared once (defaults.py) and read where it is used."""

from __future__ import annotations

import pytest

from pytest_agentrun.cli import parser
from pytest_agentrun.defaults import DEFAULTS, TIMEOUTS
from pytest_agentrun.drive.driver import LaneDriver
from pytest_agentrun.incluster import settle
from pytest_agentrun.readers import breaker, kube, prefetch


@pytest.mark.parametrize("command", [["trigger-current", "--confirm"], ["promote", "--confirm"]])
def test_the_cli_waits_as_long_as_the_drive_by_default(command):
    assert parser().parse_args(command).timeout == TIMEOUTS.drive


def test_the_readers_and_the_drive_take_their_defaults_from_one_place():
    assert LaneDriver.__init__.__defaults__[-1] == TIMEOUTS.drive
    assert (kube.TIMEOUT, kube.LOG_TIMEOUT) == (TIMEOUTS.kube, TIMEOUTS.kube_log)
    assert breaker.DEFAULT_DEADLINE == TIMEOUTS.evidence_deadline
    assert prefetch.WORKERS == DEFAULTS.prefetch_workers
    assert settle.__doc__ and f"--timeout {TIMEOUTS.settle:g}" in settle.__doc__


def test_the_options_show_and_use_the_declared_defaults(pytester):
    result = pytester.runpytest("--help")
    text = " ".join(result.stdout.str().split())
    assert f"(default {TIMEOUTS.drive:g})" in text
    assert f"(default {TIMEOUTS.evidence_deadline:g};" in text
    assert f"(default {DEFAULTS.prefetch_workers};" in text
