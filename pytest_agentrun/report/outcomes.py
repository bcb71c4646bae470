"""Per-criterion outcomes of a finished run, from the terminal reporter's stats (shared by the summaries)."""

from __future__ import annotations

from collections import defaultdict

from ..criteria import catalogue


def criterion_outcomes(stats: dict) -> dict[str, list[str]]:
    """criterion -> outcomes of its test phases that count ("pass" for a passed call, "FAIL" otherwise)."""
    outcomes: dict[str, list[str]] = defaultdict(list)
    for key in ("passed", "failed", "error"):
        for report in stats.get(key, []):
            if key == "passed" and getattr(report, "when", "call") != "call":
                continue
            for name, value in getattr(report, "user_properties", []):
                if name == "criterion":
                    outcomes[value].append("pass" if key == "passed" else "FAIL")
    return dict(outcomes)


def verdicts_in_truth_order(stats: dict) -> list[tuple[str, str, str, str]]:
    """(truth level, criterion, verdict, text) for every judged criterion, strongest truth first."""
    outcomes = criterion_outcomes(stats)
    return [(c.level, cid, "FAIL" if "FAIL" in outcomes[cid] else "pass", c.text)
            for cid, c in catalogue().items() if cid in outcomes]
