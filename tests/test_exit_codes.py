"""Every exit code in one table (verdict/exitcodes.py), and the help texts generated from it."""

from __future__ import annotations

from suite_run import run_pytest

from pytest_agentrun.cli import parser
from pytest_agentrun.verdict.exitcodes import CLI, LANE_RUN, MEANINGS, ExitCode, help_text
from pytest_agentrun.verdict.run import EXIT_CODES, VerdictValue


def test_each_code_has_one_meaning_and_no_code_is_an_alias():
    assert len(ExitCode.__members__) == len(list(ExitCode)), "two names for one code"
    assert set(MEANINGS) == set(ExitCode)
    assert set(EXIT_CODES) == set(VerdictValue) and len(set(EXIT_CODES.values())) == 4


def test_the_help_texts_are_generated_from_the_table():
    assert parser().epilog == help_text(CLI)
    assert "8 a sign-off attestation that does not verify" in help_text(CLI)
    shown = " ".join(run_pytest("--help").stdout.split())
    assert f"AgentRun lane acceptance ({help_text(LANE_RUN)})" in shown
