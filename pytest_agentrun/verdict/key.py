"""The stash key by which the run's verdict reaches the reporters (terminal, HTML, JUnit, Allure).

A module of its own, as pytest keeps `xml_key` in `_pytest.junitxml`: a reporter imports this and
the verdict's type, never the plugin that sets it (which imports the reporters).
"""

from __future__ import annotations

import pytest

from .run import Verdict

VERDICT = pytest.StashKey[Verdict]()  # set once, when the plugin judged the run at sessionfinish
