"""Promotion after a successful PipelineRun (DR-03), followed phase by phase with visible progress.

gitops:  the mirror's GitOps branch carries the catalog of the run's revision (its commit is noted);
flush:   GitHub's GitOps branch is fast-forwarded to the mirror's (a refusal stops here);
argocd:  the Application reports Synced and Healthy at that commit, its sync operation Succeeded;
runtime: every workload of the Application is rolled out on the catalog's digest and boot commit.
One timeout bounds all four; running out names the phase and what it last saw.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, TypeVar

from ..checks.argo import lane_source, synced_revision
from ..errors import DriveError
from ..lane import LaneConfig, LaneProfile
from ..model.objects import ROLLOUT_KINDS, object_ref
from ..masking import redact_url
from . import mirror_sync
from .git_live import BranchFollower
from ..readers.kube_live import LiveKube
from .polling import Backoff, schedule
from .progress import Out, Progress
from ..model.release_pods import release_pods
from ..model.tracking import tracked_by
from ..model.release_health import catalog_digests, pod_problem, workload_problem
from ..model.run_state import RunOutcome

# What `argocd app get --refresh` sets: the controller reconciles at once instead of
# at its next period.
REFRESH_ANNOTATION = "argocd.argoproj.io/refresh"
T = TypeVar("T")


class PromotionTimedOut(DriveError):
    """A phase did not complete before the timeout; `phase` and `last` say where
    and what was seen."""

    def __init__(self, phase: str, last: str, timeout: float):
        self.phase, self.last = phase, last
        super().__init__(
            f"promotion did not complete within {timeout:g}s: phase {phase} still waiting; "
            f"last observed: {last}"
        )


@dataclass(frozen=True)
class PromotionResult:
    revision: str
    gitopsCommit: str
    flushed: dict[str, Any]  # the flush's BranchMove
    envIdentity: str | None
    digest: str | None
    status: str | None  # the catalog's built/reused
    applicationRevision: str
    health: str
    workloads: list[str]
    phases: dict[str, float] = field(default_factory=dict)  # phase -> seconds

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Phases:
    """The shared deadline and the time each phase took."""

    def __init__(self, timeout: float, progress: Progress, backoff: Backoff):
        self.timeout, self.progress, self.backoff = timeout, progress, backoff
        self.deadline = time.monotonic() + timeout
        self.seconds: dict[str, float] = {}

    def until(self, phase: str, probe: Callable[[], tuple[T | None, str]]) -> T:
        """Call probe() until it gives a result; (None, what it saw) means keep waiting."""
        started = time.monotonic()
        self.backoff.reset()
        while True:
            result, seen = probe()
            if self.progress.change(phase, seen):
                self.backoff.reset()  # something moved: look again soon
            if result is not None:
                self.seconds[phase] = round(time.monotonic() - started, 1)
                return result
            if time.monotonic() >= self.deadline:
                raise PromotionTimedOut(phase, seen, self.timeout)
            time.sleep(max(0.0, min(self.backoff.next(), self.deadline - time.monotonic())))

    def once(self, phase: str, step: Callable[[], T]) -> T:
        started = time.monotonic()
        result = step()
        self.seconds[phase] = round(time.monotonic() - started, 1)
        return result


def follow_promotion(
    config: LaneConfig,
    outcome: RunOutcome,
    timeout: float,
    out: Out = print,
    poll: float | None = None,
) -> PromotionResult:
    """Follow the promotion of a successful run to a ready runtime (DR-03)."""
    if not outcome.succeeded or not outcome.revision:
        raise DriveError(
            f"PipelineRun {outcome.namespace}/{outcome.name} has not succeeded "
            f"({outcome.reason}): there is no promotion to follow"
        )
    revision, kube = outcome.revision, LiveKube(config)
    phases = _Phases(timeout, Progress(out), schedule(config, poll))
    profile = config.profile
    with BranchFollower(
        config.mirror_read_url, profile.gitops_branch, config.cache_dir / "drive"
    ) as follower:
        gitops_commit, catalog = phases.until(
            "gitops", lambda: _catalog_for(config, follower, revision)
        )
    flushed = phases.once("flush", lambda: _flush(config, phases.progress))
    _request_refresh(config, kube, gitops_commit, phases.progress)
    app = phases.until("argocd", lambda: _application_at(config, kube, gitops_commit))
    entries = [e for e in catalog.get("services") or [] if isinstance(e, dict)] or [{}]
    digests, digest = catalog_digests(entries)
    first = entries[0]
    workloads = phases.until(
        "runtime", lambda: _runtime_at(config, kube, revision, digests, digest)
    )
    return PromotionResult(
        revision=revision,
        gitopsCommit=gitops_commit,
        flushed=flushed.as_dict(),
        envIdentity=first.get("envIdentity"),
        digest=(first.get("image") or {}).get("digest"),
        status=first.get("status"),
        applicationRevision=synced_revision(config.profile, app),
        health=app["status"]["health"]["status"],
        workloads=workloads,
        phases=phases.seconds,
    )


def _catalog_for(
    config: LaneConfig, follower: BranchFollower, revision: str
) -> tuple[tuple[str, dict] | None, str]:
    profile = config.profile
    branch, path = profile.gitops_branch, profile.catalog_path
    head, text = follower.file_at_head(path)
    where = f"{redact_url(config.mirror_read_url)} {branch}"
    if head is None:
        return None, f"{where} does not exist"
    if text is None:
        return None, f"{where} at {head} has no {path}"
    try:
        catalog = json.loads(text)
    except ValueError as exc:
        return None, f"{where} at {head}: {path} is not JSON ({exc})"
    source = catalog.get("sourceCommit") if isinstance(catalog, dict) else None
    if source != revision:
        return None, f"{branch} at {head} carries the catalog of {source}, waiting for {revision}"
    return (head, catalog), f"{branch} at {head} carries the catalog of {revision}"


def _flush(config: LaneConfig, progress: Progress) -> mirror_sync.BranchMove:
    move = mirror_sync.flush(config)
    progress.say(
        "flush",
        f"GitHub {move.branch} {move.before} -> {move.after}"
        if move.moved
        else f"GitHub {move.branch} already at {move.after}",
    )
    return move


def _request_refresh(
    config: LaneConfig, kube: LiveKube, gitops_commit: str, progress: Progress
) -> None:
    """Ask Argo CD to reconcile now rather than at its next period (3 minutes by default). Best
    effort: without the right to patch the Application the wait simply lasts until that period."""
    profile = config.profile
    app = kube.get("Application", profile.argocd_namespace, profile.application)
    if (
        app is None
        or ((app.get("status") or {}).get("sync") or {}).get("revision") == gitops_commit
    ):
        return
    try:
        kube.merge_patch(
            "Application",
            profile.argocd_namespace,
            profile.application,
            {"metadata": {"annotations": {REFRESH_ANNOTATION: "normal"}}},
            profile.trigger_field_manager,
        )
        progress.say("argocd", "refresh requested")
    except DriveError as exc:
        progress.say("argocd", f"no refresh ({exc}); waiting for Argo CD's own reconcile")


def _operation_revision(
    profile: LaneProfile, app: dict[str, Any], operation: dict[str, Any]
) -> str | None:
    """The revision of the last sync operation for the lane's source (revisions[i]
    when multi-source)."""
    index, _, _ = lane_source(profile, app.get("spec") or {})
    for holder in (
        operation.get("syncResult") or {},
        ((operation.get("operation") or {}).get("sync")) or {},
    ):
        revisions = holder.get("revisions")
        if index is not None and isinstance(revisions, list) and index < len(revisions):
            return revisions[index]
        if holder.get("revision"):
            return holder["revision"]
    return None


def _application_at(config: LaneConfig, kube: LiveKube, commit: str) -> tuple[dict | None, str]:
    profile = config.profile
    app = kube.get("Application", profile.argocd_namespace, profile.application)
    if app is None:
        return None, f"Application {profile.argocd_namespace}/{profile.application} does not exist"
    status = app.get("status") or {}
    sync, health = status.get("sync") or {}, (status.get("health") or {}).get("status")
    operation = status.get("operationState") or {}
    phase, op_revision = operation.get("phase"), _operation_revision(config.profile, app, operation)
    revision = synced_revision(config.profile, app)
    seen = (
        f"sync {sync.get('status')} at {revision}, health {health}, "
        f"operation {phase} at {op_revision}"
    )
    if phase in ("Failed", "Error") and op_revision == commit:
        raise DriveError(
            f"Argo CD failed to sync {object_ref(app)} to {commit}: "
            f"{operation.get('message') or phase}"
        )
    done = (
        sync.get("status") == "Synced"
        and revision == commit
        and health == "Healthy"
        and phase == "Succeeded"
        and op_revision == commit
    )
    return (app if done else None), seen


def _runtime_at(
    config: LaneConfig, kube: LiveKube, revision: str, digests: dict[str, str], digest: str
) -> tuple[list[str] | None, str]:
    profile = config.profile
    namespace, application = profile.runtime_namespace, profile.application
    workloads = [
        w
        for kind in ROLLOUT_KINDS
        for w in kube.list(kind, namespace)
        if tracked_by(w, application, profile.argo_tracking, profile.argocd_namespace)
    ]
    if not workloads:
        return None, f"no Deployment or StatefulSet of Application {application} in {namespace}"
    pods, replica_sets = kube.list("Pod", namespace), kube.list("ReplicaSet", namespace)
    problems, ready = [], []
    for workload in workloads:
        split = release_pods(workload, pods, replica_sets)
        problem = workload_problem(workload) or split.problem
        if not problem and (workload.get("spec") or {}).get("replicas", 1) and not split.pods:
            problem = f"{object_ref(workload)} has no Pod of {split.revision} yet"
        problem = problem or next(
            filter(None, (pod_problem(p, revision, digests, digest) for p in split.pods)), None
        )
        if problem:
            problems.append(problem)
        else:
            ready.append(f"{object_ref(workload)} ready ({len(split.pods)} pods)")
    if problems:
        return None, f"{len(ready)}/{len(workloads)} workloads ready; " + "; ".join(problems)
    return ready, f"{len(ready)} workload{'s' if len(ready) != 1 else ''} ready at {revision}"
