"""reports/verdict.json (machine-readable, schemas/verdict.schema.json) and reports/summary.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..catalogue.criteria import catalogue
from ..model.documents import schema_errors
from ..masking import redact_text, redact_value
from .run import Verdict
from .status import FAIL, NOT_JUDGED, PASS, UNDECIDED

VERDICT_FILE = "verdict.json"
SUMMARY_FILE = "summary.md"
FORMAT = 1
PASSES_KEPT = 20  # passing findings per criterion in verdict.json; the reports carry them all


def document(verdict: Verdict, times: dict[str, str], bundle: str | None) -> dict[str, Any]:
    known = catalogue()
    criteria = [
        {
            "id": r.id,
            "status": str(r.status),  # JSON's plain string, not the enum
            "reason": r.reason,
            "level": known[r.id].level,
            "section": known[r.id].section,
            "kind": known[r.id].kind,
            "tests": r.tests,
            **_bounded_findings(r.findings),
        }
        for r in verdict.criteria
        if r.id in known
    ]
    doc = {
        "format": FORMAT,
        "lane": verdict.lane,
        "verdict": str(verdict.value),
        "signedOff": verdict.signed_off,
        "exitCode": int(verdict.exit_code),
        "headline": verdict.headline(),
        "scope": {
            "name": str(verdict.scope.name),
            "required": verdict.scope.required,
            "subset": verdict.scope.subset,
        },
        "identity": verdict.identity,
        "suiteVersion": str(verdict.identity.get("suite.version", "")),
        "times": times,
        "counts": verdict.counts(),
        "failed": verdict.ids(FAIL),
        "undecided": verdict.ids(UNDECIDED),
        "notJudged": verdict.ids(NOT_JUDGED),
        "collectionErrors": verdict.collection_errors,
        "criteria": criteria,
        "evidenceBundle": bundle,
    }
    return redact_value(doc)


def _bounded_findings(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Every non-pass finding, and the first PASSES_KEPT passes, without their evidence."""
    kept, passes = [], 0
    for finding in findings:
        passes += finding.get("status") == PASS
        if finding.get("status") != PASS or passes <= PASSES_KEPT:
            kept.append(_bounded(finding))
    omitted = len(findings) - len(kept)
    return {"findings": kept, **({"passesOmitted": omitted} if omitted else {})}


def _bounded(finding: dict[str, Any]) -> dict[str, Any]:
    """A passing finding without its evidence: on a large lane the passes' evidence made
    verdict.json tens of MB (issue 14), and each test's Allure attachment carries every finding's
    evidence already. A failing or undecided finding keeps its evidence: that is
    what a reader needs."""
    if finding.get("status") != PASS or "evidence" not in finding:
        return finding
    return {k: v for k, v in finding.items() if k != "evidence"}


def dump(doc: dict[str, Any], path: Path) -> None:
    """Written as it is serialised, never held whole as one string (a large
    lane's verdict is MBs)."""
    with path.open("w", encoding="utf-8") as out:
        json.dump(doc, out, indent=2, default=str)
        out.write("\n")


def write(directory: Path, doc: dict[str, Any]) -> Path:
    errors = schema_errors("verdict", doc)
    if errors:  # the suite's own bug: say so loudly rather than write a document no reader trusts
        raise ValueError(f"verdict.json does not match its schema: {errors[:3]}")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / VERDICT_FILE
    dump(doc, path)
    (directory / SUMMARY_FILE).write_text(markdown(doc))
    return path


def markdown(doc: dict[str, Any]) -> str:
    """The same verdict for a PR comment or a chat: headline, counts, every
    non-pass with its reason."""
    counts = ", ".join(f"{n} {status}" for status, n in doc["counts"].items() if n)
    lines = [
        f"## {redact_text(doc['headline'])}",
        "",
        f"lane `{doc['lane']}` · verdict **{doc['verdict']}** · exit code {doc['exitCode']} · "
        f"{counts}",
        "",
    ]
    others = [c for c in doc["criteria"] if c["status"] != PASS]
    if others:
        lines += ["| criterion | status | first reason |", "| --- | --- | --- |"]
        lines += [f"| {c['id']} | {c['status']} | {_cell(c['reason'])} |" for c in others]
    else:
        lines.append("Every criterion passed.")
    identity = doc["identity"]
    lines += [
        "",
        f"gitops `{identity.get('gitops.head', 'unknown')}` · source "
        f"`{identity.get('source.commit', 'unknown')}` · suite {doc['suiteVersion']}",
    ]
    if doc.get("evidenceBundle"):
        lines.append(f"evidence bundle: `{doc['evidenceBundle']}`")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return redact_text(text).replace("|", "\\|").replace("\n", " ")[:300]


def read(path: Path) -> dict[str, Any]:
    """A verdict.json as written; ValueError when it is unreadable or not a verdict."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable verdict ({exc})") from None
    errors = schema_errors("verdict", doc)
    if errors:
        raise ValueError(f"{path}: not a verdict: {errors[0]}")
    return doc
