"""Artifact catalog checks (truth level 3/4): CT-*."""

from __future__ import annotations

import re
from typing import Any, Iterable

from ..model.documents import Catalog, line_of, schema_errors
from ..finding import Finding, failed, judge, passed, undecided
from ..lane import LaneProfile
from ..model.commits import CommitInfo, is_full_sha
from ..model.images import is_digest
from ..model.secrets_scan import credential_kind, secret_key
from .judges import judges

SCHEMA = "artifact-catalog"


@judges("CT-01")
def conforms_to_schema(catalog: Catalog) -> list[Finding]:
    """CT-01: the catalog is valid JSON and conforms to the published catalog schema."""
    subject = "artifact catalog"
    if catalog.text is None:
        return [failed(subject, "file present", "missing", catalog.where)]
    if catalog.error:
        return [failed(subject, "valid JSON", catalog.error, catalog.where)]
    errors = schema_errors(SCHEMA, catalog.data)
    if errors:
        return [
            failed(subject, f"conforms to schemas/{SCHEMA}.schema.json", error, catalog.where)
            for error in errors
        ]
    return [passed(subject, f"conforms to schemas/{SCHEMA}.schema.json", "valid", catalog.where)]


# What CT-02 requires of each service entry, by JSON type (an `image` that is a string is not the
# tag, digest and repository digest the criterion asks for); image also by member.
SERVICE_FIELDS: dict[str, type] = {
    "serviceId": str,
    "imageRef": dict,
    "envIdentity": str,
    "image": dict,
    "bootCommit": str,
    "toolchainInputs": dict,
    "status": str,
    "provenance": dict,
}
MEMBERS = {"image": ("tag", "digest", "repositoryDigest")}  # provenance has its own finding below
JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def json_type(value: Any) -> str:
    return JSON_TYPES.get(type(value), type(value).__name__)


def _entries(catalog: Catalog) -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(s.get("serviceId", f"services[{i}]")), s) for i, s in enumerate(catalog.services())
    ]


def _where(catalog: Catalog, sid: str, needle: str) -> str:
    """`branch@sha12:path:line` of needle within service sid's entry (the first match
    after its serviceId)."""
    text = catalog.text or ""
    number = line_of(text, needle, line_of(text, f'"serviceId": "{sid}"') or 1)
    return f"{catalog.where}:{number}" if number else catalog.where


def _shape(value: Any, want: type) -> str | None:
    """Why a required value does not have the shape asked for, or None when it does."""
    if value in (None, "", {}, []):
        return "missing" if value is None else f"empty ({json_type(value)})"
    if not isinstance(value, want):
        return f"{json_type(value)} {str(value)[:80]!r}, not {JSON_TYPES[want]}"
    return None


def field_problems(entry: dict[str, Any]) -> list[str]:
    """Every required field of a service entry that is missing, empty or of another shape."""
    problems = [
        f"{name}: {problem}"
        for name, want in SERVICE_FIELDS.items()
        if (problem := _shape(entry.get(name), want))
    ]
    for parent, members in MEMBERS.items():
        value = entry.get(parent)
        if isinstance(value, dict):
            problems += [
                f"{parent}.{name}: {problem}"
                for name in members
                if (problem := _shape(value.get(name), str))
            ]
    return problems


def _service_list_problems(catalog: Catalog) -> list[Finding]:
    """CT-02 on `services` itself: an array, each entry an object (the checks read nothing else)."""
    services = catalog.require("catalog").get("services")
    where = catalog.line('"services"')
    if not isinstance(services, list):
        return [
            failed(
                "catalog services",
                "an array of service entries",
                _shape(services, list) or "",
                where,
            )
        ]
    return [
        failed(
            f"catalog services[{i}]",
            "a service entry (an object)",
            f"{json_type(s)} {str(s)[:60]!r}",
            where,
        )
        for i, s in enumerate(services)
        if not isinstance(s, dict)
    ]


@judges("CT-02")
def records_lane_and_provenance(profile: LaneProfile, catalog: Catalog) -> list[Finding]:
    """CT-02: lane, branches, full source commit, and per service every field incl. provenance run
    names, each of the shape the criterion asks for."""
    data = catalog.require("catalog")
    findings = [
        judge(
            data.get(k) == want,
            f"catalog {k}",
            repr(want),
            repr(data.get(k)),
            catalog.line(f'"{k}"'),
        )
        for k, want in (
            ("lane", profile.lane),
            ("sourceBranch", profile.source_branch),
            ("gitopsBranch", profile.gitops_branch),
        )
    ]
    source = data.get("sourceCommit")
    findings.append(
        judge(
            is_full_sha(str(source)),
            "catalog sourceCommit",
            "a full 40-hex SHA",
            repr(source),
            catalog.line('"sourceCommit"'),
        )
    )
    findings += _service_list_problems(catalog)
    run = profile.pipeline_run_name(str(source)) if source else None
    entries = _entries(catalog)
    for sid, entry in entries:
        problems = field_problems(entry)
        findings.append(
            judge(
                not problems,
                f"service {sid} fields",
                ", ".join(SERVICE_FIELDS) + "; image " + ", ".join(MEMBERS["image"]),
                "; ".join(problems) or "all present",
                catalog.line(f'"serviceId": "{sid}"'),
            )
        )
        provenance = entry.get("provenance") if isinstance(entry.get("provenance"), dict) else {}
        task_run = provenance.get("taskRun")
        ok = provenance.get("pipelineRun") == run and isinstance(task_run, str) and bool(task_run)
        findings.append(
            judge(
                ok,
                f"service {sid} provenance",
                f"pipelineRun {run} and a taskRun name",
                f"pipelineRun {provenance.get('pipelineRun')!r}, taskRun "
                f"{provenance.get('taskRun')!r}",
                _where(catalog, sid, '"provenance"'),
            )
        )
    if not entries:
        findings.append(failed("catalog services", "at least one", "none", catalog.where))
    return findings


