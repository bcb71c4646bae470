"""Every user-facing default of a run, declared once (as Chainsaw declares its timeouts).

Options, `agentrun-lane`, the drive, the readers and the in-cluster steps read these; a help text
shows the value from here, so a default cannot say one thing and do another.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timeouts:
    """Seconds. A read's own timeout is cut to what is left of the evidence deadline."""

    drive: float = 1800.0  # a driven PipelineRun, then its promotion (--drive-timeout, --timeout)
    evidence_deadline: float = 300.0  # all the evidence of a run (--evidence-deadline; 0: none)
    kube: tuple[float, float] = (5, 30)  # connect, read of one Kubernetes request
    kube_log: tuple[float, float] = (5, 10)  # a Pod log, through the kubelet: a hang costs it once
    registry: float = 10.0  # one registry request
    git_remote: float = 120.0  # one ls-remote or fetch
    settle: float = 900.0  # the in-cluster settle step's wait for the release


@dataclass(frozen=True)
class Defaults:
    timeouts: Timeouts = Timeouts()
    prefetch_workers: int = 6  # small: a lane's servers see a handful of requests, never a burst


DEFAULTS = Defaults()
TIMEOUTS = DEFAULTS.timeouts
