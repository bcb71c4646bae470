"""What the `trigger` and `promotion` fixtures hand to a test: the drive functions bound to one lane.

They change the lane, so they exist only when the user passed --drive; without it every call
refuses with DriveNotAllowed. Progress goes to the terminal as it happens (a drive may take many
minutes on a real lane, and a silent wait looks like a hang).
"""

from __future__ import annotations

from ..errors import DriveError
from ..lane import LaneConfig
from .progress import Out
from .promotion import PromotionResult, follow_promotion
from ..model.run_state import RunOutcome
from .trigger import TriggerResult, trigger_current, wait


class DriveNotAllowed(DriveError):
    def __init__(self, what: str):
        super().__init__(f"{what} changes the lane: run pytest with --drive to allow it")


class Trigger:
    """`trigger_current()` creates (or reuses) the PipelineRun of GitHub's current source head;
    `wait(timeout)` follows it task by task and returns its RunOutcome (RunFailed, RunTimedOut)."""

    def __init__(self, config: LaneConfig, out: Out, allowed: bool, timeout: float):
        self.config, self.out, self.allowed, self.timeout = config, out, allowed, timeout
        self.last: TriggerResult | None = None

    def trigger_current(self) -> TriggerResult:
        if not self.allowed:
            raise DriveNotAllowed("trigger_current()")
        self.last = trigger_current(self.config, out=self.out)
        return self.last

    def wait(self, timeout: float | None = None, name: str | None = None) -> RunOutcome:
        """Wait for the named run (default: the one trigger_current() gave) within timeout seconds
        (default: --drive-timeout). Waiting changes nothing, but it follows a run this session drove."""
        name = name or (self.last.name if self.last else None)
        if name is None:
            raise DriveError("wait(): nothing triggered in this session and no run name given")
        return wait(self.config, name, self.timeout if timeout is None else timeout, out=self.out)


class Promotion:
    """`follow(outcome, timeout)`: after a successful run, wait for its catalog on the GitOps branch,
    flush it to GitHub, and wait for Argo CD and the runtime to be on it (PromotionTimedOut)."""

    def __init__(self, config: LaneConfig, out: Out, allowed: bool, timeout: float):
        self.config, self.out, self.allowed, self.timeout = config, out, allowed, timeout

    def follow(self, outcome: RunOutcome, timeout: float | None = None) -> PromotionResult:
        if not self.allowed:
            raise DriveNotAllowed("promotion.follow()")
        return follow_promotion(self.config, outcome, self.timeout if timeout is None else timeout, out=self.out)
