"""Clean source checks (truth level 5): SRC-*."""

from __future__ import annotations

import fnmatch
import re

from ..model.secrets_scan import credential_kind
from pathlib import PurePosixPath
from typing import Callable

from ..model.documents import DeployIntent, schema_errors
from ..finding import Finding, failed, judge, passed, undecided
from ..model.forbidden import ForbiddenTargets, members, mentions
from ..lane import LaneProfile
from ..model.commits import FULL_SHA
from ..model.images import DIGEST, repository_name
from ..model.worktree import SHOWN_BY_STATUS, IgnoreRule, WorktreeContent, WorktreeState
from .judges import also_judges, judges


@judges("SRC-01")
def worktree_clean(
    profile: LaneProfile, state: WorktreeState, remote_head: str | None, remote_where: str
) -> list[Finding]:
    """SRC-01: the worktree is on the source branch, equal to origin (and GitHub), with nothing
    modified or untracked."""
    branch = profile.source_branch
    where = f"worktree {state.path}"
    return [
        judge(
            state.branch == branch,
            "worktree branch",
            branch,
            repr(state.branch) if state.branch else "detached HEAD",
            where,
        ),
        judge(
            state.upstream_head is not None and state.ahead == 0 and state.behind == 0,
            f"worktree against origin/{branch}",
            "neither ahead nor behind",
            f"ahead {state.ahead}, behind {state.behind}"
            if state.upstream_head
            else f"no origin/{branch}",
            where,
        ),
        judge(
            remote_head is not None and state.head == remote_head,
            f"worktree HEAD against {branch} on the source repo",
            f"{remote_head} ({remote_where})",
            state.head,
            where,
        ),
        judge(
            not state.changes,
            "worktree status",
            "clean (nothing modified, staged or untracked)",
            "; ".join(state.changes[:10])
            + (f" (+{len(state.changes) - 10} more)" if len(state.changes) > 10 else "")
            if state.changes
            else "clean",
            where,
            changes=list(state.changes),
        ),
        *worktree_content_clean(state.content, where),
    ]


CONTENT_CLEAN = (
    "every tracked file of HEAD equal on disk and in the index, whatever index flags "
    "say; nothing untracked outside the committed .gitignore rules; no sparse "
    "checkout hiding tracked paths; no refs/replace/"
)


@also_judges("SRC-01")
def worktree_content_clean(content: WorktreeContent | None, where: str) -> list[Finding]:
    """SRC-01 by content (issue 20): what `git status` does not print counts too; each kind of
    hidden difference is named, and each file flagged assume-unchanged/skip-worktree is evidence."""
    subject = "worktree content against HEAD"
    if content is None:
        return [
            undecided(
                subject,
                CONTENT_CLEAN,
                "the worktree's content was not read (a bundle written before issue 20)",
                where,
            )
        ]
    flagged = {f.path: list(f.flags) for f in content.flagged}
    evidence = {
        "differences": [f"{d.kind}: {d.path} ({d.detail})" for d in content.differences],
        "flagged": flagged,
        "core": list(content.core_config),
        "ignoredEnv": list(content.ignored_env),
        "tracked": content.tracked,
    }
    return [
        judge(
            not content.differences,
            subject,
            CONTENT_CLEAN,
            _content_found(content),
            where,
            **evidence,
        )
    ]


def _content_found(content: WorktreeContent) -> str:
    flags = (
        f"; {len(content.flagged)} file(s) flagged in the index, content equal"
        if content.flagged
        else ""
    )
    if not content.differences:
        return f"all {content.tracked} tracked files equal, nothing untracked{flags}"
    hidden = [k for k in content.kinds if k not in SHOWN_BY_STATUS]
    lines = [f"{d.kind}: {d.path} ({d.detail})" for d in content.differences[:10]]
    more = len(content.differences) - len(lines)
    head = f"hidden from git status: {', '.join(hidden)}; " if hidden else ""
    return head + "; ".join(lines) + (f" (+{more} more)" if more > 0 else "")


# -- SRC-02: task worktrees never dirty the fixed worktree -----------------------------------------


def worktree_root_probes(profile: LaneProfile) -> list[str]:
    """The task-worktree root (`.worktree/`) and a file of one task under it,
    relative to the worktree."""
    root = PurePosixPath(profile.worktree_root).relative_to(profile.source_worktree).parent
    return [f"{root}/", f"{root}/some-task/file"]


@judges("SRC-02")
def worktree_root_ignored(rules: dict[str, IgnoreRule | None], worktree_path: str) -> list[Finding]:
    """SRC-02: each probe is ignored by a tracked `.gitignore` of the worktree (not only by
    a local exclude)."""
    findings = []
    for probe, rule in rules.items():
        where = f"worktree {worktree_path}/" + (
            f"{rule.source}:{rule.line}" if rule else ".gitignore"
        )
        if rule is None:
            found = "not ignored (no pattern matches)"
        elif rule.negated:
            found = f"re-included by {rule.pattern!r} ({rule.source}:{rule.line})"
        else:
            found = f"ignored by {rule.pattern!r} ({rule.source}:{rule.line})"
        by_gitignore = (
            rule is not None
            and not rule.negated
            and PurePosixPath(rule.source).name == ".gitignore"
            and not rule.source.startswith(("/", ".git/"))
        )
        findings.append(
            judge(
                by_gitignore,
                f"git check-ignore {probe}",
                "ignored by the worktree's .gitignore",
                found,
                where,
            )
        )
    return findings


