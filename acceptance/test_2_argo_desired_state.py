"""Truth level 2: Argo CD desired state (criteria.md section 2)."""

import pytest

from pytest_agentrun import argo_checks


@pytest.mark.criterion("AR-01")
def test_app_project_destinations_are_only_the_lane_namespace(lane, argo, verdict):
    """AR-01: the AppProject of the lane exists and its destinations contain only the lane's
    runtime namespace."""
    verdict(argo_checks.project_destinations(lane.profile, argo.app_project()))


@pytest.mark.criterion("AR-02")
def test_application_reads_the_lane_gitops_path_into_the_lane_namespace(lane, argo, verdict):
    """AR-02: the Application belongs to the lane project, tracks the GitOps branch and runtime
    path, deploys to the lane namespace."""
    repos = [
        lane.config.source_repo_url,
        lane.config.mirror_read_url,
        lane.profile.source_repo,
        lane.profile.mirror_read_url,
    ]
    verdict(
        argo_checks.application_source(
            profile=lane.profile,
            app=argo.application(),
            lane_repo_urls=sorted(set(repos)),
        )
    )


@pytest.mark.criterion("AR-03")
def test_application_is_synced_and_healthy_at_the_gitops_head(lane, argo, gitops, verdict):
    """AR-03: the Application is Synced and Healthy, and its synced revision is the head of
    the GitOps branch."""
    head_where = f"ls-remote {lane.mirror_remote.shown_url} refs/heads/{lane.profile.gitops_branch}"
    verdict(
        argo_checks.application_synced(
            profile=lane.profile,
            app=argo.application(),
            gitops_head=gitops.head(),
            head_where=head_where,
        )
    )


@pytest.mark.criterion("AR-04")
def test_no_lane_application_targets_a_forbidden_namespace(lane, argo, verdict):
    """AR-04: no Application of this lane, and no destination of its AppProject, targets
    agentrun_dev/agentrun_prod."""
    verdict(
        argo_checks.no_forbidden_destinations(
            profile=lane.profile,
            applications=argo.applications(),
            project=argo.app_project(),
        )
    )
