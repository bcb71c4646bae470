"""Artifact catalog checks (truth level 3/4): CT-*."""

from __future__ import annotations

import re
from typing import Any

from ..documents import Catalog, line_of, schema_errors
from ..finding import Finding, failed, judge, passed
from ..lane import LaneProfile
from ..readers.git import CommitInfo
from ..secrets_scan import credential_kind, secret_key

SCHEMA = "artifact-catalog"


def conforms_to_schema(catalog: Catalog) -> list[Finding]:
    """CT-01: the catalog is valid JSON and conforms to the published catalog schema."""
    subject = "artifact catalog"
    if catalog.text is None:
        return [failed("CT-01", subject, "file present", "missing", catalog.where)]
    if catalog.error:
        return [failed("CT-01", subject, "valid JSON", catalog.error, catalog.where)]
    errors = schema_errors(SCHEMA, catalog.data)
    if errors:
        return [failed("CT-01", subject, f"conforms to schemas/{SCHEMA}.schema.json", error, catalog.where)
                for error in errors]
    return [passed("CT-01", subject, f"conforms to schemas/{SCHEMA}.schema.json", "valid", catalog.where)]


FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
SERVICE_FIELDS = ("serviceId", "imageRef", "envIdentity", "image", "bootCommit", "toolchainInputs", "status", "provenance")


def _entries(catalog: Catalog) -> list[tuple[str, dict[str, Any]]]:
    return [(str(s.get("serviceId", f"services[{i}]")), s) for i, s in enumerate(catalog.services())]


def _where(catalog: Catalog, sid: str, needle: str) -> str:
    """`branch@sha12:path:line` of needle within service sid's entry (the first match after its serviceId)."""
    text = catalog.text or ""
    number = line_of(text, needle, line_of(text, f'"serviceId": "{sid}"') or 1)
    return f"{catalog.where}:{number}" if number else catalog.where


def records_lane_and_provenance(profile: LaneProfile, catalog: Catalog) -> list[Finding]:
    """CT-02: lane, branches, full source commit, and per service every field incl. provenance run names."""
    data = catalog.require("catalog")
    findings = [judge("CT-02", data.get(k) == want, f"catalog {k}", repr(want), repr(data.get(k)), catalog.line(f'"{k}"'))
                for k, want in (("lane", profile.lane), ("sourceBranch", profile.source_branch),
                                ("gitopsBranch", profile.gitops_branch))]
    source = data.get("sourceCommit")
    findings.append(judge("CT-02", bool(FULL_SHA.match(str(source))), "catalog sourceCommit", "a full 40-hex SHA",
                          repr(source), catalog.line('"sourceCommit"')))
    run = profile.pipeline_run_name(str(source)) if source else None
    for sid, entry in _entries(catalog):
        missing = [f for f in SERVICE_FIELDS if entry.get(f) in (None, "", {}, [])]
        findings.append(judge("CT-02", not missing, f"service {sid} fields", ", ".join(SERVICE_FIELDS),
                              f"missing {missing}" if missing else "all present", catalog.line(f'"serviceId": "{sid}"')))
        provenance = entry.get("provenance") or {}
        ok = provenance.get("pipelineRun") == run and bool(provenance.get("taskRun"))
        findings.append(judge("CT-02", ok, f"service {sid} provenance", f"pipelineRun {run} and a taskRun name",
                              f"pipelineRun {provenance.get('pipelineRun')!r}, taskRun {provenance.get('taskRun')!r}",
                              _where(catalog, sid, '"provenance"')))
    return findings if len(findings) > 4 else findings + [failed("CT-02", "catalog services", "at least one", "none", catalog.where)]


def image_refs_well_formed(catalog: Catalog) -> list[Finding]:
    """CT-03: imageRef.kind env-image-dockerfile, repoUrl, a full commitId, a repo-relative dockerfilePath."""
    findings = []
    for sid, entry in _entries(catalog):
        ref = entry.get("imageRef") or {}
        path = str(ref.get("dockerfilePath", ""))
        problems = [p for p, bad in (
            (f"kind {ref.get('kind')!r}", ref.get("kind") != "env-image-dockerfile"),
            ("no repoUrl", not ref.get("repoUrl")),
            (f"commitId {ref.get('commitId')!r} is not a full 40-hex SHA", not FULL_SHA.match(str(ref.get("commitId")))),
            (f"dockerfilePath {path!r} is not repo-relative", not path or path.startswith(("/", "~")) or ".." in path.split("/")),
        ) if bad]
        findings.append(judge("CT-03", not problems, f"service {sid} imageRef",
                              "kind env-image-dockerfile, repoUrl, 40-hex commitId, relative dockerfilePath",
                              "; ".join(problems) or "well formed", _where(catalog, sid, '"imageRef"')))
    return findings or [failed("CT-03", "catalog services", "at least one", "none", catalog.where)]