@judges("CT-03")
def image_refs_well_formed(catalog: Catalog) -> list[Finding]:
    """CT-03: imageRef.kind env-image-dockerfile, repoUrl, a full commitId, a
    repo-relative dockerfilePath."""
    findings = []
    for sid, entry in _entries(catalog):
        ref = entry.get("imageRef") or {}
        path = str(ref.get("dockerfilePath", ""))
        problems = [
            p
            for p, bad in (
                (f"kind {ref.get('kind')!r}", ref.get("kind") != "env-image-dockerfile"),
                ("no repoUrl", not ref.get("repoUrl")),
                (
                    f"commitId {ref.get('commitId')!r} is not a full 40-hex SHA",
                    not is_full_sha(str(ref.get("commitId"))),
                ),
                (
                    f"dockerfilePath {path!r} is not repo-relative",
                    not path or path.startswith(("/", "~")) or ".." in path.split("/"),
                ),
            )
            if bad
        ]
        findings.append(
            judge(
                not problems,
                f"service {sid} imageRef",
                "kind env-image-dockerfile, repoUrl, 40-hex commitId, relative dockerfilePath",
                "; ".join(problems) or "well formed",
                _where(catalog, sid, '"imageRef"'),
            )
        )
    return findings or [failed("catalog services", "at least one", "none", catalog.where)]


def catalog_commits(catalog: Catalog) -> set[str]:
    """The commit ids the catalog itself names: sourceCommit, and each service's bootCommit and
    imageRef.commitId."""
    data = catalog.require("catalog")
    commits = {data.get("sourceCommit")}
    for _, entry in _entries(catalog):
        ref = entry.get("imageRef") if isinstance(entry.get("imageRef"), dict) else {}
        commits |= {entry.get("bootCommit"), ref.get("commitId")}
    return {c for c in commits if isinstance(c, str) and c}


def commit_named_by(tag: str, commits: set[str]) -> str | None:
    """The commit `tag` spells, in full or abbreviated as git abbreviates (7 hex or more), else
    None. Decided against the actual commits: a hex digest of the env inputs is no commit id."""
    if not re.fullmatch(r"[0-9a-f]{7,40}", tag):
        return None
    return next((c for c in sorted(commits) if c.startswith(tag)), None)


@judges("CT-04")
def tag_is_env_identity(
    profile: LaneProfile,
    catalog: Catalog,
    source_history: list[str] | None,
    earlier: Iterable[Catalog] = (),
) -> list[Finding]:
    """CT-04: the env image tag is the envIdentity, in the lane's repository, and never a source
    commit id: not a commit the catalog or an earlier version of it names (source, boot,
    imageRef commits), nor any commit of the source branch (`source_history`; None when the
    branch could not be read)."""
    commits = catalog_commits(catalog) | set(source_history or [])
    for version in earlier:
        commits |= catalog_commits(version) if version.usable else set()
    known = f"{len(commits)} commits: the catalogs' source, boot and imageRef commits" + (
        f", {len(source_history)} of {profile.source_branch}" if source_history is not None else ""
    )
    findings = []
    for sid, entry in _entries(catalog):
        image = entry.get("image") if isinstance(entry.get("image"), dict) else {}
        tag, where = str(image.get("tag")), _where(catalog, sid, '"tag"')
        ok = tag == entry.get("envIdentity") and image.get("repository") == profile.env_repository
        findings.append(
            judge(
                ok,
                f"service {sid} image",
                f"tag = envIdentity {entry.get('envIdentity')!r}, repository "
                f"{profile.env_repository}",
                f"tag {tag!r}, repository {image.get('repository')!r}",
                where,
            )
        )
        commit = commit_named_by(tag, commits)
        subject, expected = f"service {sid} tag {tag!r}", "not a source commit id"
        if commit is None and source_history is None:
            findings.append(
                undecided(
                    subject,
                    expected,
                    f"branch {profile.source_branch} could not be read to compare with",
                    where,
                )
            )
            continue
        findings.append(
            judge(
                commit is None,
                subject,
                f"{expected} (against {known})",
                f"commit {commit}" if commit else "names no commit",
                where,
            )
        )
    return findings or [failed("catalog services", "at least one", "none", catalog.where)]


