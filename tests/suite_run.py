"""Running the acceptance suite as a user does (a pytest subprocess) and reading its JUnit verdicts."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class SuiteResult:
    returncode: int
    output: str
    verdicts: dict[str, list[str]]      # criterion -> outcomes of its tests ("passed"/"failed"/"error"/"skipped")
    messages: dict[str, list[str]]      # criterion -> failure messages

    def failed(self) -> set[str]:
        return {c for c, outcomes in self.verdicts.items() if any(o != "passed" for o in outcomes)}

    def passed(self) -> set[str]:
        return {c for c, outcomes in self.verdicts.items() if outcomes and all(o == "passed" for o in outcomes)}


def run_suite(lane_config: Path, reports: Path, *extra: str, timeout: float = 300) -> SuiteResult:
    command = [sys.executable, "-m", "pytest", str(ROOT / "acceptance"), "--lane", "v0.1", "--lane-config", str(lane_config),
               "--agentrun-reports", str(reports), "-p", "no:cacheprovider", "-q", "-rN", *extra]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    verdicts, messages = read_junit(reports / "junit.xml") if (reports / "junit.xml").is_file() else ({}, {})
    return SuiteResult(done.returncode, done.stdout + done.stderr, verdicts, messages)


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
