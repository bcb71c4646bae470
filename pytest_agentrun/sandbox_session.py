"""`--sandbox`: a sandbox lane for one pytest session, stopped when the session ends."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from .errors import LaneConfigError
from .lane import LaneProfile


# The line of a Python traceback that names the exception: `SomeError: message`.
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*")


def failure_cause(message: str) -> str:
    """The first line of a sandbox start-up failure and, after it, the exception that caused it
    (the supervisor writes its whole traceback to DIR/failed.txt; the last
    exception line says why)."""
    lines = message.strip().splitlines()
    causes = [line.strip() for line in lines[1:] if EXCEPTION_LINE.match(line.strip())]
    return lines[0].rstrip(":") + (f": {causes[-1][:500]}" if causes else "")


def start(config: pytest.Config, profile: LaneProfile) -> Path:
    try:
        from agentrun_sandbox import lane as sandbox
    except ImportError as exc:
        raise LaneConfigError(
            "--sandbox needs the agentrun_sandbox package (install the project: "
            f"pip install -e .): {exc}"
        ) from None
    directory = Path(tempfile.mkdtemp(prefix="agentrun-sandbox-"))
    try:
        # parent_pid: the lane stops by itself even if this session is killed.
        handle = sandbox.up(
            directory,
            lane=profile.lane,
            parent_pid=os.getpid(),
            world=config.getoption("sandbox_world"),
        )
    except sandbox.SandboxError as exc:
        raise LaneConfigError(f"{failure_cause(str(exc))} (see {directory})") from None

    def teardown() -> None:
        sandbox.down(directory)
        shutil.rmtree(directory, ignore_errors=True)

    config.add_cleanup(teardown)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line(
            f"agentrun: sandbox lane {profile.lane} (world {handle.info['world']}) up in "
            f"{handle.info['seconds']}s at {directory}"
        )
    return handle.lane_config
