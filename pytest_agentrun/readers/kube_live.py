"""Read-write Kubernetes access for the drive helpers: the official client, no evidence cache.

A transport beside readers.kube's (it shares its `ApiTransport`): it lives here so that drive/
and incluster/ both use it without importing each other; only drive/ and incluster/ write with it.

A drive step must see the lane as it is now (a run it just created, a status that changes while
it waits), so nothing here is cached, unlike readers.kube. The same client configuration
(kubeconfig and context, or in-cluster) and the same request style are used, so a real lane and
the sandbox differ only in the LaneConfig. Secrets are refused outright: driving never needs them.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import DriveError
from .kube import ApiTransport, ApiUnreachable, _status_message, resource_path, typed

MERGE_PATCH = "application/merge-patch+json"


class AlreadyExists(DriveError):
    """A create answered 409: an object of that name exists (another trigger may
    have won the race)."""


class LiveKube(ApiTransport):
    """Uncached GET/LIST/POST/PATCH on the lane's API server; objects are plain dicts
    (the API's JSON)."""

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The object, or None when the API answers 404."""
        status, data = self._request(
            "GET", resource_path(_allowed(kind), namespace, name), allow=(404,)
        )
        return None if status == 404 else typed(kind, data)

    def list(
        self, kind: str, namespace: str | None, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        query = [("labelSelector", label_selector)] if label_selector else []
        _, data = self._request("GET", resource_path(_allowed(kind), namespace), query)
        return [
            typed(kind, item) for item in (data or {}).get("items") or []
        ]  # list items omit kind/apiVersion

    def create(
        self, kind: str, namespace: str | None, body: dict[str, Any], field_manager: str
    ) -> dict[str, Any]:
        """POST the object; AlreadyExists when one of that name exists."""
        path = resource_path(_allowed(kind), namespace)
        status, data = self._request(
            "POST", path, [("fieldManager", field_manager)], body, allow=(409,)
        )
        if status == 409:
            name = body.get("metadata", {}).get("name")
            reason = data.get("message", "") if isinstance(data, dict) else ""
            raise AlreadyExists(
                f"{kind} {namespace}/{name} already exists" + (f" ({reason})" if reason else "")
            )
        return typed(kind, data)

    def merge_patch(
        self, kind: str, namespace: str | None, name: str, patch: dict[str, Any], field_manager: str
    ) -> dict[str, Any]:
        """An RFC 7386 merge patch of the object (e.g. an annotation), owned by field_manager."""
        path = resource_path(_allowed(kind), namespace, name)
        _, data = self._request(
            "PATCH", path, [("fieldManager", field_manager)], patch, content_type=MERGE_PATCH
        )
        return typed(kind, data)

    def _request(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        *,
        allow: tuple[int, ...] = (),
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        """(status, parsed JSON). Any status >= 300 not in `allow`, an unreachable server or a
        non-JSON answer is a one-line DriveError naming the URL."""
        url = self.server + path
        headers = {
            "Accept": "application/json",
            **({"Content-Type": content_type} if body is not None else {}),
        }
        try:
            status, raw_bytes = self.send(method, path, query, headers, body)
        except ApiUnreachable as exc:
            raise DriveError(f"{method} {url}: API server unreachable ({exc})") from None
        raw = raw_bytes.decode("utf-8", "replace")
        if status >= 300 and status not in allow:
            raise DriveError(f"{method} {url}: HTTP {status}: {_status_message(raw) or raw[:200]}")
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            raise DriveError(f"{method} {url}: answer is not JSON: {raw[:120]!r}") from None


def _allowed(kind: str) -> str:
    if kind == "Secret":
        raise DriveError("the drive helpers never read or write Secrets")
    return kind
