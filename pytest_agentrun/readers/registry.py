"""Registry evidence over the distribution HTTP API v2 (httpx), read-only (HEAD and GET).

The deployment identity is the schema2 manifest digest, so every manifest request sends the
schema2 Accept header: a plain HEAD by tag may answer a schema1 compatibility digest (the G14
gotcha in the spec) that containerd cannot pull by.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ..errors import EvidenceError
from ..evidence import EvidenceCache
from ..redact import redact_url

SCHEMA2 = "application/vnd.docker.distribution.manifest.v2+json"


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


class Registry:
    def __init__(self, url: str, cache: EvidenceCache, timeout: float = 10.0):
        self.url = url.rstrip("/")
        self._cache = cache
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)

    def head_manifest(self, repository: str, reference: str, accept: str | None = SCHEMA2) -> ManifestAnswer:
        url = f"{self.url}/v2/{repository_name(repository)}/manifests/{reference}"
        def fetch() -> ManifestAnswer:
            headers = {"Accept": accept} if accept else {}
            try:
                response = self._http.head(url, headers=headers)
            except httpx.HTTPError as exc:
                raise EvidenceError("registry", f"manifest {reference}", redact_url(url), f"registry unreachable ({exc})") from None
            return ManifestAnswer(redact_url(url), response.status_code, response.headers.get("Docker-Content-Digest"), accept)
        return self._cache.get("registry", f"HEAD {url} accept={accept}", fetch)

    def tags(self, repository: str) -> list[str]:
        url = f"{self.url}/v2/{repository_name(repository)}/tags/list"
        def fetch() -> list[str]:
            try:
                response = self._http.get(url)
            except httpx.HTTPError as exc:
                raise EvidenceError("registry", "tags", redact_url(url), f"registry unreachable ({exc})") from None
            if response.status_code == 404:
                return []
            if response.status_code != 200:
                raise EvidenceError("registry", "tags", redact_url(url), f"HTTP {response.status_code}")
            return sorted(response.json().get("tags") or [])
        return self._cache.get("registry", f"GET {url}", fetch)

    def close(self) -> None:
        self._http.close()
