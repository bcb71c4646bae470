"""Which worker runs a world's tests. With `--dist loadgroup` (the README's test command) the
tests of each world but the default share an xdist group, so one worker starts that world's
cluster, makes its seed and keeps both (about 10 s at first use, and a cluster's idle CPU after),
where each worker did before. Every worker keeps a default-world cluster (conftest fresh_lane).
xdist sends the largest groups first, so the worlds' runs start at once on different workers."""

from __future__ import annotations

import pytest

from agentrun_sandbox import world as worlds


def world_group(world: str) -> pytest.MarkDecorator:
    """The mark of a test that uses the kept cluster of `world` (not the default)."""
    return pytest.mark.xdist_group(worlds.load(world).name)


def world_marks(world: str | None) -> list[pytest.MarkDecorator]:
    return [] if worlds.load(world).name == worlds.DEFAULT else [world_group(world)]


def world_params(*names: str) -> list:
    """pytest.param per world, each in its world's group."""
    return [pytest.param(name, marks=world_marks(name), id=name) for name in names]