# -- SRC-03: the source branch tracks no generated state ------------------------------------------


def _generated_state_rules(
    profile: LaneProfile,
) -> list[tuple[str, Callable[[str], bool], re.Pattern[str] | None]]:
    """(what the rule finds, a test of the path, a pattern of the content) for each kind
    of generated state."""
    runtime = profile.runtime_path.strip("/") + "/"
    env = repository_name(profile.env_repository)
    never = lambda path: False  # noqa: E731
    return [
        (
            f"the artifact catalog ({profile.catalog_path} or another *catalog*.json)",
            lambda p: (
                p == profile.catalog_path
                or (
                    fnmatch.fnmatch(PurePosixPath(p).name, "*catalog*.json")
                    and not p.endswith(".schema.json")
                )
            ),
            None,
        ),
        (
            f"rendered runtime desired state ({runtime}**, *.rendered.*)",
            lambda p: (
                p.startswith(runtime) or fnmatch.fnmatch(PurePosixPath(p).name, "*.rendered.*")
            ),
            None,
        ),
        (
            "CI rollout metadata (" + ", ".join(profile.gitops_generated_metadata) + ")",
            lambda p: p in profile.gitops_generated_metadata,
            None,
        ),
        # A pinned base image in the Containerfile is source; a pin of the lane's env image
        # is a publish record.
        (
            f"an env image digest ({env}@sha256:...)",
            never,
            re.compile(re.escape(env) + "@" + DIGEST.pattern),
        ),
    ]


@judges("SRC-03")
def source_tracks_no_generated_state(
    profile: LaneProfile, head: str | None, files: dict[str, str], head_where: str
) -> list[Finding]:
    """SRC-03: the source branch tracks no catalog, runtime manifests, rendered state, digests or
    rollout metadata."""
    branch = profile.source_branch
    if head is None:
        return [
            failed(
                f"branch {branch}",
                "exists on the source repo",
                "branch not found",
                head_where,
            )
        ]
    findings = []
    for what, by_path, by_content in _generated_state_rules(profile):
        hits = []
        for path, text in sorted(files.items()):
            if by_path(path):
                hits.append((path, f"{branch}@{head[:12]}:{path}"))
            elif by_content and (match := by_content.search(text)):
                hits.append(
                    (
                        path,
                        f"{branch}@{head[:12]}:{path}:{text.count(chr(10), 0, match.start()) + 1}",
                    )
                )
        findings += [
            failed(
                f"{branch}:{path}",
                f"not tracked on {branch} (it is {what})",
                "tracked",
                where,
            )
            for path, where in hits
        ]
        if not hits:
            findings.append(
                passed(
                    f"{branch} tree: {what}",
                    "none tracked",
                    f"none in {len(files)} files",
                    f"{branch}@{head[:12]}",
                )
            )
    return findings


# -- SRC-04 / SRC-05: deploy.json, the hand-written intent ----------------------------------------


@judges("SRC-04")
def deploy_intent_valid(profile: LaneProfile, intent: DeployIntent) -> list[Finding]:
    """SRC-04: deploy.json exists, conforms to the deploy intent schema, and names the lane's
    runtime namespace."""
    subject = profile.deploy_intent_path
    if intent.text is None:
        return [failed(subject, "file present", "missing", intent.where)]
    if intent.error or not isinstance(intent.data, dict):
        return [
            failed(
                subject,
                "a JSON object",
                intent.error or type(intent.data).__name__,
                intent.where,
            )
        ]
    errors = schema_errors("deploy-intent", intent.data)
    findings = [
        failed(subject, "conforms to schemas/deploy-intent.schema.json", e, intent.where)
        for e in errors
    ]
    if not errors:
        findings.append(
            passed(
                subject,
                "conforms to schemas/deploy-intent.schema.json",
                "valid",
                intent.where,
            )
        )
    namespace = (intent.data.get("runtime") or {}).get("namespace")
    findings.append(
        judge(
            namespace == profile.runtime_namespace,
            f"{subject} runtime.namespace",
            repr(profile.runtime_namespace),
            repr(namespace),
            intent.line('"namespace"'),
        )
    )
    return findings


