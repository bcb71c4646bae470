"""The one object that changes the lane: mirror sync and flush, trigger-current and
its wait, promotion.

The lane session only reads. A LaneDriver needs a DriveConsent, and a consent exists only when the
user asked for a change: `pytest --drive`, or an `agentrun-lane` command given `--confirm`. Every
drive step reads live, never through the session's evidence cache. Progress goes to `out` as it
happens (a drive may take many minutes on a real lane, and a silent wait looks like a hang).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..defaults import TIMEOUTS
from ..errors import DriveError
from ..lane import LaneConfig
from ..model.mirror import BranchMove
from ..model.run_state import RunOutcome
from .mirror_sync import flush, sync
from .progress import Out
from .promotion import PromotionResult, follow_promotion
from .trigger import TriggerResult, trigger_current, wait


class DriveNotAllowed(DriveError):
    def __init__(self, what: str):
        super().__init__(
            f"{what} changes the lane: run pytest with --drive "
            "(or the agentrun-lane command with --confirm)"
        )


@dataclass(frozen=True)
class DriveConsent:
    """Who allowed this session to change the lane, in the words a log shows."""

    given_by: str

    @classmethod
    def of_pytest(cls, drive: bool) -> DriveConsent:
        if not drive:
            raise DriveNotAllowed("driving the lane")
        return cls("pytest --drive")

    @classmethod
    def of_command(cls, command: str, confirmed: bool) -> DriveConsent:
        if not confirmed:
            raise DriveNotAllowed(f"agentrun-lane {command}")
        return cls(f"agentrun-lane {command} --confirm")


class LaneDriver:
    """`sync()`/`flush()` settle the mirror (DR-01); `trigger_current()` creates or reuses the
    PipelineRun of GitHub's current source head and `wait()` follows it task by task (RunFailed,
    RunTimedOut); `follow(outcome)` waits for its promotion to the GitOps branch, Argo CD and the
    runtime (DR-03). `timeout` is each wait's default (pytest --drive-timeout)."""

    def __init__(
        self,
        config: LaneConfig,
        consent: DriveConsent,
        out: Out = print,
        timeout: float = TIMEOUTS.drive,
    ):
        if not isinstance(consent, DriveConsent):
            raise DriveNotAllowed("a LaneDriver without consent")
        self.config, self.consent, self.out, self.timeout = config, consent, out, timeout
        self.last: TriggerResult | None = None

    def sync(self) -> BranchMove:
        """Fast-forward the mirror's source branch to GitHub's."""
        return sync(self.config)

    def flush(self) -> BranchMove:
        """Fast-forward GitHub's GitOps branch to the mirror's; refuses a non-fast-forward."""
        return flush(self.config)

    def trigger_current(self) -> TriggerResult:
        self.last = trigger_current(self.config, out=self.out)
        return self.last

    def wait(self, timeout: float | None = None, name: str | None = None) -> RunOutcome:
        """Wait for the named run (default: the one trigger_current() gave)
        within timeout seconds."""
        name = name or (self.last.name if self.last else None)
        if name is None:
            raise DriveError("wait(): nothing triggered in this session and no run name given")
        return wait(self.config, name, self.timeout if timeout is None else timeout, out=self.out)

    def follow(self, outcome: RunOutcome, timeout: float | None = None) -> PromotionResult:
        return follow_promotion(
            self.config, outcome, self.timeout if timeout is None else timeout, out=self.out
        )
