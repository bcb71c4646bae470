"""How often a drive wait looks again: a backoff from 2 s growing to 15 s, back to 2 s whenever
something it follows changed (a run that moves is looked at closely, a long build is not polled
every half second for half an hour).

The sandbox's simulated Tekton runs a G14 step in 1/100 of its time (tekton_sim.TIME_SCALE), so
on a sandbox lane (its connection config has a `sandbox:` section) the intervals shrink by the
same factor; `drive: {timeScale: F}` in a lane config sets the factor explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lane import LaneConfig

FIRST, CEILING, FACTOR = 2.0, 15.0, 1.5
SANDBOX_TIME_SCALE = 0.01


@dataclass
class Backoff:
    first: float = FIRST
    ceiling: float = CEILING
    factor: float = FACTOR
    _next: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._next = self.first

    def next(self) -> float:
        """The interval to sleep now; the one after grows by `factor`, up to `ceiling`."""
        interval, self._next = self._next, min(self.ceiling, self._next * self.factor)
        return interval

    def reset(self) -> None:
        self._next = self.first


def time_scale(config: LaneConfig) -> float:
    drive = config.extra.get("drive") if isinstance(config.extra.get("drive"), dict) else {}
    if "timeScale" in drive:
        return float(drive["timeScale"])
    return SANDBOX_TIME_SCALE if "sandbox" in config.extra else 1.0


def schedule(config: LaneConfig, poll: float | None = None) -> Backoff:
    """The lane's backoff; a given `poll` is its first interval (the ceiling
    keeps the 2:15 ratio)."""
    if poll is not None:
        return Backoff(poll, poll * CEILING / FIRST)
    scale = time_scale(config)
    return Backoff(FIRST * scale, CEILING * scale)
