"""A bundle opened for replay: values decoded when looked up give what was recorded; what was not
recorded, or no longer reads as recorded, is missing evidence (cannot be decided), never a value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_agentrun.evidence import bundle
from pytest_agentrun.evidence.bundle import BundleWriter, RecordedEvidence, write_manifest
from pytest_agentrun.evidence.diff import evidence_changes
from pytest_agentrun.errors import EvidenceError
from pytest_agentrun.evidence.cache import EvidenceCache
from pytest_agentrun.model.worktree import WorktreeState

RECORDED = {
    ("kubernetes", "/api/v1/namespaces/ns/pods"): {
        "items": [{"metadata": {"name": "p", "labels": {"a": "b"}}}]
    },
    ("git:mirror", 'read abc:deploy/"quoted" \\ é.json'): '{"services": []}\n',
    ("git:source", "history v0.1:"): ("a" * 40, "b" * 40),
    ("registry", "HEAD /v2/env/manifests/t accept=None"): None,
    ("worktree", "state /w"): WorktreeState(
        path="/w",
        branch="v0.1",
        head="c" * 40,
        upstream="origin/v0.1",
        upstream_head="c" * 40,
        ahead=0,
        behind=0,
        changes=("?? x",),
    ),
}
MISSING = EvidenceError(
    "registry", "tags of env", "http://registry/v2/env/tags/list", "registry answered 404"
)


def recorded(directory: Path) -> Path:
    """A bundle as a run writes it: every read through the recorder, the manifest at the end."""
    writer = BundleWriter(directory, "main")
    for (source, key), value in RECORDED.items():
        writer.record(source, key, value, None)
    writer.record("registry", "tags env", None, MISSING)
    writer.close()
    write_manifest(directory, "v0.1", {}, "run")
    return directory


def test_each_value_is_served_as_recorded_and_a_recorded_error_as_the_same_error(tmp_path):
    replay = RecordedEvidence(recorded(tmp_path / "b"))
    for (source, key), value in RECORDED.items():
        assert replay.lookup(source, key) == value
    assert isinstance(replay.lookup("worktree", "state /w"), WorktreeState)
    with pytest.raises(EvidenceError) as error:
        replay.lookup("registry", "tags env")
    assert str(error.value) == str(MISSING)


def test_an_unrecorded_key_is_missing_evidence_through_the_cache(tmp_path):
    cache = EvidenceCache(replay=RecordedEvidence(recorded(tmp_path / "b")))
    for _ in range(2):  # asked twice, answered from the cache with the same reason
        with pytest.raises(EvidenceError, match="not recorded in this bundle") as error:
            cache.get(
                "kubernetes",
                "/api/v1/namespaces/ns/secrets",
                lambda: pytest.fail("replay reads nothing"),
            )
    assert error.value.source == "replay" and "/api/v1/namespaces/ns/secrets" in error.value.what
    assert [r.error is not None for r in cache.records] == [True]


def test_opening_decodes_no_value_so_one_unreadable_value_fails_only_its_own_key(tmp_path):
    directory = recorded(tmp_path / "b")
    part = directory / "evidence-main.jsonl"
    lines = part.read_text().splitlines(keepends=True)
    broken = next(i for i, line in enumerate(lines) if "/pods" in line)
    lines[broken] = lines[broken][: lines[broken].index('"value": ') + 9] + '{"items": [\n'
    part.write_text("".join(lines))
    write_manifest(directory, "v0.1", {}, "run")  # the checksums match: only the value is bad

    replay = RecordedEvidence(directory)

    with pytest.raises(EvidenceError, match=r"unreadable in this bundle"):
        replay.lookup("kubernetes", "/api/v1/namespaces/ns/pods")
    assert replay.lookup("git:source", "history v0.1:") == ("a" * 40, "b" * 40)


def test_a_line_that_changes_after_the_bundle_was_opened_is_not_served(tmp_path):
    directory = recorded(tmp_path / "b")
    replay = RecordedEvidence(directory)
    part = directory / "evidence-main.jsonl"
    part.write_text(
        part.read_text().replace('"name": "p"', '"name": "q"')
    )  # same length, same place
    with pytest.raises(EvidenceError, match="changed after it was opened"):
        replay.lookup("kubernetes", "/api/v1/namespaces/ns/pods")


def test_a_bundle_altered_before_it_is_opened_is_refused(tmp_path):
    directory = recorded(tmp_path / "b")
    part = directory / "evidence-main.jsonl"
    part.write_text(part.read_text().replace('"a": "b"', '"a": "c"'))
    with pytest.raises(ValueError, match="checksum does not match the manifest"):
        RecordedEvidence(directory)


def test_lines_in_another_layout_are_read_too_and_the_first_of_a_key_wins(tmp_path):
    directory = tmp_path / "b"
    directory.mkdir()
    entries = [
        {"value": {"n": 1}, "source": "s", "key": "k"},  # not the writer's key order
        {"source": "s", "key": "k", "value": {"n": 2}},
        {
            "error": {"source": "s", "what": "w", "where": "u", "reason": "gone"},
            "key": "e",
            "source": "s",
        },
    ]
    (directory / "evidence-main.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    write_manifest(directory, "v0.1", {}, "run")
    replay = RecordedEvidence(directory)
    written = [
        json.loads(line) for line in (directory / "evidence-main.jsonl").read_text().splitlines()
    ]
    assert replay.lookup("s", "k") == next(
        e["value"] for e in written if e["key"] == "k"
    )  # as before: the first
    with pytest.raises(EvidenceError, match="gone"):
        replay.lookup("s", "e")
    assert sorted(replay.keys()) == [("s", "e"), ("s", "k")]


def test_a_line_that_is_not_json_refuses_the_bundle(tmp_path):
    directory = tmp_path / "b"
    directory.mkdir()
    (directory / "evidence-main.jsonl").write_text('{"source": "s", "key": \n')
    write_manifest(directory, "v0.1", {}, "run")
    with pytest.raises(ValueError, match="not an evidence file"):
        RecordedEvidence(directory)


def test_the_index_reads_the_writers_layout_without_decoding_the_value():
    line = json.dumps(
        {"key": 'k "1" é', "source": "s\\t", "value": {"huge": "x"}}, sort_keys=True
    ).encode()
    assert bundle._HEAD.match(line)
    assert bundle._key_of(line) == ("s\\t", 'k "1" é')
    assert bundle._key_of(line[:60] + b"not json") == ("s\\t", 'k "1" é')  # the value is not read


def test_bundle_diff_names_what_changed_and_ignores_the_same_entry_in_another_layout(tmp_path):
    def bundle_of(name: str, entries: list[dict], **dumps) -> RecordedEvidence:
        directory = tmp_path / name
        directory.mkdir()
        text = "".join(json.dumps(e, **dumps) + "\n" for e in entries)
        (directory / "evidence-main.jsonl").write_text(text)
        write_manifest(directory, "v0.1", {}, name)
        return RecordedEvidence(directory)

    same = {"source": "k8s", "key": "same", "value": {"b": 1, "a": [1, 2]}}
    before = bundle_of(
        "a",
        [
            same,
            {"source": "k8s", "key": "moved", "value": 1},
            {"source": "k8s", "key": "gone", "value": 1},
        ],
        sort_keys=True,
    )
    after = bundle_of(
        "b",
        [
            same,
            {"source": "k8s", "key": "moved", "value": 2},
            {"source": "k8s", "key": "new", "value": 1},
        ],
        indent=None,
        separators=(",", ":"),
    )
    assert evidence_changes(before, after) == [
        {"source": "k8s", "key": "gone", "change": "removed"},
        {"source": "k8s", "key": "moved", "change": "changed"},
        {"source": "k8s", "key": "new", "change": "added"},
    ]


def test_a_bundle_written_before_the_model_package_still_restores_its_types(tmp_path):
    """Bundles name a value's type by module: the names they were written with keep resolving
    (bundle.MOVED_TYPES), not through the old module's imports."""
    from pytest_agentrun.model.commits import CommitInfo
    from pytest_agentrun.model.images import ManifestAnswer
    from pytest_agentrun.model.worktree import IgnoreRule

    written_as = {
        "pytest_agentrun.readers.git:CommitInfo": CommitInfo,
        "pytest_agentrun.readers.registry:ManifestAnswer": ManifestAnswer,
        "pytest_agentrun.readers.worktree:IgnoreRule": IgnoreRule,
        "pytest_agentrun.readers.worktree:WorktreeState": WorktreeState,
    }
    assert set(written_as) <= set(bundle.MOVED_TYPES)
    for name, kind in written_as.items():
        assert bundle._recorded_type(name) is kind, name


def test_the_writer_encodes_and_masks_in_one_pass_as_encode_then_redact_did():
    from pytest_agentrun.masking import redact_value

    value = {
        "items": [{1: "one", "password": "hunter2-hunter2", "env": ("a", ("b", 2))}],
        "commit": RECORDED[("worktree", "state /w")],
        "url": "https://bot:ghp_" + "a" * 36 + "@github.com/x",
        "nothing": None,
        "ratio": 0.5,
        "ok": True,
    }
    entry = {"source": "s", "key": "k", "value": value}
    one_pass = redact_value(entry, form=bundle.encoded_node)
    assert one_pass == redact_value({**entry, "value": bundle.encode(value)})
    text = json.dumps(one_pass)
    assert "hunter2" not in text and "ghp_" not in text and '"1": "one"' in text
    assert bundle.decode(bundle.encode(value))["commit"] == value["commit"]
