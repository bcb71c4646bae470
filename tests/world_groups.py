"""Which worker runs a world's tests. With `--dist loadgroup` (the README's test command) the
tests of each world but the default share an xdist group, so one worker starts that world's
cluster, makes its seed and keeps both (about 10 s at first use, and a cluster's idle CPU after),
where each worker did before. Every worker keeps a default-world cluster (conftest fresh_lane).
xdist sends the largest groups first, so the worlds' runs start at once on different workers."""

from __future__ import annotations

import pytest
from _pytest.nodeid import NodeId

from agentrun_sandbox import world as worlds


def world_group(world: str) -> pytest.MarkDecorator:
    """The mark of a test that uses the kept cluster of `world` (not the default)."""
    return pytest.mark.xdist_group(worlds.load(world).name)


def world_marks(world: str | None) -> list[pytest.MarkDecorator]:
    return [] if worlds.load(world).name == worlds.DEFAULT else [world_group(world)]


def world_params(*names: str) -> list:
    """pytest.param per world, each in its world's group."""
    return [pytest.param(name, marks=world_marks(name), id=name) for name in names]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """`--dist loadgroup` (the README's test command): pytest-xdist 3.8 tells its scheduler a
    test's group by a suffix it sets on the item's `_nodeid`, which pytest 9.2 no longer reads
    (a nodeid is its `_id` now), so grouping silently stops (pytest-xdist issue 1386; PR 1388
    proposes this fix). The suffix is set where pytest reads it; an xdist that sets it itself is
    left alone."""
    if getattr(config.option, "loadgroup", False):
        for item in items:
            groups = {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
            suffix = "@" + "_".join(sorted(groups))
            if groups and not item.nodeid.endswith(suffix):
                item._id = NodeId.parse(item.nodeid + suffix)
