"""Checks made before any test runs: a wrong kubeconfig or an unreachable API server is a usage error."""

from __future__ import annotations

from .errors import EvidenceError, LaneConfigError
from .evidence import EvidenceCache
from .lane import LaneConfig
from .readers.kube import Kube


def check(config: LaneConfig) -> None:
    kube = Kube(config, EvidenceCache())
    api = kube.api  # raises LaneConfigError for a missing or broken kubeconfig
    try:
        kube.version()
    except EvidenceError as exc:
        via = "in-cluster service account" if config.in_cluster else f"kubeconfig {config.kubeconfig}" + (
            f" context {config.context}" if config.context else "")
        # The reason already says what happened (unreachable, unauthorised, forbidden ...): once.
        reason = exc.reason.removeprefix("API server ")
        raise LaneConfigError(f"Kubernetes API server {api.configuration.host} {reason}; tried via {via}") from None
    finally:
        api.close()
