"""Checks of driven outcomes (DR-*), on what the drive helpers did and what the lane
shows afterwards."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..model.commits import is_full_sha
from ..model.documents import Catalog
from ..model.mirror import BranchMove
from ..model.envidentity import InputChanges
from ..finding import Finding, failed, judge
from ..lane import LaneProfile
from ..model.release_health import catalog_digests, pod_problem
from .argo import synced_revision
from .tekton import plan_summary, result_of, task_run_of
from .judges import judges


@judges("DR-01")
def mirror_settled(
    synced: BranchMove, flushed: BranchMove, heads: dict[str, str | None]
) -> list[Finding]:
    """DR-01: after sync the mirror's source branch is GitHub's; after flush GitHub's GitOps
    branch is the mirror's."""
    return [
        judge(
            heads["localV01"] == heads["githubV01"] == synced.after,
            f"{synced.branch} after sync",
            f"mirror = GitHub = {synced.after}",
            f"mirror {heads['localV01']}, GitHub {heads['githubV01']}",
            synced.target,
            move=synced.as_dict(),
        ),
        judge(
            heads["githubGitops"] == heads["localGitops"] == flushed.after,
            f"{flushed.branch} after flush",
            f"GitHub = mirror = {flushed.after}",
            f"GitHub {heads['githubGitops']}, mirror {heads['localGitops']}",
            flushed.target,
            move=flushed.as_dict(),
        ),
    ]


# -- DR-02: trigger-current ----------------------------------------------------------------------


def _param(run: dict[str, Any], name: str) -> Any:
    params = (run.get("spec") or {}).get("params") or []
    return next(
        (p.get("value") for p in params if isinstance(p, dict) and p.get("name") == name), None
    )


def runs_of_revision(runs: list[dict[str, Any]], revision: str | None) -> list[str]:
    """The names of the PipelineRuns whose `revision` param is this commit: DR-02 wants exactly one
    (trigger-current finds the existing run rather than creating a second)."""
    if not revision:
        return []
    return sorted(
        (r.get("metadata") or {}).get("name", "?")
        for r in runs
        if isinstance(r, dict) and _param(r, "revision") == revision
    )


