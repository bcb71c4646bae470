"""The verdict as JUnit testsuite properties, so that a CI reading junit.xml alone cannot take a
partial or incomplete run for a sign-off (test cases keep their own `criterion` property)."""

from __future__ import annotations

import pytest
from _pytest.junitxml import xml_key

from ..masking import redact_text
from ..verdict.key import VERDICT


def junit_properties(config: pytest.Config) -> None:
    xml = config.stash.get(xml_key, None)
    verdict = config.stash.get(VERDICT, None)
    if xml is None or verdict is None:  # no --junitxml (or -p no:junitxml), or no verdict
        return
    xml.add_global_property("agentrun.verdict", verdict.value)
    xml.add_global_property("agentrun.signedOff", str(verdict.signed_off).lower())
    xml.add_global_property("agentrun.headline", redact_text(verdict.headline()))
