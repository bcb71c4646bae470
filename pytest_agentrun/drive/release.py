"""One driven release of GitHub's current source head: trigger, wait, promotion (DR-02..DR-04).

The acceptance suite drives it once and judges several criteria on it, so a failure is kept, not
raised: each stage records what it got, and the first stage that failed says why. The env image
tags are read before anything moves (live, never from the session's evidence cache, which must
first see the lane after the drive).
"""

from __future__ import annotations

from dataclasses import dataclass
from ..errors import AgentrunError
from ..evidence.cache import EvidenceCache
from ..lane import LaneConfig
from ..readers.registry import Registry
from .driver import LaneDriver
from .promotion import PromotionResult
from ..model.run_state import RunOutcome
from .trigger import RunFailed, RunTimedOut, TriggerResult


@dataclass
class DrivenRelease:
    tags_before: list[str] | None = None
    triggered: TriggerResult | None = None
    outcome: RunOutcome | None = None
    promoted: PromotionResult | None = None
    failure: str | None = None  # the first stage that failed, and why
    failed_stage: str | None = None  # trigger, run, promotion (or tags, before anything moved)

    def run_failure(self) -> str | None:
        """Why there is no successful run (DR-02): any failure before the promotion."""
        return self.failure if self.failed_stage != "promotion" else None

    def promotion_failure(self) -> str | None:
        """Why the promotion did not complete: its own failure, or the earlier stage that
        stopped the drive."""
        if self.failed_stage in (None, "promotion"):
            return self.failure
        first_line = (self.failure or "").splitlines()[0]
        return (
            f"not reached: the {self.failed_stage} stage failed first (judged by DR-02): "
            f"{first_line}"
        )


def live_tags(config: LaneConfig) -> list[str]:
    registry = Registry(config.registry_url, EvidenceCache())
    try:
        return registry.tags(config.profile.env_repository)
    finally:
        registry.close()


def drive_release(driver: LaneDriver) -> DrivenRelease:
    release = DrivenRelease()
    stage = "tags"
    try:
        release.tags_before = live_tags(driver.config)
        stage = "trigger"
        release.triggered = driver.trigger_current()
        stage = "run"
        release.outcome = driver.wait()
        stage = "promotion"
        release.promoted = driver.follow(release.outcome)
    except (RunFailed, RunTimedOut) as exc:
        release.outcome, release.failed_stage, release.failure = exc.outcome, stage, str(exc)
    except AgentrunError as exc:  # a refusal, a drive error, or evidence it could not read
        release.failed_stage, release.failure = stage, str(exc)
    return release