@judges("DR-02")
def pipeline_run_for_current(
    profile: LaneProfile,
    heads: dict[str, str | None],
    trigger: dict[str, Any],
    run: dict[str, Any] | None,
    runs_of_revision: list[str],
    outcome: dict[str, Any] | None,
    failure: str | None,
) -> list[Finding]:
    """DR-02: the run is GitHub's current v0.1 head (the mirror synced to it first), named for it,
    with the lane's Pipeline, ServiceAccount and podTemplate, the only run of that commit, and it
    succeeded with results."""
    if not trigger:
        return [
            failed(
                "trigger-current",
                "a PipelineRun for GitHub's current head",
                f"nothing triggered: {failure}",
                f"{profile.source_branch} / {profile.tekton_namespace}",
            )
        ]
    revision, name = trigger.get("revision"), trigger.get("name")
    where = f"PipelineRun {profile.tekton_namespace}/{name}"
    findings = [
        judge(
            revision == heads.get("githubV01") == heads.get("localV01"),
            "the triggered commit",
            f"GitHub's {profile.source_branch} head, which the mirror holds (synced first when "
            "behind)",
            f"revision {revision}, GitHub {heads.get('githubV01')}, mirror {heads.get('localV01')}",
            where,
            trigger=trigger,
        )
    ]
    if run is None:
        return findings + [
            failed("the PipelineRun", "exists after trigger-current", "not found", where)
        ]
    template = run.get("spec", {}).get("taskRunTemplate") or {}
    pod = template.get("podTemplate") or {}
    expected_name = profile.pipeline_run_name(revision or "")
    findings += [
        judge(
            name == expected_name and _param(run, "revision") == revision and is_full_sha(revision),
            "name and revision param",
            f"{expected_name}, revision = the full 40-hex SHA",
            f"{name}, revision {_param(run, 'revision')!r}",
            where,
        ),
        judge(
            run["spec"].get("pipelineRef", {}).get("name") == profile.pipeline
            and template.get("serviceAccountName") == profile.tekton_service_account
            and pod.get("hostNetwork") is True
            and pod.get("dnsPolicy") == "ClusterFirstWithHostNet",
            "Pipeline, ServiceAccount and podTemplate",
            f"{profile.pipeline}, {profile.tekton_service_account}, hostNetwork true, dnsPolicy "
            "ClusterFirstWithHostNet",
            f"{run['spec'].get('pipelineRef', {}).get('name')}, "
            f"{template.get('serviceAccountName')}, hostNetwork {pod.get('hostNetwork')}, "
            f"dnsPolicy {pod.get('dnsPolicy')}",
            f"{where} spec",
        ),
        judge(
            runs_of_revision == [name],
            f"PipelineRuns of {str(revision)[:12]}",
            "exactly one (reused, never duplicated)",
            ", ".join(runs_of_revision) or "none",
            f"PipelineRuns in {profile.tekton_namespace}",
        ),
    ]
    results, summary = (outcome or {}).get("results") or {}, (outcome or {}).get("planSummary")
    ok = failure is None and bool(outcome and outcome.get("succeeded")) and bool(summary)
    found = failure or (
        f"Succeeded, planSummary {summary!r}"
        if ok
        else f"{(outcome or {}).get('reason')}: {(outcome or {}).get('message')}"
    )
    return findings + [
        judge(
            ok,
            "the run's outcome",
            "Succeeded=True within the timeout, with its results",
            found,
            f"{where} status",
            results=results,
        )
    ]


# -- DR-03: promotion ----------------------------------------------------------------------------


@judges("DR-03")
def promotion_landed(
    profile: LaneProfile,
    revision: str,
    heads: dict[str, str | None],
    catalog: Catalog,
    app: dict[str, Any] | None,
    pods: list[dict[str, Any]],
    failure: str | None,
) -> list[Finding]:
    """DR-03: the GitOps branch carries the run's catalog and was flushed; Argo reports
    Synced/Healthy at that revision; the runtime's pods are ready on the catalog's
    digest and boot commit."""
    findings = (
        []
        if failure is None
        else [
            failed(
                "promotion",
                "follows the successful run to the runtime within the timeout",
                failure,
                f"{profile.gitops_branch} / Application {profile.application}",
            )
        ]
    )
    gitops = heads.get("localGitops")
    findings.append(
        judge(
            catalog.usable and catalog.source_commit() == revision,
            "the GitOps branch's catalog",
            f"sourceCommit {revision}",
            f"sourceCommit {catalog.data.get('sourceCommit') if catalog.usable else catalog.error}",
            catalog.where,
        )
    )
    findings.append(
        judge(
            gitops is not None and heads.get("githubGitops") == gitops,
            f"{profile.gitops_branch} flushed",
            f"GitHub = mirror = {gitops}",
            f"GitHub {heads.get('githubGitops')}, mirror {gitops}",
            profile.gitops_branch,
        )
    )
    app_where = f"Application {profile.argocd_namespace}/{profile.application}"
    status = (app or {}).get("status") or {}
    sync, health, operation = (
        status.get("sync") or {},
        status.get("health") or {},
        status.get("operationState") or {},
    )
    synced = synced_revision(
        profile, app or {}
    )  # the lane source's, also of a multi-source Application
    findings.append(
        judge(
            sync.get("status") == "Synced"
            and synced == gitops
            and health.get("status") == "Healthy"
            and operation.get("phase") == "Succeeded",
            "Argo CD",
            f"Synced and Healthy at {gitops}, last operation Succeeded",
            f"{sync.get('status')} at {synced}, {health.get('status')}, operation "
            f"{operation.get('phase')} {operation.get('message', '')!r}"
            if app
            else "no Application",
            app_where,
        )
    )
    return findings + _pods_on_release(profile, pods, catalog, revision)


