"""The sandbox's install of the upstream CRDs waits until the API server serves each one, not only
until it is Established (no cluster: an API that answers as kube-apiserver does in between)."""

from __future__ import annotations

import httpx

from agentrun_sandbox.controlplane import seeding

CRD = seeding.CRDS[0]  # Tekton's Pipeline: served at v1beta1 and v1


class ApiBetweenEstablishedAndServed:
    """Established from the start; the group versions answer 404 for the first `late` asks, then
    list `listed` (the CRD's own resource unless told)."""

    def __init__(self, late: int, listed: str | None = None):
        self.late, self.asked = late, 0
        self.crd = seeding._crd(CRD)
        self.listed = listed or self.crd["spec"]["names"]["plural"]
        transport = httpx.MockTransport(self._discovery)
        self.client = httpx.Client(base_url="https://127.0.0.1:6443", transport=transport)

    def _discovery(self, request: httpx.Request) -> httpx.Response:
        self.asked += 1
        if self.asked <= self.late:
            return httpx.Response(404)
        return httpx.Response(200, json={"resources": [{"name": self.listed}]})

    def apply(self, obj: dict, manager: str) -> dict:
        return obj

    def get(self, api_version: str, kind: str, namespace, name: str) -> dict:
        return {**self.crd, "status": {"conditions": [{"type": "Established", "status": "True"}]}}


def test_the_install_waits_until_every_served_version_is_discoverable():
    api = ApiBetweenEstablishedAndServed(late=3)
    seeding.install_crds(api, [CRD])
    served = [v for v in api.crd["spec"]["versions"] if v.get("served")]
    assert len(served) == 2
    assert api.asked == 3 + len(served)  # asked until both answered, then no more


def test_a_version_that_lists_other_resources_is_not_yet_served():
    api = ApiBetweenEstablishedAndServed(late=0, listed="tasks")
    assert seeding._discoverable(api, api.crd) is False
    assert seeding._discoverable(ApiBetweenEstablishedAndServed(late=0), api.crd) is True
