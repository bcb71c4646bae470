"""Driving the lane (criteria.md, "Driving"): runs only with --drive, because it changes the lane.

With --drive these tests run before every passive one: DR-01 settles the mirror, then one release of
GitHub's current source head is driven (trigger-current, wait, promotion) and judged by
DR-02..DR-04. The session's evidence is first read after the drive, so the passive criteria judge
the lane as the drive left it, and the drive's evidence lands in the same bundle.
"""

import pytest

from pytest_agentrun import (
    AgentrunError,
    CannotBeDecided,
    classify_release,
    drive_checks,
    drive_release,
    live_heads,
    live_tags,
)


@pytest.mark.drive
@pytest.mark.criterion("DR-01")
def test_mirror_sync_then_flush_leave_nothing_pending(lane, driver, verdict):
    """DR-01: mirror sync brings the mirror's source branch to GitHub's; flush fast-forwards
    GitHub's GitOps branch to the mirror's."""
    try:
        synced, flushed = driver.sync(), driver.flush()
    except AgentrunError as exc:  # a refused fast-forward is the lane's defect, reported as such
        pytest.fail(f"DR-01 mirror sync/flush refused: {exc}", pytrace=False)
    verdict(
        drive_checks.mirror_settled(
            synced=synced,
            flushed=flushed,
            heads=live_heads(lane.config),
        )
    )


@pytest.fixture(scope="module")
def release(driver):
    """One driven release of GitHub's current head; a failed stage is kept for the
    criteria to report."""
    return drive_release(driver)


@pytest.fixture(scope="module")
def revision(release):
    return release.triggered.revision if release.triggered else None


@pytest.fixture(scope="module")
def heads(lane, release):
    """The four branch heads as the drive left them (read live, once)."""
    return live_heads(lane.config)


@pytest.mark.drive
@pytest.mark.criterion("DR-02")
def test_trigger_current_runs_the_current_head_once(
    lane, tekton, release, revision, heads, verdict
):
    """DR-02: trigger-current creates (or reuses) the lane's PipelineRun for GitHub's
    current full SHA with the lane's Pipeline, ServiceAccount and podTemplate, and the wait
    returns its results."""
    trigger = release.triggered.as_dict() if release.triggered else {}
    run = tekton.pipeline_run(trigger["name"]) if trigger else None
    same_revision = drive_checks.runs_of_revision(tekton.pipeline_runs(), revision)
    verdict(
        drive_checks.pipeline_run_for_current(
            profile=lane.profile,
            heads=heads,
            trigger=trigger,
            run=run,
            runs_of_revision=same_revision,
            outcome=release.outcome.as_dict() if release.outcome else None,
            failure=release.run_failure(),
        )
    )


@pytest.mark.drive
@pytest.mark.criterion("DR-03")
def test_promotion_reaches_argo_and_the_runtime(
    lane, gitops, argo, cluster, release, revision, heads, verdict
):
    """DR-03: after the run, the GitOps branch carries its catalog and is flushed to GitHub, the
    Application is Synced and Healthy at that commit, and the runtime pods are ready on the
    catalog's digest and boot commit."""
    if revision is None:
        raise CannotBeDecided(
            "the driven release", "trigger-current", f"nothing was triggered ({release.failure})"
        )
    verdict(
        drive_checks.promotion_landed(
            profile=lane.profile,
            revision=revision,
            heads=heads,
            catalog=gitops.catalog,
            app=argo.application(),
            pods=cluster.application_pods(),
            failure=release.promotion_failure(),
        )
    )


@pytest.mark.drive
@pytest.mark.criterion("DR-04")
def test_business_only_change_reuses_the_env_image(
    lane, gitops, source, tekton, cluster, release, revision, verdict
):
    """DR-04: a driven change that touches no env-identity input ends with build=0
    reuse=1 unsafeReuse=0, image-publish status=reused, no new env image tag, and the new
    boot commit live."""
    if revision is None:
        raise CannotBeDecided(
            "the driven release", "trigger-current", f"nothing was triggered ({release.failure})"
        )
    catalog, previous = gitops.catalog, gitops.previous_catalog()
    changes = None
    if previous is not None and catalog.usable:
        changes = classify_release(
            lane.profile,
            source.changed_files(previous.source_commit(), revision),
            previous,
            catalog,
        )
    # An unreadable registry raises EvidenceError: DR-04 cannot be decided, never a pass.
    new_tags = sorted(set(live_tags(lane.config)) - set(release.tags_before or []))
    verdict(
        drive_checks.business_change_reused(
            profile=lane.profile,
            revision=revision,
            changes=changes,
            previous=previous,
            catalog=catalog,
            task_runs=tekton.task_runs(lane.profile.pipeline_run_name(revision)),
            new_tags=new_tags,
            pods=cluster.application_pods(),
        )
    )
