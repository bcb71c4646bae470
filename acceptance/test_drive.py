"""Driving the lane (criteria.md, "Driving"): runs only with --drive, because it changes the lane."""

import pytest

from pytest_agentrun.checks import drive
from pytest_agentrun.drive.mirror_sync import live_heads


@pytest.mark.drive
@pytest.mark.criterion("DR-01")
def test_mirror_sync_then_flush_leave_nothing_pending(lane, mirror, verdict):
    """DR-01: mirror sync brings the mirror's v0.1 to GitHub's; flush fast-forwards GitHub's v0.1-gitops to the mirror's."""
    synced, flushed = mirror.sync(), mirror.flush()
    verdict(drive.mirror_settled(synced, flushed, live_heads(lane.config)))
