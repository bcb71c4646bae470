"""The concurrent prefetch reads exactly what a sequential run reads, once each: no object read
twice, no GET per object on top of a list, one fetch per remote (issue 14). The issue's total of
40 predates RT-06's namespace-wide listing (discovery plus a list of every kind), so the total is
printed by scripts/benchmark.py rather than asserted here."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from suite_run import run_suite

GIT, REGISTRY = 9, 5  # one fetch per remote + the exact fetch; REG-01..03's HEADs and the tag list


def log_lines(path: Path) -> list[dict]:
    return (
        [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if path.is_file()
        else []
    )


def run_counting(lane, reports: Path, *extra: str):
    git = lane.paths.git_log
    before = len(lane.paths.api_requests()), len(log_lines(git))
    result = run_suite(lane.lane_config, reports, *extra)
    return result, lane.paths.api_requests()[before[0] :], log_lines(git)[before[1] :]


def bundle_entries(reports: Path) -> list[str]:
    bundle = (reports / "evidence" / "latest").resolve()
    return sorted(
        line
        for part in sorted(bundle.glob("evidence-*.jsonl"))
        for line in part.read_text().splitlines()
    )


def test_prefetched_and_sequential_runs_read_the_same_evidence_once(conforming_lane, tmp_path):
    concurrent, api, git = run_counting(conforming_lane, tmp_path / "concurrent")
    sequential, _, _ = run_counting(
        conforming_lane, tmp_path / "sequential", "--prefetch-workers", "0"
    )
    assert concurrent.returncode == 0 and sequential.returncode == 0, concurrent.output[-2000:]
    assert concurrent.verdicts == sequential.verdicts
    assert bundle_entries(tmp_path / "concurrent") == bundle_entries(tmp_path / "sequential")
    reads = Counter(
        (e["method"], e["path"], json.dumps(e.get("query") or {}, sort_keys=True)) for e in api
    )
    assert [read for read, n in reads.items() if n > 1] == [], (
        "no Kubernetes object or list is read twice"
    )
    # (RT-05's health read is a GET of services/NAME/proxy: kube-apiserver audits it as verb get)
    assert not any(
        e["verb"] == "get"
        and e["resource"] in {"deployments", "jobs", "services", "applications"}
        and not e.get("subresource")
        for e in api
    ), "no per-object GET on top of the list already read"
    # The sandbox's registry keeps no access log: each registry evidence entry is one request.
    registry = [
        json.loads(e)["key"]
        for e in bundle_entries(tmp_path / "concurrent")
        if json.loads(e)["source"] == "registry"
    ]
    assert len(registry) == len(set(registry)) and len(registry) <= REGISTRY
    assert len(git) <= GIT, "3 fetches of 3 requests each (info/refs, ls-refs, fetch)"
    fetches = [e for e in git if e["method"] == "GET" and e["path"].endswith("/info/refs")]
    assert len(fetches) == 3, "one fetch per remote and the mirror's exact fetch of the source head"


def test_a_run_of_some_criteria_reads_only_what_their_tests_read(conforming_lane, tmp_path):
    """The prefetch is the whole catalogue's read set: a run of one criterion (--criteria) does
    not start it, and reads what that criterion's tests read, here none of the runtime's."""
    full, full_api, _ = run_counting(conforming_lane, tmp_path / "full")
    some, some_api, _ = run_counting(conforming_lane, tmp_path / "some", "--criteria", "TK-04")
    assert set(some.verdicts) == {"TK-04"} and some.passed() == {"TK-04"}, some.output[-2000:]
    runtime = {"deployments", "pods", "services", "replicasets", "events"}
    assert {e["resource"] for e in full_api} & runtime, "the full run reads the runtime"
    read = {str(e["resource"]) for e in some_api}
    assert not read & runtime, sorted(read)
