"""What changed between two sign-offs: criteria whose status changed, and the evidence behind them.

Reads two evidence bundles (each checked against its manifest, as replay does): their recorded
verdicts, the run identity (commits, env image digests) and every piece of recorded evidence.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .bundle import VERDICT, RecordedEvidence
from ..errors import EvidenceError


def load(directory: Path) -> tuple[RecordedEvidence, dict[str, Any]]:
    """The bundle and its recorded verdict; ValueError naming what is wrong."""
    recorded = RecordedEvidence(directory)
    if "verdict" not in recorded.manifest or not (directory / VERDICT).is_file():
        raise ValueError(
            f"{directory}: the bundle records no verdict (written before bundles recorded one)"
        )
    data = (directory / VERDICT).read_bytes()
    if hashlib.sha256(data).hexdigest() != recorded.manifest["verdict"]["sha256"]:
        raise ValueError(
            f"{directory / VERDICT}: checksum does not match the manifest (the bundle was altered)"
        )
    return recorded, json.loads(data)


def status_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    old = {c["id"]: c for c in before["criteria"]}
    changed = []
    for criterion in after["criteria"]:
        was = old.get(criterion["id"], {"status": "absent", "reason": "", "findings": []})
        if was["status"] != criterion["status"]:
            changed.append(
                {
                    "id": criterion["id"],
                    "before": was["status"],
                    "after": criterion["status"],
                    "reason": criterion["reason"] or was["reason"],
                    "where": sorted(
                        {
                            f["where"]
                            for f in criterion["findings"] + was["findings"]
                            if f.get("status") != "pass"
                        }
                    ),
                }
            )
    return changed


def _flat(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity with each env image as its own key (`image <service>` -> digest)."""
    flat = {k: v for k, v in identity.items() if k != "images"}
    images = identity.get("images")
    for image in images if isinstance(images, list) else []:
        flat[f"image {image.get('service')}"] = f"{image.get('repository')}@{image.get('digest')}"
    if images is not None and not isinstance(images, list):
        flat["images"] = images
    return flat


def identity_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    a, b = _flat(before.get("identity", {})), _flat(after.get("identity", {}))
    return {
        key: (a.get(key), b.get(key)) for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)
    }


def evidence_changes(a: RecordedEvidence, b: RecordedEvidence) -> list[dict[str, str]]:
    """Recorded objects, refs and digests that differ (by source and key). Lines with the same
    digest hold the same entry; only the others are decoded and compared."""
    changes = []
    for key in sorted(set(a.keys()) | set(b.keys())):
        left, right = a.digest(key), b.digest(key)
        if left == right or (left and right and _same_entry(a, b, key)):
            continue
        kind = "added" if left is None else "removed" if right is None else "changed"
        changes.append({"source": key[0], "key": key[1], "change": kind})
    return changes


def _same_entry(a: RecordedEvidence, b: RecordedEvidence, key: tuple[str, str]) -> bool:
    try:
        return a.entry(*key) == b.entry(*key)
    except EvidenceError:  # a line that no longer reads as written: not the same evidence
        return False


def diff(first: Path, second: Path) -> dict[str, Any]:
    a, verdict_a = load(first)
    b, verdict_b = load(second)
    return {
        "before": {
            "bundle": str(first),
            "verdict": verdict_a["verdict"],
            "headline": verdict_a["headline"],
        },
        "after": {
            "bundle": str(second),
            "verdict": verdict_b["verdict"],
            "headline": verdict_b["headline"],
        },
        "criteria": status_changes(verdict_a, verdict_b),
        "identity": {
            k: {"before": v[0], "after": v[1]}
            for k, v in identity_changes(verdict_a, verdict_b).items()
        },
        "evidence": evidence_changes(a, b),
    }


def text(result: dict[str, Any], limit: int = 40) -> list[str]:
    lines = [
        f"before: {result['before']['verdict']:<10} {result['before']['bundle']}",
        f"after:  {result['after']['verdict']:<10} {result['after']['bundle']}",
        "",
    ]
    if not result["criteria"]:
        lines.append("no criterion changed status")
    for c in result["criteria"]:
        lines.append(f"{c['id']:<7} {c['before']} -> {c['after']}: {c['reason']}")
        lines += [f"        at {where}" for where in c["where"][:5]]
    for key, change in result["identity"].items():
        lines.append(f"{key}: {change['before']} -> {change['after']}")
    evidence = result["evidence"]
    lines.append(f"{len(evidence)} recorded pieces of evidence differ" + (":" if evidence else ""))
    lines += [f"  {e['change']:<8} {e['source']} {e['key']}" for e in evidence[:limit]]
    if len(evidence) > limit:
        lines.append(f"  … and {len(evidence) - limit} more (-o json lists all)")
    return lines
