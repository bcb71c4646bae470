"""Tekton evidence (truth level 4): Pipeline, Tasks, PipelineRuns and TaskRuns, via the API."""

from __future__ import annotations

from typing import Any

from ..lane import LaneProfile
from .kube import Kube


class Tekton:
    def __init__(self, kube: Kube, profile: LaneProfile):
        self.kube = kube
        self.profile = profile
        self.namespace = profile.tekton_namespace

    def pipeline(self) -> dict[str, Any] | None:
        return self.kube.get("Pipeline", self.namespace, self.profile.pipeline)

    def service_account(self) -> dict[str, Any] | None:
        return self.kube.get("ServiceAccount", self.namespace, self.profile.tekton_service_account)

    def tasks(self) -> list[dict[str, Any]]:
        return self.kube.list("Task", self.namespace)

    def pipeline_run(self, name: str) -> dict[str, Any] | None:
        return self.kube.get("PipelineRun", self.namespace, name)

    def pipeline_runs(self) -> list[dict[str, Any]]:
        return self.kube.list("PipelineRun", self.namespace)

    def task_runs(self, pipeline_run: str) -> list[dict[str, Any]]:
        """The run's TaskRuns, selected by the label Tekton sets on them (the server filters)."""
        runs = self.kube.list(
            "TaskRun", self.namespace, label_selector=f"tekton.dev/pipelineRun={pipeline_run}"
        )
        return [
            r
            for r in runs
            if r.get("metadata", {}).get("labels", {}).get("tekton.dev/pipelineRun") == pipeline_run
        ]
