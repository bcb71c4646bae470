"""Tekton evidence checks (truth level 4): TK-*."""

from __future__ import annotations

import re
from typing import Any

from ..finding import Finding, failed, judge
from ..lane import LaneProfile

FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


def succeeded_condition(run: dict[str, Any]) -> dict[str, Any]:
    return next((c for c in run.get("status", {}).get("conditions", []) or [] if c.get("type") == "Succeeded"), {})


def pipeline_run_for_commit(profile: LaneProfile, commit: str, run: dict[str, Any] | None,
                            commit_where: str) -> list[Finding]:
    """TK-02: the PipelineRun of the catalog's source commit is named by it, passes the full SHA, and succeeded."""
    name = profile.pipeline_run_name(commit)
    where = f"PipelineRun {profile.tekton_namespace}/{name}"
    if run is None:
        return [failed("TK-02", f"PipelineRun {name}", f"exists for source commit {commit} ({commit_where})",
                       "not found (404)", where)]
    params = {p.get("name"): p.get("value") for p in run.get("spec", {}).get("params", []) or []}
    sha_params = [k for k, v in params.items() if v == commit]
    condition = succeeded_condition(run)
    pipeline = run.get("spec", {}).get("pipelineRef", {}).get("name")
    return [
        judge("TK-02", bool(sha_params), f"{where} params", f"a param equal to the full SHA {commit}",
              ", ".join(f"{k}={v}" for k, v in params.items()) or "no params", where, params=params),
        judge("TK-02", pipeline == profile.pipeline, f"{where} spec.pipelineRef", profile.pipeline, repr(pipeline), where),
        judge("TK-02", condition.get("status") == "True", f"{where} condition Succeeded", "True",
              f"{condition.get('status')!r} reason {condition.get('reason')!r}: {condition.get('message', '')}", where,
              condition=condition),
    ]
