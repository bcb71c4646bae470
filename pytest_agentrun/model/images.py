"""Registry answers as values: a manifest HEAD and the repository part of an image reference."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ManifestAnswer:
    url: str
    status: int
    digest: str | None       # Docker-Content-Digest
    accept: str | None


def repository_name(repository: str) -> str:
    """`127.0.0.1:5000/agentrun/agentrun-mgr-env` -> `agentrun/agentrun-mgr-env` (drop the host part)."""
    first, _, rest = repository.partition("/")
    return rest if rest and ("." in first or ":" in first or first == "localhost") else repository
