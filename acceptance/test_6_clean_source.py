"""Truth level 5: the clean source worktree (criteria.md section 6)."""

import pytest

from pytest_agentrun.checks import source as source_checks


@pytest.mark.criterion("SRC-01")
def test_source_worktree_is_clean_and_equal_to_origin(lane, worktree, source, verdict):
    """SRC-01: the fixed worktree is on v0.1, equal to origin/v0.1 and to the source repo, with nothing modified or untracked."""
    branch = lane.profile.source_branch
    remote_where = f"ls-remote {source.shown_url} refs/heads/{branch}"
    verdict(source_checks.worktree_clean(lane.profile, worktree.state(branch), source.head(branch), remote_where))
