"""trigger-current (DR-02): one PipelineRun for GitHub's current source head, then
a bounded wait on it.

The mirror is synced first when it is behind GitHub (the lane's tasks read the mirror only), and an
exact shallow fetch of the full SHA through the mirror must work, as the run's source task will do
it. The run is named for the commit, so it is found rather than created again: a second trigger,
or one that loses a race with another, reuses the run. Real lanes and the sandbox alike.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from importlib import resources
from string import Template
from typing import Any


from .. import yaml_text
from ..errors import DriveError
from ..lane import LaneConfig
from ..masking import redact_url
from . import mirror_sync
from .git_live import exact_fetch
from ..readers.kube_live import AlreadyExists, LiveKube
from .polling import schedule
from .progress import Out, Progress
from ..model.run_state import RunOutcome, TaskState, observe

__all__ = [
    "RunFailed",
    "RunOutcome",
    "RunTimedOut",
    "TaskState",
    "TriggerResult",
    "pipeline_run",
    "trigger_current",
    "wait",
]


@dataclass(frozen=True)
class TriggerResult:
    name: str
    namespace: str
    revision: str
    created: bool  # False: an existing run for this revision was reused
    synced: dict[str, Any] | None  # the mirror sync it needed (a BranchMove), or None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RunFailed(DriveError):
    """The PipelineRun ended Succeeded=False; `outcome` is its final state."""

    def __init__(self, outcome: RunOutcome):
        self.outcome = outcome
        super().__init__(
            "\n".join(
                [
                    f"PipelineRun {outcome.namespace}/{outcome.name} failed "
                    f"({outcome.reason}: {outcome.message})",
                    *outcome.table(),
                ]
            )
        )


class RunTimedOut(DriveError):
    """The PipelineRun did not finish in time; `outcome` is the last state observed."""

    def __init__(self, outcome: RunOutcome, timeout: float):
        self.outcome = outcome
        super().__init__(
            "\n".join(
                [
                    f"PipelineRun {outcome.namespace}/{outcome.name} did not finish within "
                    f"{timeout:g}s; last observed state: {outcome.reason}"
                    + (f" ({outcome.message})" if outcome.message else ""),
                    *outcome.table(),
                ]
            )
        )


def pipeline_run(config: LaneConfig, revision: str) -> dict[str, Any]:
    """The PipelineRun for one full source SHA, from data/pipelinerun.yaml and the lane profile.

    The mirror URLs are the profile's in-cluster ones: the run's tasks execute inside the cluster
    (the LaneConfig's URLs are how this client reaches the mirror, which may differ)."""
    profile = config.profile
    values = {
        "pipelineRunName": profile.pipeline_run_name(revision),
        "tektonNamespace": profile.tekton_namespace,
        "pipeline": profile.pipeline,
        "revision": revision,
        "sourceBranch": profile.source_branch,
        "gitopsBranch": profile.gitops_branch,
        "mirrorReadUrl": profile.mirror_read_url,
        "mirrorWriteUrl": profile.mirror_write_url,
        "serviceAccount": profile.tekton_service_account,
    }
    text = resources.files("pytest_agentrun").joinpath("data/pipelinerun.yaml").read_text()
    return _fill(yaml_text.load(text), values)


def _with_install(config: LaneConfig, run: dict[str, Any], kube: LiveKube) -> dict[str, Any]:
    """The run as the installed verification Task needs it (its workspaces and ServiceAccount), when
    the live Pipeline records the install's PipelineRun patch
    (incluster/install.py); else unchanged."""
    from ..incluster.install import apply_to_run

    return apply_to_run(
        run, kube.get("Pipeline", config.profile.tekton_namespace, config.profile.pipeline)
    )


def _fill(node: Any, values: dict[str, str]) -> Any:
    # After parsing, per string: a value can never change the document's structure.
    if isinstance(node, dict):
        return {k: _fill(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, values) for v in node]
    return Template(node).substitute(values) if isinstance(node, str) else node


def trigger_current(config: LaneConfig, out: Out = print) -> TriggerResult:
    """Create, or find, the PipelineRun for GitHub's current source head (DR-02)."""
    branch = config.profile.source_branch
    heads = mirror_sync.live_heads(config)
    revision = heads["githubV01"]
    if revision is None:
        raise DriveError(
            f"{redact_url(config.source_repo_url)} has no branch {branch}: nothing to trigger"
        )
    synced = None
    if heads["localV01"] != revision:
        out(
            f"mirror {branch} is at {heads['localV01']}, GitHub's at {revision}: syncing the mirror"
        )
        synced = mirror_sync.sync(config).as_dict()
        heads = mirror_sync.live_heads(config)
        if heads["localV01"] != heads["githubV01"]:
            raise DriveError(
                f"after the sync the mirror's {branch} is {heads['localV01']} but GitHub's is "
                f"{heads['githubV01']}: the source moved again, trigger again"
            )
        revision = heads["githubV01"]
    exact_fetch(config.mirror_read_url, revision)
    name, created = _create_or_find(config, revision)
    out(
        f"PipelineRun {config.profile.tekton_namespace}/{name} for {revision}: "
        + ("created" if created else "exists, reused")
    )
    return TriggerResult(name, config.profile.tekton_namespace, revision, created, synced)


def _create_or_find(config: LaneConfig, revision: str) -> tuple[str, bool]:
    kube, profile = LiveKube(config), config.profile
    name, namespace = profile.pipeline_run_name(revision), profile.tekton_namespace
    run, created = kube.get("PipelineRun", namespace, name), False
    if run is None:
        try:
            run, created = (
                kube.create(
                    "PipelineRun",
                    namespace,
                    _with_install(config, pipeline_run(config, revision), kube),
                    profile.trigger_field_manager,
                ),
                True,
            )
        except AlreadyExists:  # a concurrent trigger created it between our GET and POST
            run = kube.get("PipelineRun", namespace, name)
            if run is None:
                raise DriveError(
                    f"PipelineRun {namespace}/{name} was reported to exist but cannot be read"
                ) from None
    found = {
        p.get("name"): p.get("value") for p in (run.get("spec") or {}).get("params") or []
    }.get("revision")
    if found != revision:
        raise DriveError(
            f"PipelineRun {namespace}/{name} exists for revision {found}, not {revision}: "
            "a name clash; it is left alone and no run was created"
        )
    return name, created


def wait(
    config: LaneConfig, name: str, timeout: float, out: Out = print, poll: float | None = None
) -> RunOutcome:
    """Follow the PipelineRun and its TaskRuns until its Succeeded condition is True (the outcome),
    False (RunFailed) or the timeout passes (RunTimedOut), printing each task's state changes.
    Looks again after a backoff (polling.py; `poll` sets its first interval)."""
    kube, namespace = LiveKube(config), config.profile.tekton_namespace
    progress, backoff = Progress(out), schedule(config, poll)
    while True:
        run = kube.get("PipelineRun", namespace, name)
        if run is None:
            raise DriveError(f"PipelineRun {namespace}/{name} does not exist")
        task_runs = kube.list("TaskRun", namespace, label_selector=f"tekton.dev/pipelineRun={name}")
        outcome = observe(run, task_runs, progress.elapsed)
        moved = [
            progress.change(task.pipelineTask, task.progress())
            for task in outcome.tasks
            if task.taskRun or task.status == "Skipped"
        ]  # not the tasks Tekton has yet to start
        if progress.change("PipelineRun", outcome.reason) or any(moved):
            backoff.reset()
        if (
            outcome.plan_summary
        ):  # the plan as soon as it is known: what the release will build or reuse
            progress.change("plan summary", outcome.plan_summary)
        if outcome.succeeded:
            return outcome
        if outcome.succeeded is False:
            raise RunFailed(outcome)
        if progress.elapsed >= timeout:
            raise RunTimedOut(outcome, timeout)
        time.sleep(max(0.0, min(backoff.next(), timeout - progress.elapsed)))
