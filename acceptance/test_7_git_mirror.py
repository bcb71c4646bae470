"""The git mirror relay (criteria.md section 7)."""

import pytest

from pytest_agentrun.checks import mirror as mirror_checks


@pytest.mark.criterion("MR-01")
def test_mirror_status_is_complete_and_source_in_sync(lane, mirror, verdict):
    """MR-01: mirror status reports localV01/githubV01/localGitops/githubGitops/pendingFlush/exactFetch, and v0.1 is in sync."""
    verdict(mirror_checks.status_complete_and_in_sync(
        mirror.status(), f"ls-remote {lane.mirror_remote.shown_url}", f"ls-remote {lane.source.shown_url}"))