@judges("CT-05")
def digests_well_formed(catalog: Catalog) -> list[Finding]:
    """CT-05: digests are sha256:<64 hex>; repositoryDigest = repository@digest."""
    findings = []
    for sid, entry in _entries(catalog):
        image = entry.get("image") or {}
        digest = str(image.get("digest"))
        want = f"{image.get('repository')}@{digest}"
        ok = is_digest(digest) and image.get("repositoryDigest") == want
        findings.append(
            judge(
                ok,
                f"service {sid} digest",
                f"sha256:<64 hex> and repositoryDigest {want}",
                f"digest {digest!r}, repositoryDigest {image.get('repositoryDigest')!r}",
                _where(catalog, sid, '"digest"'),
            )
        )
    return findings or [failed("catalog services", "at least one", "none", catalog.where)]


@judges("CT-06")
def reuse_is_consistent(catalog: Catalog, previous: Catalog | None) -> list[Finding]:
    """CT-06: one envIdentity, one digest; a reused entry carries the previous
    catalog's digest for it."""
    findings = []
    by_identity: dict[str, set[str]] = {}
    for _, entry in _entries(catalog):
        by_identity.setdefault(str(entry.get("envIdentity")), set()).add(
            str((entry.get("image") or {}).get("digest"))
        )
    for identity, digests in sorted(by_identity.items()):
        findings.append(
            judge(
                len(digests) == 1,
                f"envIdentity {identity}",
                "one digest",
                f"{sorted(digests)}",
                catalog.line(identity),
            )
        )
    earlier = {}
    for _, entry in _entries(previous) if previous and previous.usable else []:
        earlier[str(entry.get("envIdentity"))] = (entry.get("image") or {}).get("digest")
    for sid, entry in _entries(catalog):
        if entry.get("status") != "reused":
            continue
        identity, digest = str(entry.get("envIdentity")), (entry.get("image") or {}).get("digest")
        recorded = earlier.get(identity)
        where_prev = previous.where if previous else "no previous catalog"
        findings.append(
            judge(
                recorded is not None and recorded == digest,
                f"service {sid} reuse of {identity}",
                f"the digest the previous catalog recorded ({where_prev}): {recorded}",
                repr(digest),
                catalog.line(f'"serviceId": "{sid}"'),
            )
        )
    return findings or [failed("catalog services", "at least one", "none", catalog.where)]


@judges("CT-07")
def holds_no_secret(catalog: Catalog) -> list[Finding]:
    """CT-07: no SecretRef value, token, SSH key, kubeconfig or provider config in the catalog
    (value never shown)."""
    data = catalog.require("catalog")
    hits = [
        f"line {n}: {kind}"
        for n, line in enumerate((catalog.text or "").splitlines(), 1)
        if (kind := credential_kind(line))
    ]
    hits += [
        f"key {key!r}"
        for key, value in _walk(data)
        if value not in (None, "", {}, [])
        and (
            secret_key(key)
            or re.sub(r"[-_]", "", key.lower()) in ("providerconfig", "kubeconfig", "secretref")
        )
    ]
    return [
        judge(
            not hits,
            "artifact catalog",
            "no SecretRef, token, SSH key, kubeconfig or provider config",
            "; ".join(hits) if hits else "none",
            catalog.where,
        )
    ]


def _walk(node: Any, key: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in [(k, v), *_walk(v, k)]]
    if isinstance(node, list):
        return [pair for v in node for pair in _walk(v, key)]
    return []


def carried_over_from(profile: LaneProfile) -> list[str]:
    """The branches the first catalog must not come from: master, the legacy namespaces' branches
    (agentrun_dev, agentrun_prod …) and the source branch."""
    forbidden = profile.forbidden_targets
    return [*forbidden["branches"], *forbidden["namespaces"], profile.source_branch]


def first_line(message: str) -> str:
    return (message.splitlines() or [""])[0]


@judges("CT-08")
def first_version_is_the_lanes_own(
    first: CommitInfo | None,
    first_history: list[str] | set[str],
    branches: dict[str, list[str] | None],
    catalog_where: str,
) -> list[Finding]:
    """CT-08: the commit that first added the catalog is the lane's own: neither it nor any of its
    ancestors is on master, agentrun_dev, agentrun_prod or the source branch.
    first_history: the first catalog commit and its ancestors; branches: label -> the branch's
    commits (its ancestry), or None when the branch does not exist (so carries nothing)."""
    if first is None:
        return [
            failed(
                "first catalog version",
                "a commit that added the catalog",
                "none found",
                catalog_where,
            )
        ]
    history = set(first_history)
    where = (
        f"commit {first.sha[:12]} ({first_line(first.message)[:60]!r}), the first version of "
        f"{catalog_where}"
    )
    findings = []
    for label, ancestry in sorted(branches.items()):
        subject, expected = (
            f"first catalog commit against {label}",
            "no commit of its history on the branch",
        )
        if ancestry is None:
            findings.append(passed(subject, expected, "the branch does not exist", where))
            continue
        common = next((sha for sha in ancestry if sha in history), None)
        found = f"the branch holds {common[:12]} of its history" if common else "no shared commit"
        findings.append(judge(common is None, subject, expected, found, where))
    return findings
