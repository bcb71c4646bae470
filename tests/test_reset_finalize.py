"""The reset ends a namespace it emptied itself only before the namespace controller's first pass
over it can come (5 s after the deletion), and not while a pass for a namesake it ended lately may
still come (no cluster: an API that answers as kube-apiserver does)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from agentrun_sandbox.controlplane import reset


class DeletedNamespace:
    """One namespace, deleted `age` seconds ago; records the `finalize` calls it gets."""

    def __init__(self, age: float, server: str = "https://127.0.0.1:6443"):
        when = datetime.now(timezone.utc) - timedelta(seconds=age)
        self.namespace = {
            "metadata": {
                "name": "scratch",
                "deletionTimestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "spec": {"finalizers": ["kubernetes"]},
        }
        self.finalized: list[dict] = []
        transport = httpx.MockTransport(self._answer)
        self.client = httpx.Client(base_url=server, transport=transport)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and request.url.path.endswith("/finalize"):
            self.finalized.append(httpx.Response(200, content=request.content).json())
            return httpx.Response(200, json=self.namespace)
        return httpx.Response(200, json=self.namespace)


@pytest.fixture(autouse=True)
def no_namesakes(monkeypatch):
    monkeypatch.setattr(reset, "_finalized_early", {})


def test_a_namespace_deleted_a_moment_ago_is_finalized_with_no_finalizer_left():
    api = DeletedNamespace(age=0.5)
    reset._finalize(api.client, "scratch", within=reset.BEFORE_CONTROLLER_SECONDS)
    assert [body["spec"]["finalizers"] for body in api.finalized] == [[]]


def test_a_namespace_deleted_before_the_controllers_pass_may_come_is_left_to_it():
    api = DeletedNamespace(age=4)
    reset._finalize(api.client, "scratch", within=reset.BEFORE_CONTROLLER_SECONDS)
    assert api.finalized == []
    reset._finalize(api.client, "scratch", within=None)  # an API server without the controller
    assert len(api.finalized) == 1


def test_a_namesake_finalized_lately_leaves_the_next_one_to_the_controller():
    first, second = DeletedNamespace(age=0.5), DeletedNamespace(age=0.5)
    reset._finalize(first.client, "scratch", within=reset.BEFORE_CONTROLLER_SECONDS)
    reset._finalize(second.client, "scratch", within=reset.BEFORE_CONTROLLER_SECONDS)
    assert (len(first.finalized), len(second.finalized)) == (1, 0)
    elsewhere = DeletedNamespace(age=0.5, server="https://127.0.0.1:7443")
    reset._finalize(elsewhere.client, "scratch", within=reset.BEFORE_CONTROLLER_SECONDS)
    assert len(elsewhere.finalized) == 1  # another cluster's controller has no pass for it
