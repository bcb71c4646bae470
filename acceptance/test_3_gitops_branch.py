"""Truth level 3: the GitOps branch (criteria.md section 3)."""

import pytest

from pytest_agentrun.checks import gitops as gitops_checks


@pytest.mark.criterion("GO-01")
def test_gitops_branch_holds_the_catalog_and_runtime_manifests(lane, gitops, verdict):
    """GO-01: the GitOps branch exists and holds the artifact catalog and a non-empty runtime path."""
    head = gitops.head()
    where = f"ls-remote {lane.mirror_remote.shown_url}"
    if head is None:
        verdict(gitops_checks.branch_holds_lane_files(lane.profile, None, False, [], where))
        return
    verdict(gitops_checks.branch_holds_lane_files(
        lane.profile, head, gitops.catalog.text is not None, gitops.runtime_files(), where))


@pytest.mark.criterion("GO-02")
def test_runtime_images_are_pinned_to_the_catalog_digests(gitops, catalog, verdict):
    """GO-02: every container image in the runtime manifests is pinned by digest, and it is the catalog's digest."""
    verdict(gitops_checks.images_pinned_to_catalog(gitops.manifests, catalog))
