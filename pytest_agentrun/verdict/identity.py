"""What a verdict was given on: lane, commits, cluster context, suite version, env image digests.

Read once at the end of a run from the session's evidence (cached, so nothing is read twice); an
unreadable piece says "unknown (reason)" instead of breaking the reports.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..errors import AgentrunError
from ..masking import redact_text


def identity(session, lane: str) -> dict[str, Any]:
    found: dict[str, Any] = {"lane": lane, "suite.version": __version__}
    if session is None:
        return found
    config = session.config
    found["cluster.context"] = (
        "in-cluster"
        if config.in_cluster
        else f"{config.context or 'current'} ({config.kubeconfig})"
    )
    found["gitops.repo"] = redact_text(config.mirror_read_url)
    found["gitops.branch"] = config.profile.gitops_branch
    readers = (
        ("gitops.head", session.gitops.head),
        ("source.commit", lambda: session.gitops.catalog.source_commit()),
        ("images", lambda: env_images(session.gitops.catalog)),
    )
    for key, read in readers:
        try:
            found[key] = read() or "absent"
        except AgentrunError as exc:
            found[key] = f"unknown ({getattr(exc, 'reason', exc)})"
        except Exception as exc:  # noqa: BLE001 - evidence of any shape: the verdict's criteria judge it
            found[key] = f"unknown ({type(exc).__name__}: {exc})"
    return found


def env_images(catalog) -> list[dict[str, str]]:
    """Each service's env image: repository and digest, as the catalog records them."""
    images = []
    for service in catalog.services():
        image = service.get("image") if isinstance(service.get("image"), dict) else {}
        digest = str(image.get("digest") or "")
        if digest.startswith("sha256:"):
            images.append(
                {
                    "service": str(service.get("serviceId")),
                    "repository": str(image.get("repository") or ""),
                    "digest": digest,
                }
            )
    return images
