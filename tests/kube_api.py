"""A real kube-apiserver with its etcd and nothing else (controller-runtime's envtest shape), for
tests that serve objects of given shapes to the readers and checks: what a test loads stays as
loaded, managedFields included, since no controller, scheduler or kubelet runs beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from agentrun_sandbox.controlplane import ControlPlane, audit
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
        return audit.entries(self.plane.audit_log, include_components=True)

    def stop(self) -> None:
        self.plane.stop()


def _among(ref: dict, objects: list[dict]) -> bool:
    return any(o["metadata"].get("uid") == ref.get("uid") for o in objects)
