"""Checks made before any test runs: a wrong kubeconfig or an unreachable API
server is a usage error.

The question goes through the session's evidence cache, so the answer is evidence the run reuses."""

from __future__ import annotations

from ..errors import EvidenceError, LaneConfigError
from ..evidence.cache import EvidenceCache
from ..lane import LaneConfig
from .kube import Kube


def check(config: LaneConfig, cache: EvidenceCache | None = None) -> None:
    kube = Kube(config, cache or EvidenceCache())
    api = kube.api  # raises LaneConfigError for a missing or broken kubeconfig
    try:
        kube.answers()
    except EvidenceError as exc:
        via = (
            "in-cluster service account"
            if config.in_cluster
            else f"kubeconfig {config.kubeconfig}"
            + (f" context {config.context}" if config.context else "")
        )
        # The reason already says what happened (unreachable, unauthorised, forbidden ...): once.
        reason = exc.reason.removeprefix("API server ")
        raise LaneConfigError(
            f"Kubernetes API server {api.configuration.host} {reason}; tried via {via}"
        ) from None
    finally:
        kube.close()
