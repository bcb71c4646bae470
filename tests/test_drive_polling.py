"""Drive waits: the backoff schedule, and the incremental branch follower on a real repository."""

from __future__ import annotations

from pathlib import Path

from pytest_agentrun.drive.git_live import BranchFollower
from pytest_agentrun.drive.polling import Backoff, schedule, time_scale
from pytest_agentrun.lane import LaneConfig, LaneProfile
from test_git_reader import commit, git


def test_backoff_grows_to_its_ceiling_and_starts_over_after_a_change():
    backoff = Backoff()
    assert [round(backoff.next(), 2) for _ in range(7)] == [2.0, 3.0, 4.5, 6.75, 10.12, 15.0, 15.0]
    backoff.reset()
    assert backoff.next() == 2.0


def config(tmp_path: Path, raw: dict) -> LaneConfig:
    return LaneConfig._from_raw(LaneProfile.load("v0.1"), raw, tmp_path, tmp_path / "cache", "test")


def test_a_sandbox_lane_polls_at_the_simulators_speed(tmp_path):
    assert time_scale(config(tmp_path, {})) == 1.0
    assert time_scale(config(tmp_path, {"sandbox": {"api": "http://127.0.0.1:1"}})) == 0.01
    assert time_scale(config(tmp_path, {"drive": {"timeScale": 0.5}, "sandbox": {}})) == 0.5
    sandbox = schedule(config(tmp_path, {"sandbox": {}}))
    assert (sandbox.first, sandbox.ceiling) == (0.02, 0.15)
    given = schedule(config(tmp_path, {}), poll=0.1)
    assert (given.first, round(given.ceiling, 6)) == (0.1, 0.75)


def test_the_follower_reads_a_moving_branch_incrementally_in_one_repository(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    first = commit(work, {"deploy/cat.json": "1\n"}, "one")
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    with BranchFollower(str(bare), "main", tmp_path / "cache") as follower:
        assert follower.file_at_head("deploy/cat.json") == (first, "1\n")
        assert follower.file_at_head("nope") == (first, None)
        second = commit(work, {"deploy/cat.json": "2\n"}, "two")
        git(work, "push", "-q", str(bare), "main")
        assert follower.file_at_head("deploy/cat.json") == (second, "2\n")
        repositories = list((tmp_path / "cache").iterdir())
        assert len(repositories) == 1, "one cache repository for the whole wait"
    assert list((tmp_path / "cache").iterdir()) == [], "closing removes it"
    with BranchFollower(str(bare), "absent", tmp_path / "cache") as follower:
        assert follower.file_at_head("deploy/cat.json") == (None, None)
