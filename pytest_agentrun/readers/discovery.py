"""The API server's kinds, as kubectl learns them: legacy discovery (GET /api, /api/v1, /apis,
/apis/<group>/<version>). A manifest's apiVersion and kind resolve to a resource path the way
kubectl's RESTMapper resolves them; a kind the server does not serve resolves to None (a named
finding for the check, never a KeyError). Each discovery document is read once through the
session's evidence cache, so a replayed bundle resolves the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

GetJson = Callable[[str], Any]   # path -> the parsed document, or None when the server answers 404


@dataclass(frozen=True)
class Resource:
    """One served resource (an APIResource of a group-version), without its subresources."""
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        scope = f"/namespaces/{quote(namespace)}" if self.namespaced and namespace else ""
        return f"{root}{scope}/{self.plural}" + (f"/{quote(name)}" if name else "")

    def describe(self) -> str:
        return f"{self.kind} ({self.plural}.{self.group or 'core'}/{self.version})"


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = str(api_version or "").rpartition("/")
    return group, version


class Discovery:
    """Lazily read discovery documents: only the group-versions a question needs are fetched."""

    def __init__(self, get_json: GetJson):
        self._get = get_json
        self._lists: dict[tuple[str, str], list[Resource] | None] = {}

    def resources(self, group: str, version: str) -> list[Resource] | None:
        """The resources of one group-version, or None when the server does not serve it."""
        if (group, version) not in self._lists:
            path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            self._lists[(group, version)] = _resource_list(group, version, self._get(path))
        return self._lists[(group, version)]

    def resolve(self, api_version: str, kind: str) -> Resource | None:
        """The resource serving this exact apiVersion and kind, as `kubectl apply` maps it."""
        group, version = split_api_version(api_version)
        if not version:
            return None
        return next((r for r in self.resources(group, version) or [] if r.kind == kind), None)

    def preferred(self) -> list[Resource]:
        """Every resource of every group at its preferred version (what `kubectl api-resources` lists)."""
        found: list[Resource] = []
        for group, version in self.preferred_versions():
            found += self.resources(group, version) or []
        return found

    def preferred_versions(self) -> list[tuple[str, str]]:
        """(group, version) of the core group's first version and every group's preferred one."""
        core = self._get("/api") or {}
        found = [("", version) for version in (core.get("versions") or [])[:1]]
        for group in (self._get("/apis") or {}).get("groups") or []:
            preferred = (group.get("preferredVersion") or {}).get("version") or \
                ((group.get("versions") or [{}])[0]).get("version")
            if group.get("name") and preferred:
                found.append((group["name"], preferred))
        return found

    def namespaced_listable(self) -> list[Resource]:
        return [r for r in self.preferred() if r.namespaced and "list" in r.verbs]


def _resource_list(group: str, version: str, document: Any) -> list[Resource] | None:
    if not isinstance(document, dict):
        return None
    resources = []
    for item in document.get("resources") or []:
        if not isinstance(item, dict) or "/" in str(item.get("name", "")) or not item.get("kind"):
            continue   # subresources (pods/status, services/proxy) are not kinds of their own
        resources.append(Resource(group, version, item["kind"], item["name"], bool(item.get("namespaced")),
                                  tuple(item.get("verbs") or ())))
    return resources
