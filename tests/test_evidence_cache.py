"""The evidence cache under concurrent readers, and the per-document line index."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pytest_agentrun.model.documents import line_of
from pytest_agentrun.errors import EvidenceError
from pytest_agentrun.evidence.cache import EvidenceCache


def test_readers_of_one_key_wait_for_one_read():
    cache, calls, release = EvidenceCache(), [], threading.Event()

    def fetch():
        calls.append(1)
        release.wait(5)
        return {"value": 1}

    with ThreadPoolExecutor(4) as pool:
        answers = [pool.submit(cache.get, "s", "k", fetch) for _ in range(4)]
        release.set()
        values = [a.result(5) for a in answers]
    assert calls == [1] and values == [{"value": 1}] * 4 and len(cache.records) == 1


def test_a_slow_read_does_not_hold_up_other_keys():
    cache, slow_started, release = EvidenceCache(), threading.Event(), threading.Event()

    def slow():
        slow_started.set()
        release.wait(5)
        return "slow"

    with ThreadPoolExecutor(2) as pool:
        pending = pool.submit(cache.get, "s", "slow", slow)
        assert slow_started.wait(5)
        assert cache.get("s", "fast", lambda: "fast") == "fast", "no global lock while reading"
        assert not pending.done()
        release.set()
        assert pending.result(5) == "slow"


def test_a_failure_is_cached_for_every_reader_and_a_bug_is_not():
    cache = EvidenceCache()

    def missing():
        raise EvidenceError("git", "ls-remote", "http://x", "unreachable")

    for _ in range(2):
        with pytest.raises(EvidenceError, match="unreachable"):
            cache.get("s", "gone", missing)
    assert [r.error for r in cache.records] == [
        str(EvidenceError("git", "ls-remote", "http://x", "unreachable"))
    ]
    with pytest.raises(ZeroDivisionError):
        cache.get("s", "bug", lambda: 1 / 0)
    assert cache.get("s", "bug", lambda: "fixed") == "fixed", "a non-evidence error is not cached"


def test_a_read_may_read_other_evidence_from_inside_its_fetch():
    cache = EvidenceCache()
    assert cache.get("s", "outer", lambda: cache.get("s", "inner", lambda: 2) + 1) == 3


def naive_line_of(text: str, needle: str, start: int = 1):
    return next(
        (n for n, line in enumerate(text.splitlines(), 1) if n >= start and needle in line), None
    )


def test_line_index_finds_what_a_scan_finds():
    rng = random.Random(14)
    words = [
        '"serviceId"',
        '"svc-1"',
        '"svc-12"',
        "image:",
        "a/b@sha256:1",
        "DATABASE_URL",
        ": ",
        ",",
        "  ",
        "x.y",
    ]
    text = "".join(
        "".join(rng.choice(words) for _ in range(rng.randint(0, 5)))
        + rng.choice(["\n", "\r\n", "\r"])
        for _ in range(300)
    )
    needles = [
        '"serviceId": "svc-1"',
        '"svc-1"',
        "svc-1",
        "svc-12",
        "image: a/b",
        ": ",
        "DATABASE",
        '"x.y"',
        "nowhere",
        '"serviceId"',
        "image:",
        ",  ",
        "",
        "\n",
        ",\r",
    ]
    for needle in needles:
        for start in (1, 7, 150, 299, 400):
            assert line_of(text, needle, start) == naive_line_of(text, needle, start), (
                needle,
                start,
            )


def test_line_index_is_linear_in_the_document():
    # 20,000 services' ids looked up in a 60,000-line catalog: a scan per lookup would take minutes.
    text = "\n".join(
        f'    "serviceId": "svc-{i}",\n    "status": "reused",\n  }},' for i in range(20_000)
    )
    for i in range(0, 20_000, 7):
        start = line_of(text, f'"serviceId": "svc-{i}"')
        assert start == 3 * i + 1 and line_of(text, '"status"', start) == start + 1


def test_release_forgets_the_values_but_keeps_the_records():
    cache, reads = EvidenceCache(), []

    def fetch():
        reads.append(1)
        return {"big": "x" * 1000}

    cache.get("s", "k", fetch)
    cache.release()
    assert not cache.cached("s", "k") and len(cache.records) == 1
    cache.get("s", "k", fetch)
    assert len(reads) == 2, "a get after release reads again"
