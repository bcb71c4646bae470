"""Legacy and truth-order checks: LG-*."""

from __future__ import annotations


from ..finding import Finding, failed, judge, passed
from ..model.forbidden import Examined, ForbiddenTargets, string_leaves
from .judges import also_judges, judges


@judges("LG-01")
def nothing_points_at_legacy(targets: ForbiddenTargets, values: list[Examined]) -> list[Finding]:
    """LG-01: no value of the lane's objects points at a forbidden namespace, the master branch,
    /root/agentrun or a D601 path. A value that could not be read fails."""
    findings = []
    for subject, where, content in ((v.subject, v.where, v.content) for v in values):
        if content is None:
            findings.append(
                failed(
                    subject,
                    "present, pointing only at the lane",
                    "not found: cannot be judged",
                    where,
                )
            )
            continue
        hits = [
            (path, value, named)
            for path, value in string_leaves(content)
            if (named := targets.named_in(value))
        ]
        findings += [
            failed(
                f"{subject} {path}",
                "points only at the lane",
                f"{value!r} names {', '.join(named)}",
                where,
            )
            for path, value, named in hits
        ]
        if not hits:
            findings.append(
                passed(
                    subject,
                    "points only at the lane",
                    f"no forbidden target in {sum(1 for _ in string_leaves(content))} values",
                    where,
                )
            )
    return findings


@judges("LG-02")
def verdict_in_truth_order(
    items: list[tuple[str, list[str]]], order: dict[str, int]
) -> list[Finding]:
    """LG-02: the criterion tests run (and report) in catalogue order, which is truth order: live
    runtime, Argo desired state, GitOps branch, Tekton evidence, clean source."""
    findings, latest = [], (0, "")
    for nodeid, criteria in items:
        rank = min((order[c] for c in criteria if c in order), default=None)
        if rank is None:
            continue
        if rank < latest[0]:
            findings.append(
                failed(
                    f"test of {', '.join(criteria)}",
                    "after every stronger truth's tests",
                    f"runs after {latest[1]}",
                    nodeid,
                )
            )
        latest = max(latest, (rank, nodeid))
    judged = [c for _, criteria in items for c in criteria if c in order]
    if not findings:
        findings.append(
            passed(
                "order of the criterion tests",
                "truth order (catalogue order)",
                f"{len(judged)} criteria in order"
                + (f": {judged[0]} ... {judged[-1]}" if judged else ""),
                "the session's test items",
            )
        )
    return findings


@also_judges("LG-02")
def lane_reads_no_legacy_source(
    targets: ForbiddenTargets, sources: dict[str, str]
) -> list[Finding]:
    """LG-02: the evidence the suite reads comes from the lane, never a legacy source (the
    /root/agentrun checkout, a master branch, a D601 path or a legacy namespace)."""
    return [
        judge(
            not (named := targets.named_in(value)),
            f"evidence source {label}",
            "a source of the lane, not a legacy one",
            f"{value!r}" + (f" names {', '.join(named)}" if named else ""),
            "lane connection config",
        )
        for label, value in sources.items()
    ]
