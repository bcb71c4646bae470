"""Argo CD desired-state checks (truth level 2): AR-*."""

from __future__ import annotations

from typing import Any

from ..finding import Finding, failed, judge, passed, undecided
from ..lane import LaneProfile
from .judges import judges


def _app_where(profile: LaneProfile) -> str:
    return f"Application {profile.argocd_namespace}/{profile.application}"


def lane_source(
    profile: LaneProfile, spec: dict[str, Any], repo_urls: list[str] = ()
) -> tuple[int | None, dict[str, Any], str]:
    """(index in spec.sources or None, the source, its field path) of the lane's GitOps source.
    A multi-source Application (spec.sources; Argo CD then ignores spec.source) may hold the
    lane's source at any index, beside Helm value refs and other repos: the one reading the
    runtime path wins, then the one at the GitOps branch, then one of the lane's repository;
    ties go to the lowest index."""
    sources = spec.get("sources")
    if not isinstance(sources, list) or not sources:
        return (
            None,
            spec.get("source") if isinstance(spec.get("source"), dict) else {},
            "spec.source",
        )

    def score(item: tuple[int, Any]) -> tuple[int, int, int, int]:
        index, src = item
        src = src if isinstance(src, dict) else {}
        return (
            (src.get("path") or "").strip("/") == profile.runtime_path,
            src.get("targetRevision") == profile.gitops_branch,
            src.get("repoURL") in repo_urls,
            -index,
        )

    index, source = max(enumerate(sources), key=score)
    return index, source if isinstance(source, dict) else {}, f"spec.sources[{index}]"


@judges("AR-02")
def application_source(
    profile: LaneProfile, app: dict[str, Any] | None, lane_repo_urls: list[str]
) -> list[Finding]:
    """AR-02: the Application belongs to the lane project, reads the lane's GitOps path, deploys to
    the lane namespace."""
    where = _app_where(profile)
    if app is None:
        return [failed("Application", "exists", "not found (404)", where)]
    spec = app.get("spec", {})
    index, source, at = lane_source(profile, spec, lane_repo_urls)
    destination = spec.get("destination", {})
    expected = {
        "spec.project": profile.app_project,
        f"{at}.targetRevision": profile.gitops_branch,
        f"{at}.path": profile.runtime_path,
        "spec.destination.namespace": profile.runtime_namespace,
    }
    found = {
        "spec.project": spec.get("project"),
        f"{at}.targetRevision": source.get("targetRevision"),
        f"{at}.path": (source.get("path") or "").strip("/"),
        "spec.destination.namespace": destination.get("namespace"),
    }
    findings = [
        judge(found[key] == value, f"{where} {key}", repr(value), repr(found[key]), where)
        for key, value in expected.items()
    ]
    repo = source.get("repoURL")
    findings.append(
        judge(
            repo in lane_repo_urls,
            f"{where} {at}.repoURL",
            "the lane repository (" + " or ".join(lane_repo_urls) + ")",
            repr(repo),
            where,
        )
    )
    if index is not None:
        findings += _every_source(profile, spec["sources"], index, lane_repo_urls, where)
    return findings


def _every_source(
    profile: LaneProfile, sources: list[Any], lane_index: int, lane_repo_urls: list[str], where: str
) -> list[Finding]:
    """Argo CD deploys what every source renders (issue 20): the lane's source exactly once, and
    beside it only ref sources, which lend value files and render nothing themselves."""

    def is_lane(src: Any) -> bool:
        return (
            isinstance(src, dict)
            and src.get("repoURL") in lane_repo_urls
            and src.get("targetRevision") == profile.gitops_branch
            and (src.get("path") or "").strip("/") == profile.runtime_path
        )

    exact = [i for i, src in enumerate(sources) if is_lane(src)]
    findings = [
        judge(
            len(exact) == 1,
            f"{where} spec.sources",
            "the lane's source (repo, targetRevision, path) exactly once",
            f"{len(exact)} times" + (f" (indexes {exact})" if exact else ""),
            where,
        )
    ]
    for i, src in enumerate(sources):
        if i == lane_index or i in exact:
            continue
        deploys = _what_it_deploys(src)
        findings.append(
            judge(
                deploys is None,
                f"{where} spec.sources[{i}]",
                "a ref-only source (ref, no path, chart or plugin) beside the lane's",
                f"deploys {deploys}"
                if deploys
                else f"ref {src['ref']!r} of {src.get('repoURL')!r}",
                where,
                source=src,
            )
        )
    return findings


