"""Registry evidence over the distribution HTTP API v2 (httpx), read-only (HEAD and GET).

The deployment identity is the schema2 manifest digest, so every manifest request sends the
schema2 Accept header: a plain HEAD by tag may answer a schema1 compatibility digest (the G14
gotcha in the spec) that containerd cannot pull by.

Credentials in the registry URL (`http://user:token@host`) are taken out of it and given to httpx
as `auth=`: no URL that is requested, logged or shown carries them. Reads are retried by the
transport (httpx-retries) on 429, 5xx and broken connections; a timeout opens
the registry's breaker.
"""

from __future__ import annotations

import functools
import json
import ssl
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
from httpx_retries import Retry, RetryTransport

from ..defaults import TIMEOUTS
from ..errors import EvidenceError
from ..evidence.cache import EvidenceCache
from .breaker import Breaker
from ..model.images import ManifestAnswer, repository_name

SCHEMA2 = "application/vnd.docker.distribution.manifest.v2+json"
RETRIED_STATUSES = (429, 500, 502, 503, 504)
SOURCE_DOWN = (429, 502, 503, 504)


def split_credentials(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """The URL without its user info, and that user info as httpx basic auth
    (None if it had none)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    auth = httpx.BasicAuth(unquote(parts.username or ""), unquote(parts.password or ""))
    return urlunsplit(parts._replace(netloc=netloc)), auth


def read_retry() -> Retry:
    """GET/HEAD again on 429 (after its Retry-After, at most 10 s), 500, 502, 503, 504, a refused or
    reset connection: 3 more tries with backoff. A timeout is not tried again
    (the breaker's part)."""
    return Retry(
        total=3,
        allowed_methods=["GET", "HEAD"],
        status_forcelist=RETRIED_STATUSES,
        retry_on_exceptions=(httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError),
        backoff_factor=0.25,
        max_backoff_wait=10.0,
        respect_retry_after_header=True,
    )


@functools.cache
def _trust() -> ssl.SSLContext:
    """The system's trust store, loaded once per process: httpx loads it for each transport
    (some 20 ms), and a process may judge many lanes (the project's tests)."""
    return httpx.create_ssl_context()


class Registry:
    def __init__(
        self,
        url: str,
        cache: EvidenceCache,
        timeout: float = TIMEOUTS.registry,
        breaker: Breaker | None = None,
    ):
        self.url, auth = split_credentials(url.rstrip("/"))
        self._cache = cache
        self._timeout = timeout
        self.breaker = breaker or Breaker("registry")
        self._http = httpx.Client(
            auth=auth,
            follow_redirects=False,
            transport=RetryTransport(httpx.HTTPTransport(verify=_trust()), retry=read_retry()),
        )

    def _send(
        self, method: str, url: str, what: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        self.breaker.check(what, url)
        try:
            response = self._http.request(
                method, url, headers=headers or {}, timeout=self.breaker.timeout(self._timeout)
            )
        except httpx.TimeoutException as exc:
            error = EvidenceError(
                "registry", what, url, f"registry did not answer in time ({_kind(exc)})"
            )
            raise self.breaker.trip(error) from None
        except httpx.HTTPError as exc:
            raise self.breaker.trip(
                EvidenceError("registry", what, url, f"registry unreachable ({_kind(exc)})")
            ) from None
        if response.status_code in SOURCE_DOWN:  # still, after the retries: the registry is failing
            raise self.breaker.trip(
                EvidenceError("registry", what, url, f"HTTP {response.status_code} after retries")
            )
        return response

    def head_manifest(
        self, repository: str, reference: str, accept: str | None = SCHEMA2
    ) -> ManifestAnswer:
        url = f"{self.url}/v2/{repository_name(repository)}/manifests/{reference}"

        def fetch() -> ManifestAnswer:
            response = self._send(
                "HEAD", url, f"manifest {reference}", {"Accept": accept} if accept else {}
            )
            return ManifestAnswer(
                url, response.status_code, response.headers.get("Docker-Content-Digest"), accept
            )

        return self._cache.get("registry", f"HEAD {url} accept={accept}", fetch)

    def tags(self, repository: str) -> list[str]:
        url = f"{self.url}/v2/{repository_name(repository)}/tags/list"

        def fetch() -> list[str]:
            response = self._send("GET", url, "tags")
            if response.status_code == 404:
                return []
            if response.status_code != 200:
                raise EvidenceError("registry", "tags", url, f"HTTP {response.status_code}")
            return _tag_list(response, url)

        return self._cache.get("registry", f"GET {url}", fetch)

    def tag_list(self, repository: str, page: int | None = None) -> list[str]:
        """Every tag of the repository, following each `Link: <…>; rel="next"`: a registry may
        answer one page even when none was asked for (distribution docs/content/spec/api.md,
        "Listing Image Tags", "Pagination"; tests/reference/upstream/registry/api.md). `page` asks
        for pages of that size."""
        first = f"{self.url}/v2/{repository_name(repository)}/tags/list" + (
            f"?n={page}" if page else ""
        )

        def fetch() -> list[str]:
            tags: list[str] = []
            url: str | None = first
            for _ in range(
                1000
            ):  # a registry that links in a circle is cut short, not followed forever
                if url is None:
                    break
                answer = self._tags_page(url)
                if answer is None:  # 404: the repository is unknown, so it has no tag
                    return sorted(set(tags))
                page_tags, url = answer
                tags += page_tags
            return sorted(set(tags))

        return self._cache.get("registry", f"GET {first} (every page)", fetch)

    def _tags_page(self, url: str) -> tuple[list[str], str | None] | None:
        response = self._send("GET", url, "tags")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise EvidenceError("registry", "tags", url, f"HTTP {response.status_code}")
        following = response.links.get("next", {}).get("url")
        return _tag_list(response, url), str(response.url.join(following)) if following else None

    def close(self) -> None:
        self._http.close()


def _tag_list(response: httpx.Response, url: str) -> list[str]:
    """The `tags` of a tags/list answer (distribution API: {"name": ..., "tags": [...] or null})."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        kind = response.headers.get("Content-Type", "no Content-Type")
        raise EvidenceError(
            "registry", "tags", url, f"answer is not JSON ({kind}): {response.text[:80]!r}"
        ) from None
    tags = data.get("tags") if isinstance(data, dict) else None
    if (
        data is not None
        and not isinstance(data, dict)
        or tags is not None
        and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags))
    ):
        raise EvidenceError(
            "registry",
            "tags",
            url,
            "malformed tags/list answer: expected "
            '{"tags": [strings]}' + f", found {json.dumps(data)[:80]}",
        )
    return sorted(tags or [])


def _kind(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return text.splitlines()[0][:160]
