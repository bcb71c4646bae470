"""Git mirror checks: MR-*."""

from __future__ import annotations

from ..finding import Finding, judge
from ..mirror import MirrorStatus

FIELDS = ("localV01", "githubV01", "localGitops", "githubGitops")


def status_complete_and_in_sync(status: MirrorStatus, mirror_where: str, source_where: str) -> list[Finding]:
    """MR-01: the status reports every field, and the mirror's v0.1 equals GitHub's."""
    findings = [judge("MR-01", getattr(status, f) is not None, f"mirror status {f}", "a commit SHA",
                      repr(getattr(status, f)), source_where if f.startswith("github") else mirror_where)
                for f in FIELDS]
    findings.append(judge("MR-01", status.sourceInSync, "mirror status sourceInSync",
                          f"localV01 = githubV01 ({status.githubV01})", f"localV01 {status.localV01}",
                          mirror_where, status=status.as_dict()))
    return findings
