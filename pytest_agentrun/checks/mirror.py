"""Git mirror checks: MR-*."""

from __future__ import annotations

from ..finding import Finding, judge
from ..model.mirror import MirrorStatus
from .judges import judges

FIELDS = ("localV01", "githubV01", "localGitops", "githubGitops")


@judges("MR-01")
def status_complete_and_in_sync(
    status: MirrorStatus, mirror_where: str, source_where: str
) -> list[Finding]:
    """MR-01: the status reports every field, and the mirror's source branch equals GitHub's."""
    findings = [
        judge(
            getattr(status, f) is not None,
            f"mirror status {f}",
            "a commit SHA",
            repr(getattr(status, f)),
            source_where if f.startswith("github") else mirror_where,
        )
        for f in FIELDS
    ]
    findings.append(
        judge(
            status.sourceInSync,
            "mirror status sourceInSync",
            f"localV01 = githubV01 ({status.githubV01})",
            f"localV01 {status.localV01}",
            mirror_where,
            status=status.as_dict(),
        )
    )
    return findings


@judges("MR-02")
def exact_fetch_of_source_head(status: MirrorStatus, mirror_where: str) -> list[Finding]:
    """MR-02: a shallow fetch (--depth=1) of the mirror's full source-branch SHA from the
    read URL succeeded."""
    fetch = status.exactFetch
    return [
        judge(
            bool(fetch.get("localV01")),
            f"git fetch --depth=1 {fetch.get('sha')}",
            "the mirror serves the source branch's full SHA",
            str(fetch.get("detail")),
            mirror_where,
            exactFetch=fetch,
        )
    ]


GITOPS_RELATIONS = {
    "equal": "flushed: localGitops = githubGitops",
    "behind": "flush pending: githubGitops is an ancestor of localGitops (fast-forward)",
    "ahead": "GitHub has GitOps commits the mirror lacks (a flush would not be a fast-forward)",
    "diverged": "diverged: neither head is an ancestor of the other",
    "missing": "a GitOps branch head is missing",
}


@judges("MR-03")
def gitops_flush_fast_forward(
    status: MirrorStatus, relation: str, mirror_where: str, source_where: str
) -> list[Finding]:
    """MR-03: GitHub's GitOps branch equals the mirror's, or (flush pending) is
    an ancestor of it."""
    return [
        judge(
            relation in ("equal", "behind"),
            "GitHub GitOps branch head against the mirror's",
            "localGitops = githubGitops, or githubGitops an ancestor of localGitops",
            f"{GITOPS_RELATIONS[relation]} (localGitops {status.localGitops}, githubGitops "
            f"{status.githubGitops})",
            f"{mirror_where}; {source_where}",
            pendingFlush=status.pendingFlush,
        )
    ]
