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

    def tag_list(self, repository: str, page: int | None = None) -> list[str]:
        """Every tag of the repository, following each `Link: <…>; rel="next"`: a registry may answer
        one page even when none was asked for (distribution docs/content/spec/api.md, "Listing Image
        Tags", "Pagination"; tests/reference/upstream/registry/api.md). `page` asks for pages of that size."""
        first = f"{self.url}/v2/{repository_name(repository)}/tags/list" + (f"?n={page}" if page else "")
        def fetch() -> list[str]:
            tags: list[str] = []
            url: str | None = first
            for _ in range(1000):     # a registry that links in a circle is cut short, not followed forever
                if url is None:
                    break
                answer = self._tags_page(url)
                if answer is None:   # 404: the repository is unknown, so it has no tag
                    return sorted(set(tags))
                page_tags, url = answer
                tags += page_tags
            return sorted(set(tags))
        return self._cache.get("registry", f"GET {first} (every page)", fetch)

    def _tags_page(self, url: str) -> tuple[list[str], str | None] | None:
        try:
            response = self._http.get(url)
        except httpx.HTTPError as exc:
            raise EvidenceError("registry", "tags", redact_url(url), f"registry unreachable ({exc})") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise EvidenceError("registry", "tags", redact_url(url), f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise EvidenceError("registry", "tags", redact_url(url), "the answer is not JSON") from None
        page = body.get("tags") if isinstance(body, dict) else None
        if page is not None and not (isinstance(page, list) and all(isinstance(t, str) for t in page)):
            raise EvidenceError("registry", "tags", redact_url(url), f"tags is not a list of strings: {page!r:.80}")
        following = response.links.get("next", {}).get("url")
        return page or [], str(response.url.join(following)) if following else None

    def close(self) -> None:
        self._http.close()
