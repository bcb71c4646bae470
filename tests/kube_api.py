"""A real kube-apiserver with its etcd and nothing else (controller-runtime's envtest shape), for
tests that serve objects of given shapes to the readers and checks: what a test loads stays as
loaded, managedFields included, since no controller, scheduler or kubelet runs beside it.

A worker keeps them (ServedPool) and lends one per test, reset to how it started between tests
(agentrun_sandbox/controlplane/reset.py, as the kept lane clusters are): a start with its CRDs
costs seconds, a reset a fraction of one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from agentrun_sandbox.controlplane import ControlPlane, audit, reset
from agentrun_sandbox.controlplane.seeding import CRDS, JOB_GENERATED_LABELS, install_crds
from agentrun_sandbox.controlplane.store import KubeApiError, KubeStore


class ServedObjects:
    def __init__(self, directory: Path, *, crds: tuple[str, ...] = ()):
        """`crds`: the upstream CRDs to serve, by file name (tests/reference/*/crds/)."""
        self.plane = ControlPlane(directory, node=None).start()
        self.url = self.plane.url
        self.store = KubeStore(self.plane.client())
        if crds:
            install_crds(self.store, [p for p in CRDS if p.name in crds])
        with self.plane.client() as api:
            self.baseline = reset.inventory(api, reset.resources(api))
        self.audit_start = 0  # where this test's requests begin in the audit log

    def reset(self) -> list[str]:
        """Back to how it started: what differs still, one line each (empty: as it was)."""
        with self.plane.client() as api:
            leftovers = reset.reset(api, self.baseline, finalize=True)  # no namespace controller
        log = self.plane.audit_log
        self.audit_start = log.stat().st_size if log.is_file() else 0
        return leftovers

    def kubeconfig(self, path: Path) -> Path:
        path.write_text(yaml.safe_dump(self.plane.kubeconfig(), sort_keys=False))
        return path

    def load(self, objects: list[dict], *, manager: str = "kubectl-create") -> list[dict]:
        """Create each object with its metadata as given, managedFields too (a write that names
        them sets them), and its status through /status where the kind serves it. Owners go
        before what they own, whose ownerReferences then name the uids the owners got here."""
        uids: dict[str, str] = {}
        # YAML's timestamps arrive as datetimes: the API server reads RFC 3339 strings
        as_json = json.loads(
            json.dumps(objects, default=lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
        )
        pending = sorted(as_json, key=lambda o: o.get("kind") != "Namespace")
        loaded = []
        while pending:
            ready = [
                o
                for o in pending
                if all(
                    r.get("uid") in uids or not _among(r, pending)
                    for r in o["metadata"].get("ownerReferences") or []
                )
            ]
            if not ready:
                raise ValueError("objects own each other in a loop")
            for obj in ready:
                pending.remove(obj)
                created = self._create(obj, uids, manager)
                if created is not None:
                    loaded.append(created)
        return loaded

    def _create(self, obj: dict, uids: dict[str, str], manager: str) -> dict | None:
        meta = obj["metadata"]
        given_uid, status = meta.pop("uid", None), obj.get("status")
        for key in ("resourceVersion", "creationTimestamp", "generation"):
            meta.pop(key, None)
        for ref in meta.get("ownerReferences") or []:
            ref["uid"] = uids.get(ref.get("uid"), ref.get("uid"))
        if (
            obj["kind"] == "Job"
        ):  # its selector and uid labels name the uid it had: the server makes new ones
            obj["spec"].pop("selector", None)
            labels = obj["spec"]["template"].get("metadata", {}).get("labels", {})
            for key in JOB_GENERATED_LABELS:
                labels.pop(key, None)
        rt = self.store.resource(obj["apiVersion"], obj["kind"])
        answer = self.store.client.post(
            rt.path(meta.get("namespace")), params={"fieldManager": manager}, json=obj
        )
        if answer.status_code == 409 and obj["kind"] == "Namespace":
            return None
        if answer.status_code >= 400:
            raise KubeApiError(
                answer.status_code, answer.json(), f"load {obj['kind']} {meta.get('name')}"
            )
        created = answer.json()
        if given_uid:
            uids[given_uid] = created["metadata"]["uid"]
        if status and "status" in rt.subresources:
            created = self.store.replace(
                {**created, "status": status}, manager=manager, subresource="status"
            )
            if (
                "managedFields" in meta
            ):  # the status write added an entry of its own: put the given back
                created["metadata"]["managedFields"] = meta["managedFields"]
                created = self.store.replace(created, manager=manager)
        return created

    def requests(self) -> list[dict]:
        """Every request the API server completed, whoever made it (its audit log)."""
        return audit.entries(self.plane.audit_log, include_components=True, start=self.audit_start)

    def stop(self) -> None:
        self.plane.stop()


class ServedPool:
    """The API servers of one worker, each serving every CRD a test of the pool asks for (one
    start, not one per set: a CRD no test's objects use changes nothing they read); lent one
    per use and reset after."""

    CRDS = ("application-crd.yaml", "300-pipelinerun.yaml", "300-taskrun.yaml")

    def __init__(self, directory: Path):
        self.directory, self.idle, self.started, self.made = directory, [], [], 0

    @contextmanager
    def lend(self) -> Iterator[ServedObjects]:
        if self.idle:
            server = self.idle.pop()
        else:
            self.made += 1  # a directory of its own: a stopped one's etcd is still there
            server = ServedObjects(self.directory / f"apiserver-{self.made}", crds=self.CRDS)
            self.started.append(server)
        try:
            yield server
        finally:
            try:
                clean = server.plane.died() is None and not server.reset()
            except Exception:  # a test that stopped or broke it
                clean = False
            if clean:
                self.idle.append(server)
            else:  # not as it was: no other test gets it
                self.started.remove(server)
                server.stop()

    def stop(self) -> None:
        for server in self.started:
            server.stop()
        self.started.clear()


def _among(ref: dict, objects: list[dict]) -> bool:
    return any(o["metadata"].get("uid") == ref.get("uid") for o in objects)
