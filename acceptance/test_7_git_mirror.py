"""The git mirror relay (criteria.md section 7)."""

import pytest

from pytest_agentrun import mirror_checks


@pytest.mark.criterion("MR-01")
def test_mirror_status_is_complete_and_source_in_sync(lane, mirror, verdict):
    """MR-01: mirror status reports localV01, githubV01, localGitops, githubGitops, pendingFlush
    and exactFetch, and the source branch is in sync."""
    verdict(
        mirror_checks.status_complete_and_in_sync(
            status=mirror.status(),
            mirror_where=f"ls-remote {lane.mirror_remote.shown_url}",
            source_where=f"ls-remote {lane.source.shown_url}",
        )
    )


@pytest.mark.criterion("MR-02")
def test_mirror_serves_the_full_source_sha_to_a_shallow_fetch(lane, mirror, verdict):
    """MR-02: `git fetch --depth=1 <mirror read URL> <full source-branch SHA>` succeeds
    (exactFetch.localV01)."""
    verdict(
        mirror_checks.exact_fetch_of_source_head(
            mirror.status(), f"mirror read URL {lane.mirror_remote.shown_url}"
        )
    )


@pytest.mark.criterion("MR-03")
def test_github_gitops_branch_is_flushed_or_a_fast_forward_behind(lane, mirror, verdict):
    """MR-03: GitHub's GitOps branch equals the mirror's, or while a flush is pending is
    an ancestor of it."""
    verdict(
        mirror_checks.gitops_flush_fast_forward(
            status=mirror.status(),
            relation=mirror.gitops_relation(),
            mirror_where=f"ls-remote {lane.mirror_remote.shown_url}",
            source_where=f"ls-remote {lane.source.shown_url}",
        )
    )
