"""The sandbox's controllers watch the API server as the controllers they stand for do
(controlplane/informer.py), instead of asking it every fraction of a second."""

from __future__ import annotations

import time

from agentrun_sandbox.controlplane import audit, pki
from agentrun_sandbox.controlplane.informer import Informer
from agentrun_sandbox.waiting import wait_until

NAMES = ("informer-a", "informer-b")


def _config_map(name: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
    }


def _until(condition, what: str) -> None:
    wait_until(condition, 10, timed_out=lambda: AssertionError(f"within 10 s: {what}"))


def test_an_informer_hands_over_what_is_listed_and_what_comes_and_stops_at_once(served_apis):
    with served_apis.lend() as api:
        api.store.create(_config_map(NAMES[0]), manager="test")
        handed: list[dict] = []
        held: list[list[str]] = []
        informer = Informer(
            api.store,
            "v1",
            "ConfigMap",
            "default",
            name="test-informer",
            on_object=handed.append,
            on_change=lambda: held.append(sorted(n for _, n in informer.objects if n in NAMES)),
        ).start()
        try:
            _until(lambda: held and held[-1] == [NAMES[0]], "the listed ConfigMap held")
            api.store.create(_config_map(NAMES[1]), manager="test")
            api.store.delete("v1", "ConfigMap", "default", NAMES[0])
            _until(lambda: held[-1] == [NAMES[1]], "the new one held, the deleted one gone")
        finally:
            informer.stop()

        mine = [o for o in handed if o["metadata"]["name"] in NAMES]
        assert [o["metadata"]["name"] for o in mine] == list(NAMES)
        # the listed one as a watched one: a list's items name no kind of their own
        assert {(o["apiVersion"], o["kind"]) for o in mine} == {("v1", "ConfigMap")}
        # stop() ended the open watch (the API server keeps one for a minute), not a timer
        assert not informer._thread.is_alive()


def test_an_idle_lanes_controllers_ask_the_api_server_nothing(fresh_lane):
    """Tekton's and Argo CD's stand-ins and the Pod address map wait on their watches: a second
    of an idle lane has no request of theirs (polling, they made some fifteen a second)."""
    log = fresh_lane.paths.api_log
    time.sleep(0.5)  # the lane's start: the controllers' first lists
    start = log.stat().st_size
    time.sleep(1.5)
    asked = [
        f"{e['verb']} {e['path']}"
        for e in audit.entries(log, include_components=True, start=start)
        if e["user"] == pki.SANDBOX_CONTROLLERS.user
    ]
    assert not asked, asked