# Keys that name CI artifacts or credentials, compared lower-case without `_`/`-`: never
# hand-written intent.
ARTIFACT_KEYS = {
    "image": "image",
    "images": "image",
    "imagetag": "image tag",
    "tag": "image tag",
    "digest": "image digest",
    "repositorydigest": "image digest",
    "imageid": "image digest",
    "envidentity": "env identity",
    "status": "publish status",
    "publishstatus": "publish status",
    "published": "publish status",
    "reuse": "reuse evidence",
    "reused": "reuse evidence",
    "provenance": "publish provenance",
    "pipelinerun": "PipelineRun id",
    "taskrun": "TaskRun id",
    "revision": "GitOps/Argo revision",
    "syncrevision": "Argo sync revision",
    "gitopsrevision": "GitOps revision",
    "gitopscommit": "GitOps revision",
    "sourcecommit": "source commit",
    "bootcommit": "boot commit",
    "manifest": "rendered manifest",
    "manifests": "rendered manifest",
    "token": "token",
    "password": "password",
    "kubeconfig": "kubeconfig",
    "sshkey": "SSH key",
    "privatekey": "private key",
    "apikey": "API key",
    "stringdata": "Secret value",
    "credentials": "credential",
}


def _artifact_values(profile: LaneProfile) -> list[tuple[str, re.Pattern[str]]]:
    run = re.escape(profile.pipeline_run_name_template).replace(
        re.escape("{short12}"), "[0-9a-f]{12}"
    )
    return [
        ("image digest", DIGEST),
        (
            "env image reference",
            re.compile(re.escape(repository_name(profile.env_repository)) + r"[:@]"),
        ),
        ("PipelineRun/TaskRun id", re.compile(run)),
        ("reuse evidence", re.compile(r"\bbuild=\d+ reuse=\d+")),
        ("commit or GitOps/Argo revision", re.compile(rf"\b{FULL_SHA.pattern}\b")),
    ]


@judges("SRC-05")
def deploy_intent_only_intent(profile: LaneProfile, intent: DeployIntent) -> list[Finding]:
    """SRC-05: deploy.json carries no image, digest, publish/reuse state, run id, revision,
    manifest or credential."""
    subject = profile.deploy_intent_path
    if not intent.usable:
        return [
            failed(
                subject,
                "a readable JSON object",
                intent.error or "not an object",
                intent.where,
            )
        ]
    values = _artifact_values(profile)
    findings = []
    for path, key, value in members(intent.data):
        hits = []
        if key is not None and (kind := ARTIFACT_KEYS.get(re.sub(r"[-_]", "", key.lower()))):
            hits.append((kind, f"key {key!r}", f'"{key}"'))
        if isinstance(value, dict) and {"apiVersion", "kind"} <= value.keys():
            hits.append(("rendered manifest", f"object of kind {value['kind']!r}", '"apiVersion"'))
        if isinstance(value, str) and (secret := credential_kind(value)):
            hits.append(
                (secret, "value <redacted>", f'"{key}"' if key else path)
            )  # never print a credential
        elif isinstance(value, str) and (
            kind := next((k for k, pattern in values if pattern.search(value)), None)
        ):
            hits.append((kind, f"value {value!r}", value))
        for kind, found, needle in hits:
            findings.append(
                failed(
                    f"{subject} {path}",
                    "hand-written runtime intent only",
                    f"{kind}: {found}",
                    intent.line(needle),
                )
            )
    if not findings:
        findings.append(
            passed(
                subject,
                "hand-written runtime intent only",
                f"no CI artifact or credential in {sum(1 for _ in members(intent.data))} members",
                intent.where,
            )
        )
    return findings


# -- SRC-06: AGENTS.md and docs/reference name no forbidden target as a v0.1 target ---------------

MENTION_VERDICTS = {
    "history": "deprecation or history text",
    "target": "presented as a v0.1 target",
    "unqualified": "named outside deprecation or history text",
}


def reference_docs_paths(files: list[str]) -> list[str]:
    """The files SRC-06 reads: AGENTS.md and everything under docs/reference/."""
    return [p for p in files if p == "AGENTS.md" or p.startswith("docs/reference/")]


@judges("SRC-06")
def docs_present_no_forbidden_target(
    profile: LaneProfile, head: str | None, docs: dict[str, str], head_where: str
) -> list[Finding]:
    """SRC-06: each sentence naming agentrun_dev/agentrun_prod is deprecation or history
    text, never a target."""
    branch = profile.source_branch
    if head is None:
        return [
            failed(
                f"branch {branch}",
                "exists on the source repo",
                "branch not found",
                head_where,
            )
        ]
    names = list(ForbiddenTargets.of(profile).namespaces)
    findings = []
    for path, text in sorted(docs.items()):
        found = mentions(text, names)
        findings += [
            judge(
                m.ok,
                f"{path}: {m.sentence[:160]}",
                f"{m.name} named only as deprecation or history",
                f"{MENTION_VERDICTS[m.verdict]} ({m.cue!r})",
                f"{branch}@{head[:12]}:{path}:{m.line}",
            )
            for m in found
        ]
        if not found:
            findings.append(
                passed(
                    path,
                    "no forbidden namespace presented as a target",
                    "names none of " + ", ".join(names),
                    f"{branch}@{head[:12]}:{path}",
                )
            )
    if not findings:
        findings.append(
            passed(
                "AGENTS.md and docs/reference/",
                "no forbidden namespace presented as a target",
                "neither exists",
                f"{branch}@{head[:12]}",
            )
        )
    return findings