def tag_is_env_identity(profile: LaneProfile, catalog: Catalog) -> list[Finding]:
    """CT-04: the env image tag is the envIdentity, never a source commit; the repository is the lane's."""
    source = catalog.require("catalog").get("sourceCommit")
    findings = []
    for sid, entry in _entries(catalog):
        image = entry.get("image") or {}
        tag = str(image.get("tag"))
        commit_like = re.fullmatch(r"[0-9a-f]{7,40}", tag) or tag in (source, entry.get("bootCommit"))
        ok = tag == entry.get("envIdentity") and not commit_like and image.get("repository") == profile.env_repository
        findings.append(judge("CT-04", ok, f"service {sid} image",
                              f"tag = envIdentity {entry.get('envIdentity')!r} (not a commit), repository {profile.env_repository}",
                              f"tag {tag!r}, repository {image.get('repository')!r}", _where(catalog, sid, '"tag"')))
    return findings or [failed("CT-04", "catalog services", "at least one", "none", catalog.where)]


def digests_well_formed(catalog: Catalog) -> list[Finding]:
    """CT-05: digests are sha256:<64 hex>; repositoryDigest = repository@digest."""
    findings = []
    for sid, entry in _entries(catalog):
        image = entry.get("image") or {}
        digest = str(image.get("digest"))
        want = f"{image.get('repository')}@{digest}"
        ok = bool(DIGEST.match(digest)) and image.get("repositoryDigest") == want
        findings.append(judge("CT-05", ok, f"service {sid} digest", f"sha256:<64 hex> and repositoryDigest {want}",
                              f"digest {digest!r}, repositoryDigest {image.get('repositoryDigest')!r}",
                              _where(catalog, sid, '"digest"')))
    return findings or [failed("CT-05", "catalog services", "at least one", "none", catalog.where)]


def reuse_is_consistent(catalog: Catalog, previous: Catalog | None) -> list[Finding]:
    """CT-06: one envIdentity, one digest; a reused entry carries the previous catalog's digest for it."""
    findings = []
    by_identity: dict[str, set[str]] = {}
    for _, entry in _entries(catalog):
        by_identity.setdefault(str(entry.get("envIdentity")), set()).add(str((entry.get("image") or {}).get("digest")))
    for identity, digests in sorted(by_identity.items()):
        findings.append(judge("CT-06", len(digests) == 1, f"envIdentity {identity}", "one digest", f"{sorted(digests)}",
                              catalog.line(identity)))
    earlier = {}
    for _, entry in _entries(previous) if previous and previous.usable else []:
        earlier[str(entry.get("envIdentity"))] = (entry.get("image") or {}).get("digest")
    for sid, entry in _entries(catalog):
        if entry.get("status") != "reused":
            continue
        identity, digest = str(entry.get("envIdentity")), (entry.get("image") or {}).get("digest")
        recorded = earlier.get(identity)
        where_prev = previous.where if previous else "no previous catalog"
        findings.append(judge("CT-06", recorded is not None and recorded == digest, f"service {sid} reuse of {identity}",
                              f"the digest the previous catalog recorded ({where_prev}): {recorded}", repr(digest),
                              catalog.line(f'"serviceId": "{sid}"')))
    return findings or [failed("CT-06", "catalog services", "at least one", "none", catalog.where)]


def holds_no_secret(catalog: Catalog) -> list[Finding]:
    """CT-07: no SecretRef value, token, SSH key, kubeconfig or provider config in the catalog (value never shown)."""
    data = catalog.require("catalog")
    hits = [f"line {n}: {kind}" for n, line in enumerate((catalog.text or "").splitlines(), 1) if (kind := credential_kind(line))]
    hits += [f"key {key!r}" for key, value in _walk(data) if value not in (None, "", {}, []) and
             (secret_key(key) or re.sub(r"[-_]", "", key.lower()) in ("providerconfig", "kubeconfig", "secretref"))]
    return [judge("CT-07", not hits, "artifact catalog", "no SecretRef, token, SSH key, kubeconfig or provider config",
                  "; ".join(hits) if hits else "none", catalog.where)]


def _walk(node: Any, key: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in [(k, v), *_walk(v, k)]]
    if isinstance(node, list):
        return [pair for v in node for pair in _walk(v, key)]
    return []


def first_version_is_the_lanes_own(first: CommitInfo | None, shared_with: dict[str, str | None], absent: list[str],
                                   catalog_where: str) -> list[Finding]:
    """CT-08: the commit that first added the catalog is the lane's own: neither it nor any of its ancestors
    is on master, agentrun_dev, agentrun_prod or the source branch.
    shared_with: branch -> a commit of the first catalog commit's history that the branch holds, or None;
    absent: branches that do not exist (so carry nothing)."""
    if first is None:
        return [failed("CT-08", "first catalog version", "a commit that added the catalog", "none found", catalog_where)]
    where = f"commit {first.sha[:12]} ({first.subject[:60]!r}), the first version of {catalog_where}"
    return [judge("CT-08", common is None, f"first catalog commit against {branch}", "no commit of its history on the branch",
                  f"the branch holds {common[:12]} of its history" if common else "no shared commit", where)
            for branch, common in sorted(shared_with.items())] + [
        passed("CT-08", f"first catalog commit against {branch}", "no commit of its history on the branch",
               "the branch does not exist", where) for branch in sorted(absent)]
