"""The checkout's conftest: `pytest acceptance --lane v0.1 --sandbox` from a clone, installed or not

Its one job is to make the checkout's code the code under test, whatever the install state:
- the checkout and its `fixtures/` (the sandbox package agentrun_sandbox) are importable first;
- the plugin is registered here when pytest will not load it through its entry point (the package
  is not installed, or PYTEST_DISABLE_PLUGIN_AUTOLOAD is set, as some CI images do). When the entry
  point loads it, registering it again would be an error, so this does nothing then.
Nothing else belongs here: fixtures of the plugin's own tests live in tests/conftest.py, the
acceptance suite's fixtures in the plugin.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE / "fixtures", HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def _loaded_by_entry_point() -> bool:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(
        ep.value.split(":")[0] == "pytest_agentrun.plugin" for ep in entry_points(group="pytest11")
    )


pytest_plugins = [] if _loaded_by_entry_point() else ["pytest_agentrun.plugin"]