def _pods_on_release(
    profile: LaneProfile,
    pods: list[dict[str, Any]],
    catalog: Catalog,
    revision: str,
) -> list[Finding]:
    """Every runtime pod ready on the release: judged as the promotion waits for it
    (rollout.pod_problem)."""
    if not pods:
        return [
            failed(
                "runtime pods",
                "ready on the new release",
                "no pod of the Application",
                f"namespace {profile.runtime_namespace}",
            )
        ]
    digests, digest = catalog_digests(catalog.services() if catalog.usable else [])
    findings = []
    for pod in pods:
        problem = pod_problem(pod, revision, digests, digest)
        image_ids = ", ".join(
            c.get("imageID", "") for c in (pod.get("status") or {}).get("containerStatuses") or []
        )
        findings.append(
            judge(
                problem is None,
                f"pod {pod['metadata']['name']}",
                "Running and Ready, each container on the catalog's digest, boot commit "
                f"{revision}",
                problem or f"Ready, imageID {image_ids}, boot commit {revision}",
                f"Pod {profile.runtime_namespace}/{pod['metadata']['name']}",
            )
        )
    return findings


# -- DR-04: a business-only change reuses the env image --------------------------------------------


@judges("DR-04")
def business_change_reused(
    profile: LaneProfile,
    revision: str,
    changes: InputChanges | None,
    previous: Catalog | None,
    catalog: Catalog,
    task_runs: list[dict[str, Any]],
    new_tags: list[str],
    pods: list[dict[str, Any]],
) -> list[Finding]:
    """DR-04: a change that touches no env-identity input ends with build=0 reuse=1 unsafeReuse=0,
    status=reused, no new image tag, and the new boot commit live."""
    where = f"PipelineRun {profile.tekton_namespace}/{profile.pipeline_run_name(revision)}"
    if previous is None or changes is None:
        return [
            failed(
                "the driven change",
                "a previous catalog to compare with",
                "cannot be decided: the GitOps branch holds no earlier catalog",
                catalog.where,
            )
        ]
    if changes.changed:
        return [
            failed(
                f"the change {previous.source_commit()[:12]}..{revision[:12]}",
                "a business-only change (no env-identity input touched)",
                f"cannot be decided on this change: {changes.describe()}; drive a business-only "
                "change",
                previous.where,
            )
        ]
    _, summary, _ = plan_summary(profile, task_runs)
    publish = task_run_of(profile, task_runs, "publish")
    status = result_of(publish, "status") if publish else None
    built = task_run_of(profile, task_runs, "build")
    old_tags = {e.get("image", {}).get("tag") for e in previous.services()}
    tags = {e.get("image", {}).get("tag") for e in catalog.services()} if catalog.usable else set()
    findings = [
        judge(
            summary == "build=0 reuse=1 unsafeReuse=0",
            "plan",
            "build=0 reuse=1 unsafeReuse=0",
            repr(summary),
            f"{where} plan results",
            changes=asdict(changes),
        ),
        judge(
            status == "reused" and built is None,
            "image-publish",
            "status=reused, no image-build TaskRun",
            f"status {status!r}, image-build {'ran' if built else 'did not run'}",
            f"{where} image-publish results",
        ),
        judge(
            not new_tags and bool(tags) and tags <= old_tags,
            "env image tags",
            "no new tag in the registry; the catalog keeps "
            f"{', '.join(sorted(filter(None, old_tags)))}",
            f"new registry tags {new_tags or 'none'}, catalog tags "
            f"{', '.join(sorted(filter(None, tags))) or 'none'}",
            f"{profile.env_repository} / {catalog.where}",
        ),
    ]
    return findings + _pods_on_release(profile, pods, catalog, revision)
