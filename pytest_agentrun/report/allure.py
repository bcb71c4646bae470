"""Allure run metadata: environment.properties (lane, commits, the verdict) and categories.json."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from ..masking import redact_text
from ..verdict.run import Verdict


def environment(identity: dict[str, Any], verdict: Verdict | None) -> dict[str, str]:
    props = {key: str(value) for key, value in identity.items() if key != "images"}
    if verdict is not None:
        # The verdict heads the Overview's environment: a partial or incomplete run never
        # reads as a sign-off.
        props = {
            "verdict": verdict.value,
            "signed.off": str(verdict.signed_off).lower(),
            "verdict.headline": verdict.headline(),
            **props,
        }
    return props


def write_run_metadata(
    results_dir: Path, identity: dict[str, Any], verdict: Verdict | None
) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={redact_text(value)}" for key, value in environment(identity, verdict).items()]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n")
    source = resources.files("pytest_agentrun").joinpath("data/allure-categories.json")
    with resources.as_file(source) as path:
        shutil.copyfile(path, results_dir / "categories.json")
