"""Legacy targets and truth order (criteria.md section 9)."""

import pytest

from pytest_agentrun import (
    Examined,
    ForbiddenTargets,
    criteria_catalogue,
    criteria_of,
    legacy_checks,
    object_ref,
)


def _ref(kind, namespace, name):
    return object_ref({"kind": kind, "metadata": {"namespace": namespace, "name": name}})


@pytest.mark.criterion("LG-01")
def test_nothing_of_the_lane_points_at_legacy_targets(
    lane, argo, tekton, gitops, catalog, source, verdict
):
    """LG-01: Argo destination, PipelineRun, catalog, deploy.json and runtime manifests never point
    at agentrun_dev/agentrun_prod, master, /root/agentrun or D601."""
    profile = lane.profile
    app, project = argo.application(), argo.app_project()
    run_name = profile.pipeline_run_name(catalog.source_commit())
    run = tekton.pipeline_run(run_name)
    head = source.fetch_branch(profile.source_branch)
    intent = lane.deploy_intent(head) if head else None
    manifests = gitops.manifests
    verdict(
        legacy_checks.nothing_points_at_legacy(
            ForbiddenTargets.of(profile),
            [
                Examined(
                    subject="Application spec",
                    where=_ref("Application", argo.namespace, profile.application),
                    content=app and app.get("spec"),
                ),
                Examined(
                    subject="AppProject spec",
                    where=_ref("AppProject", argo.namespace, profile.app_project),
                    content=project and project.get("spec"),
                ),
                Examined(
                    subject="PipelineRun of the catalog commit spec",
                    where=_ref("PipelineRun", tekton.namespace, run_name),
                    content=run and run.get("spec"),
                ),
                Examined(subject="artifact catalog", where=catalog.where, content=catalog.data),
                Examined(
                    subject="deploy.json at the source head",
                    where=intent.where if intent else f"ls-remote {source.shown_url}",
                    content=intent.data if intent else None,
                ),
                *[
                    Examined(
                        subject=f"runtime manifest {m.kind} {m.name}",
                        where=manifests.where(m),
                        content=m.obj,
                    )
                    for m in manifests.manifests
                ],
            ],
        )
    )


@pytest.mark.criterion("LG-02")
def test_verdict_is_built_in_truth_order_from_lane_evidence_only(request, lane, verdict):
    """LG-02: criterion tests run in truth order, and every piece of evidence comes from the lane's
    own sources. (With --drive the drive tests come first on purpose: they move the lane before
    anything judges it.)"""
    items = [
        (item.nodeid, criteria_of(item))
        for item in request.session.items
        if not item.get_closest_marker("drive")
    ]
    order = {cid: c.order for cid, c in criteria_catalogue().items()}
    sources = {
        **lane.config.describe(),
        "source branch": lane.profile.source_branch,
        "GitOps branch": lane.profile.gitops_branch,
    }
    targets = ForbiddenTargets.of(lane.profile)
    verdict(
        legacy_checks.verdict_in_truth_order(items, order)
        + legacy_checks.lane_reads_no_legacy_source(targets, sources)
    )
