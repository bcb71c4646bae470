"""`--dist loadgroup` keeps a group's tests on one worker (world_groups.py's hook): what the
README's test command relies on for one cluster per world."""

from __future__ import annotations

from pathlib import Path


def test_the_tests_of_a_group_run_on_one_worker(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # xdist and world_groups only
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize(
            "i", [pytest.param(i, marks=pytest.mark.xdist_group("w")) for i in range(4)] + [4, 5]
        )
        def test_one(i):
            pass
        """
    )
    result = pytester.runpytest_subprocess(
        *("-p", "xdist.plugin", "-p", "world_groups", "-n", "2", "--dist", "loadgroup"),
        *("-v", "-p", "no:cacheprovider"),
    )
    grouped = [line.split()[0] for line in result.outlines if "PASSED" in line and "]@w" in line]
    assert result.ret == 0 and len(grouped) == 4, result.stdout.str()
    assert len(set(grouped)) == 1, grouped
