"""Allure run metadata: environment.properties and categories.json in the results directory."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from .. import __version__
from ..errors import EvidenceError
from ..redact import redact_text
from ..session import LaneSession


def environment(session: LaneSession | None, lane: str) -> dict[str, str]:
    props = {"lane": lane, "suite.version": __version__}
    if session is None:
        return props
    config = session.config
    props["cluster.context"] = "in-cluster" if config.in_cluster else f"{config.context or 'current'} ({config.kubeconfig})"
    for key, read in (("gitops.head", session.gitops.head), ("source.commit", lambda: session.gitops.catalog.source_commit())):
        try:
            props[key] = read() or "absent"
        except EvidenceError as exc:
            props[key] = f"unknown ({exc.reason})"
    return props


def write_run_metadata(results_dir: Path, session: LaneSession | None, lane: str) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={redact_text(str(value))}" for key, value in environment(session, lane).items()]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n")
    source = resources.files("pytest_agentrun").joinpath("data/allure-categories.json")
    with resources.as_file(source) as path:
        shutil.copyfile(path, results_dir / "categories.json")
