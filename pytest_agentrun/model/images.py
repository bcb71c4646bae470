"""Registry answers as values: a manifest HEAD and the repository part of an image reference."""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")  # an OCI content digest, as registries give it
# `repository@sha256:...`: an image pinned by digest (match it whole, with fullmatch)
PINNED = re.compile(rf"(?P<repo>[^@\s]+)@(?P<digest>{DIGEST.pattern})")
DIGEST_AT_END = re.compile(rf"@({DIGEST.pattern})$")  # the digest a Pod status' imageID ends with


def is_digest(value: object) -> bool:
    return isinstance(value, str) and DIGEST.fullmatch(value) is not None


@dataclass(frozen=True)
class ManifestAnswer:
    url: str
    status: int
    digest: str | None  # Docker-Content-Digest
    accept: str | None


def repository_name(repository: str) -> str:
    """`127.0.0.1:5000/agentrun/agentrun-mgr-env` -> `agentrun/agentrun-mgr-env`
    (drop the host part)."""
    first, _, rest = repository.partition("/")
    return rest if rest and ("." in first or ":" in first or first == "localhost") else repository