def _what_it_deploys(src: Any) -> str | None:
    """What a source other than the lane's renders into the destination, None for a ref-only one
    (Argo CD renders a source with a path, a chart or a plugin; one without ref, its repo root)."""
    if not isinstance(src, dict):
        return f"an unreadable source ({type(src).__name__})"
    at = f"{src.get('repoURL')!r} at {src.get('targetRevision') or 'HEAD'!r}"
    if src.get("chart"):
        return f"chart {src['chart']!r} {src.get('targetRevision')!r} of {src.get('repoURL')!r}"
    if src.get("plugin") is not None:
        return f"the output of plugin {(src['plugin'] or {}).get('name')!r} on {at}"
    if src.get("path"):
        return f"path {src['path']!r} of {at}"
    if not src.get("ref"):
        return f"the root of {at} (neither path nor ref)"
    return None


@judges("AR-03")
def application_synced(
    profile: LaneProfile, app: dict[str, Any] | None, gitops_head: str | None, head_where: str
) -> list[Finding]:
    """AR-03: Synced and Healthy, at the head of the GitOps branch."""
    where = _app_where(profile)
    if app is None:
        return [failed("Application", "exists", "not found (404)", where)]
    status = app.get("status", {})
    sync = status.get("sync", {})
    health = status.get("health", {})
    index, source, at = lane_source(profile, app.get("spec") or {})
    revision, revision_at = _synced_revision(sync, index)
    return [
        judge(
            sync.get("status") == "Synced",
            f"{where} status.sync.status",
            "Synced",
            repr(sync.get("status")),
            where,
        ),
        judge(
            health.get("status") == "Healthy",
            f"{where} status.health.status",
            "Healthy",
            repr(health.get("status"))
            + (f" ({health['message']})" if health.get("message") else ""),
            where,
        ),
        judge(
            gitops_head is not None and revision == gitops_head,
            f"{where} {revision_at}",
            f"head of {profile.gitops_branch} {gitops_head} ({head_where})",
            repr(revision),
            where,
            sync=sync,
            health=health,
        ),
        *_what_synced_covers(app, (index, source, at), where),
    ]


# Only the fields that choose what is rendered: Argo CD copies the whole source into comparedTo.
_SOURCE_FIELDS = ("repoURL", "path", "targetRevision")


def _what_synced_covers(
    app: dict[str, Any], lane: tuple[int | None, dict[str, Any], str], where: str
) -> list[Finding]:
    """Look under the Synced word (issue 20): it holds for the source Argo CD compared
    (status.sync.comparedTo), which can lag a changed spec, and for the resources it counts: a
    resource annotated `compare-options: IgnoreExtraneous` stays OutOfSync in status.resources
    while the Application says Synced (argo-cd docs/user-guide/compare-options.md; with
    `sync-options: Prune=false` it outlives its removal from git, argo-cd issue #17188)."""
    sync = (app.get("status") or {}).get("sync") or {}
    if sync.get("status") != "Synced":
        return []  # the sync status finding already fails; there is no Synced to look under
    return [_compared_source(lane, sync, where), *_resources_synced(app, where)]


def _compared_source(
    lane: tuple[int | None, dict[str, Any], str], sync: dict[str, Any], where: str
) -> Finding:
    """The lane's source as Argo CD compared it (comparedTo.sources keeps spec.sources' order)."""
    index, source, at = lane
    wanted = {k: source.get(k) for k in _SOURCE_FIELDS}
    compared = sync.get("comparedTo")
    field = "status.sync.comparedTo" + (".source" if index is None else f".sources[{index}]")
    subject, expected = f"{where} {field}", f"the lane's source as {at} has it: {wanted}"
    if not isinstance(compared, dict):
        return undecided(
            subject, expected, "absent: what Synced was computed against is not recorded", where
        )
    if index is None:
        seen = compared.get("source")
    else:
        listed = compared.get("sources")
        seen = listed[index] if isinstance(listed, list) and index < len(listed) else None
    found = {k: seen.get(k) for k in _SOURCE_FIELDS} if isinstance(seen, dict) else None
    return judge(found == wanted, subject, expected, repr(found), where, comparedTo=compared)


def _resources_synced(app: dict[str, Any], where: str) -> list[Finding]:
    resources = (app.get("status") or {}).get("resources")
    subject = f"{where} status.resources"
    expected = "each resource Argo CD tracks Synced, and Healthy where its health is listed"
    if not isinstance(resources, list) or not resources:
        return [
            undecided(subject, expected, "no resource listed: Synced covers nothing seen", where)
        ]
    problems = {
        i: _resource_problems(r)
        for i, r in enumerate(resources)
        if isinstance(r, dict) and not r.get("hook")
    }
    behind = {i: found for i, found in problems.items() if found}
    if not behind:
        return [passed(subject, expected, f"{len(resources)} resource(s), each Synced", where)]
    return [
        failed(
            f"{where} status.resources[{i}]",
            f"{r.get('kind')} {r.get('namespace')}/{r.get('name')} Synced (and Healthy if listed)",
            "; ".join(behind[i]),
            where,
            resource=r,
        )
        for i, r in enumerate(resources)
        if i in behind
    ]


