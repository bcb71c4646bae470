"""Evidence where it enters: object shapes, documents, the breaker and deadline,
the readers' errors."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from pytest_agentrun.checks.gitops import agrees_with_deploy_intent, branch_holds_lane_files
from pytest_agentrun.model.documents import parse_manifests
from pytest_agentrun.errors import EvidenceError
from pytest_agentrun.evidence.cache import EvidenceCache
from pytest_agentrun.lane import LaneConfig, LaneProfile
from pytest_agentrun.readers import shapes
from pytest_agentrun.readers.breaker import Breaker, Deadline
from pytest_agentrun.readers.kube import Kube, resource_table
from pytest_agentrun.readers.registry import split_credentials

PROFILE = LaneProfile.load("v0.1")


def reference_objects(reference_dir):
    for path in sorted(reference_dir.rglob("*")):
        if (
            path.suffix not in (".yaml", ".json")
            or "crds" in path.parts
            or "apiserver" in path.parts
        ):
            continue
        docs = (
            [json.loads(path.read_text())]
            if path.suffix == ".json"
            else yaml.safe_load_all(path.read_text())
        )
        for obj in docs:
            if isinstance(obj, dict) and obj.get("kind") in resource_table():
                yield (
                    path.name,
                    json.loads(json.dumps(obj, default=str)),
                )  # as JSON has them: YAML reads times


def test_every_real_upstream_object_has_its_kinds_shape(reference_dir):
    checked = [
        (name, obj["kind"], shapes.problem(obj["kind"], shapes.without_nulls(obj)))
        for name, obj in reference_objects(reference_dir)
    ]
    assert len(checked) >= 15
    assert [c for c in checked if c[2]] == []


@pytest.mark.parametrize(
    "kind, edit, said",
    [
        ("Pod", lambda o: o.update(status="Running"), "at $.status: expected object, found string"),
        ("Pod", lambda o: o.pop("metadata"), "'metadata' is a required field"),
        (
            "PipelineRun",
            lambda o: o["status"].update(conditions={"type": "Succeeded"}),
            "at $.status.conditions: expected array, found object",
        ),
        (
            "Deployment",
            lambda o: o["spec"].update(selector={}, template={}, replicas="two"),
            "at $.spec.replicas: expected integer, found string",
        ),
    ],
)
def test_a_malformed_object_is_missing_evidence_naming_it_and_the_path(kind, edit, said):
    obj = {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {"name": "x", "namespace": "ns"},
        "spec": {},
        "status": {},
    }
    edit(obj)
    with pytest.raises(EvidenceError) as error:
        shapes.check_object(kind, obj, "http://api/x")
    assert said in error.value.reason and "\n" not in str(error.value)


def test_null_fields_are_absent_ones_but_a_null_list_is_malformed():
    pod = shapes.check_object(
        "Pod",
        {
            "metadata": {"name": "p"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "lastProbeTime": None}]},
        },
        "w",
    )
    assert pod["status"]["conditions"][0] == {"type": "Ready", "status": "True"}
    with pytest.raises(
        EvidenceError, match=r"malformed PodList: at \$.items: expected array, found null"
    ):
        shapes.check_list("Pod", {"items": None}, "w")


def test_every_runtime_file_is_parsed_and_what_does_not_parse_fails_go01_and_go07():
    files = {
        "a.yaml": "kind: ConfigMap\nmetadata: {name: a}\n---\nkind: B\nmetadata:\n  name: [x\n",
        "b.json": '{"kind": "ConfigMap",\n "data": }',
        "c.json": '{"kind": "ConfigMap", "metadata": {"name": "c"}}',
        "notes.md": "not a manifest",
    }
    manifests = parse_manifests(files, "br@abc:")
    assert [(m.path, m.name) for m in manifests.manifests] == [("a.yaml", "a"), ("c.json", "c")]
    assert [e.split(": ")[0] for e in manifests.errors] == ["br@abc:a.yaml:6", "br@abc:b.json:2"]
    go01 = branch_holds_lane_files(
        PROFILE, "a" * 40, True, sorted(files), "ls-remote", manifests.errors
    )
    assert [f.where for f in go01 if not f.ok] == ["br@abc:a.yaml:6", "br@abc:b.json:2"]
    go07 = agrees_with_deploy_intent(manifests, [], "deploy.json")
    assert {f.where for f in go07 if not f.ok} >= {"br@abc:a.yaml:6", "br@abc:b.json:2"}


def test_an_open_breaker_fails_fast_with_the_reason_and_the_deadline_cuts_timeouts():
    breaker = Breaker("registry", Deadline(60))
    breaker.check("tags", "u")
    assert breaker.timeout(10) == 10 and breaker.timeout(600) <= 60
    breaker.trip(EvidenceError("registry", "tags", "u", "registry did not answer in time"))
    with pytest.raises(EvidenceError, match="did not answer in time"):
        breaker.check("manifest", "u2")
    late = Breaker("git", Deadline(0.01))
    time.sleep(0.02)
    with pytest.raises(EvidenceError, match="evidence deadline of 0.01 s passed"):
        late.check("ls-remote", "u")


def test_registry_credentials_leave_the_url_for_basic_auth():
    url, auth = split_credentials("http://ci-bot:s%40cret@127.0.0.1:5000/base")
    assert url == "http://127.0.0.1:5000/base" and auth is not None
    assert split_credentials("http://127.0.0.1:5000") == ("http://127.0.0.1:5000", None)


@pytest.fixture
def kube(tmp_path, served_apis):
    """A Kube reader on a bare kube-apiserver, as a lane config reaches it."""
    with served_apis.lend() as api:
        api.kubeconfig(tmp_path / "kubeconfig")
        (tmp_path / "lane.yaml").write_text(
            yaml.safe_dump({"lane": "v0.1", "kubernetes": {"kubeconfig": "kubeconfig"}})
        )
        reader = Kube(
            LaneConfig.load(PROFILE, tmp_path / "lane.yaml", tmp_path / "cache"), EvidenceCache()
        )
        yield reader, api
        reader.close()


def test_an_absent_object_is_none_but_an_unserved_kind_is_missing_evidence(kube, monkeypatch):
    reader, _ = kube
    assert reader.get("Namespace", None, "no-such-namespace") is None
    monkeypatch.setitem(
        resource_table(),
        "Widget",
        {"apiVersion": "example.com/v1", "plural": "widgets", "namespaced": True},
    )
    with pytest.raises(
        EvidenceError, match=r"Widget \(widgets, example.com/v1\) is not served by the API server"
    ):
        reader.list("Widget", "default")
    with pytest.raises(EvidenceError, match="is not served by the API server"):
        reader.get("Widget", "default", "w")


def test_a_down_api_server_opens_the_breaker_once(kube):
    reader, api = kube
    api.stop()
    started = time.monotonic()
    with pytest.raises(
        EvidenceError, match=r"API server unreachable \(connection refused\)"
    ) as first:
        reader.get("Namespace", None, "default")
    with pytest.raises(EvidenceError, match="later reads of this source are not sent"):
        reader.list("Pod", "default")
    assert "unreachable (API server unreachable" not in str(first.value)
    assert time.monotonic() - started < 5


def test_a_long_retry_after_is_cut_to_the_bound_and_writes_are_never_resent():
    from urllib3.response import HTTPResponse

    from pytest_agentrun.readers import kube as kube_reader
    from pytest_agentrun.readers import registry as registry_reader

    retry = kube_reader.read_retry()
    assert (
        retry.get_retry_after(HTTPResponse(headers={"Retry-After": "3600"}, status=429))
        == kube_reader.MAX_RETRY_AFTER
    )
    assert not retry.is_retry("POST", 503) and retry.is_retry("GET", 503)
    transport_retry = registry_reader.read_retry()
    assert transport_retry.max_backoff_wait == 10.0  # httpx-retries cuts a Retry-After to this too
    assert not transport_retry.is_retryable_method("POST") and transport_retry.is_retryable_method(
        "HEAD"
    )
