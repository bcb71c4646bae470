"""The API server's kinds, as kubectl learns them: aggregated discovery (apidiscovery.k8s.io/v2,
Kubernetes 1.26+, GA in 1.30: GET /api and /apis answer every group's resources at once) where the
server serves it, else legacy discovery (GET /api, /api/v1, /apis, /apis/<group>/<version>). A
manifest's apiVersion and kind resolve to a resource path the way kubectl's RESTMapper resolves
them; a kind the server does not serve resolves to None (a named finding for the check, never a
KeyError). Each discovery document is read once through the session's evidence cache, so a replayed
bundle resolves the same way.
"""

from __future__ import annotations

from typing import Any, Callable

from ..model.objects import Resource, split_api_version

GetJson = Callable[[str], Any]  # path -> the parsed document, or None when the server answers 404
# What GET /api and /apis ask for, as client-go does: the aggregated form, else the plain documents.
AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
)
AGGREGATED_KIND = "APIGroupDiscoveryList"


class Discovery:
    """Lazily read discovery documents: only the group-versions a question needs are fetched.
    `get_json` asks /api and /apis with AGGREGATED_ACCEPT; an aggregated answer fills every
    group-version at once, a plain one leaves them to their own documents."""

    def __init__(self, get_json: GetJson):
        self._get = get_json
        self._lists: dict[tuple[str, str], list[Resource] | None] = {}
        self._roots: dict[str, Any] = {}

    def resources(self, group: str, version: str) -> list[Resource] | None:
        """The resources of one group-version, or None when the server does not serve it."""
        if (group, version) not in self._lists:
            self._root("/api" if not group else "/apis")  # an aggregated answer holds every version
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
        """Every resource of every group at its preferred version (what `kubectl
        api-resources` lists)."""
        found: list[Resource] = []
        for group, version in self.preferred_versions():
            found += self.resources(group, version) or []
        return found

    def preferred_versions(self) -> list[tuple[str, str]]:
        """(group, version) of the core group's first version and every group's preferred one."""
        core, groups = self._root("/api"), self._root("/apis")
        return _preferred(
            core, legacy=[("", v) for v in (core.get("versions") or [])[:1]]
        ) + _preferred(
            groups, legacy=[_legacy_preferred(group) for group in groups.get("groups") or []]
        )

    def _root(self, path: str) -> dict:
        """/api or /apis, read once; an aggregated answer's resources are kept per group-version."""
        if path not in self._roots:
            document = self._get(path)
            self._roots[path] = document if isinstance(document, dict) else {}
            if self._roots[path].get("kind") == AGGREGATED_KIND:
                for (group, version), resources in _aggregated_lists(self._roots[path]).items():
                    self._lists.setdefault((group, version), resources)
        return self._roots[path]

    def namespaced_listable(self) -> list[Resource]:
        return [r for r in self.preferred() if r.namespaced and "list" in r.verbs]


def _resource_list(group: str, version: str, document: Any) -> list[Resource] | None:
    if not isinstance(document, dict):
        return None
    resources = []
    for item in document.get("resources") or []:
        if not isinstance(item, dict) or "/" in str(item.get("name", "")) or not item.get("kind"):
            continue  # subresources (pods/status, services/proxy) are not kinds of their own
        resources.append(
            Resource(
                group,
                version,
                item["kind"],
                item["name"],
                bool(item.get("namespaced")),
                tuple(item.get("verbs") or ()),
            )
        )
    return resources


def _aggregated_groups(document: dict) -> list[tuple[str, list[dict]]]:
    """(group name, its version entries, preferred first) of an APIGroupDiscoveryList."""
    return [
        (
            str((item.get("metadata") or {}).get("name") or ""),
            [v for v in item.get("versions") or [] if isinstance(v, dict) and v.get("version")],
        )
        for item in document.get("items") or []
        if isinstance(item, dict)
    ]


def _preferred(document: dict, legacy: list) -> list[tuple[str, str]]:
    """The (group, preferred version) pairs of one root document, in whichever form it came."""
    if document.get("kind") != AGGREGATED_KIND:
        return [pair for pair in legacy if pair[1]]
    return [
        (group, versions[0]["version"])
        for group, versions in _aggregated_groups(document)
        if versions
    ]


def _legacy_preferred(group: Any) -> tuple[str, str]:
    if not isinstance(group, dict) or not group.get("name"):
        return "", ""  # no name: not a group of /apis
    preferred = (group.get("preferredVersion") or {}).get("version") or (
        (group.get("versions") or [{}])[0]
    ).get("version")
    return str(group["name"]), str(preferred or "")


def _aggregated_lists(document: dict) -> dict[tuple[str, str], list[Resource]]:
    """Every group-version's resources (APIResourceDiscovery: resource, scope, verbs, responseKind);
    subresources are listed apart in this form, so every entry is a kind of its own."""
    lists: dict[tuple[str, str], list[Resource]] = {}
    for group, versions in _aggregated_groups(document):
        for entry in versions:
            lists[(group, entry["version"])] = [
                Resource(
                    group,
                    entry["version"],
                    str((r.get("responseKind") or {}).get("kind")),
                    r["resource"],
                    r.get("scope") == "Namespaced",
                    tuple(r.get("verbs") or ()),
                )
                for r in entry.get("resources") or []
                if isinstance(r, dict)
                and r.get("resource")
                and (r.get("responseKind") or {}).get("kind")
            ]
    return lists