def _resource_problems(resource: dict[str, Any]) -> list[str]:
    """What keeps one resource from what the Application's words say. Its health is there only
    where the controller persists it (Argo CD 3.x keeps it in the resource tree by default); the
    app's health is meant to be the worst of its resources' (argo-cd docs, operator-manual
    health.md), so a listed resource that is not Healthy is read, whatever the app says."""
    problems = []
    if resource.get("status") != "Synced":
        pruning = ", requires pruning (gone from git, kept live)"
        problems.append(
            repr(resource.get("status")) + (pruning if resource.get("requiresPruning") else "")
        )
    health = (resource.get("health") or {}).get("status")
    if health not in (None, "Healthy"):
        problems.append(f"health {health!r}")
    return problems


def synced_revision(profile: LaneProfile, app: dict[str, Any]) -> Any:
    """The revision Argo CD reports synced for the lane's source (single- or multi-source)."""
    index, _, _ = lane_source(profile, app.get("spec") or {})
    return _synced_revision((app.get("status") or {}).get("sync") or {}, index)[0]


def _synced_revision(sync: dict[str, Any], index: int | None) -> tuple[Any, str]:
    """The synced revision of the lane's source: status.sync.revisions[i] for source i of a
    multi-source Application (Argo CD keeps them index for index),
    status.sync.revision otherwise."""
    if index is None:
        return sync.get("revision"), "status.sync.revision"
    revisions = sync.get("revisions")
    found = revisions[index] if isinstance(revisions, list) and index < len(revisions) else None
    return found, f"status.sync.revisions[{index}]"


@judges("AR-01")
def project_destinations(profile: LaneProfile, project: dict[str, Any] | None) -> list[Finding]:
    """AR-01: the lane's AppProject exists and its destinations name only the runtime namespace."""
    where = f"AppProject {profile.argocd_namespace}/{profile.app_project}"
    if project is None:
        return [failed("AppProject", "exists", "not found (404)", where)]
    destinations = project.get("spec", {}).get("destinations") or []
    if not destinations:
        return [
            failed(
                f"{where} spec.destinations",
                f"only namespace {profile.runtime_namespace}",
                "none",
                where,
            )
        ]
    return [
        judge(
            d.get("namespace") == profile.runtime_namespace,
            f"{where} destination {i}",
            f"namespace {profile.runtime_namespace!r}",
            f"namespace {d.get('namespace')!r} server {d.get('server')!r}",
            where,
        )
        for i, d in enumerate(destinations)
    ]


def belongs_to_lane(profile: LaneProfile, app: dict[str, Any]) -> bool:
    spec = app.get("spec", {})
    _, source, _ = lane_source(profile, spec)
    return (
        spec.get("project") == profile.app_project
        or (source.get("path") or "").strip("/") == profile.runtime_path
        or (spec.get("destination") or {}).get("namespace") == profile.runtime_namespace
    )


@judges("AR-04")
def no_forbidden_destinations(
    profile: LaneProfile, applications: list[dict[str, Any]], project: dict[str, Any] | None
) -> list[Finding]:
    """AR-04: no Application of the lane, and no destination of its AppProject, targets
    agentrun_dev/agentrun_prod. Applications of other lanes are not this lane's concern."""
    forbidden = set(profile.forbidden_targets["namespaces"])
    findings = []
    for app in applications:
        if not belongs_to_lane(profile, app):
            continue
        target = (app.get("spec", {}).get("destination") or {}).get("namespace")
        where = f"Application {app['metadata'].get('namespace')}/{app['metadata']['name']}"
        findings.append(
            judge(
                target not in forbidden,
                f"{where} destination",
                f"none of {sorted(forbidden)}",
                f"namespace {target!r}",
                where,
            )
        )
    for d in (project or {}).get("spec", {}).get("destinations") or []:
        where = f"AppProject {profile.argocd_namespace}/{profile.app_project}"
        findings.append(
            judge(
                d.get("namespace") not in forbidden,
                f"{where} destination",
                f"none of {sorted(forbidden)}",
                f"namespace {d.get('namespace')!r}",
                where,
            )
        )
    return findings or [
        failed(
            "lane Applications",
            "at least one Application of the lane",
            "none",
            f"namespace {profile.argocd_namespace}",
        )
    ]
