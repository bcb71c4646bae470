"""The stash keys by which the run's log and verdict reach the reporters (terminal, HTML, JUnit,
Allure) and the fixtures.

A module of its own, as pytest keeps `xml_key` in `_pytest.junitxml`: a reporter imports this and
the verdict's type, never the plugin that sets it (which imports the reporters).
"""

from __future__ import annotations

import pytest

from .run import Verdict
from .runlog import RunLog

RUN_LOG = pytest.StashKey[RunLog]()  # set when the plugin is configured
VERDICT = pytest.StashKey[Verdict]()  # set once, when the plugin judged the run at sessionfinish
