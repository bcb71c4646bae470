"""The known read set, fetched at session start on a small pool while the first tests run.

Every read goes through the session's evidence cache, so a test that needs a piece of evidence
the pool is still reading waits for that one read (a per-key future) instead of asking again,
and what is recorded is exactly what a sequential run records. The pool only reads what the
passive criteria read anyway; a read that fails caches its failure, as the test's own read would.
Chains follow the evidence's own order: the catalog names the PipelineRun, the registry
references and deploy.json's commit; deploy.json names the health paths; the manifests name the
Secrets. With 100 ms per request this puts about a dozen round trips on the critical path.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable

from ..defaults import DEFAULTS
from ..model.objects import ROLLOUT_KINDS
from .registry import SCHEMA2

if TYPE_CHECKING:
    from .session import LaneSession

WORKERS = DEFAULTS.prefetch_workers
LOG = logging.getLogger(__name__)
RUNTIME_KINDS = (
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "Job",
    "Pod",
    "Event",
    "Service",
    "ConfigMap",
    "ServiceAccount",
)


class Prefetch:
    def __init__(self, lane: "LaneSession", workers: int = WORKERS):
        self.lane = lane
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="agentrun-prefetch")
        self._closed = False

    def start(self) -> "Prefetch":
        lane, profile = self.lane, self.lane.profile
        for kind in RUNTIME_KINDS:
            self._submit(lambda kind=kind: lane.cluster.objects(kind))
        for kind in ROLLOUT_KINDS:
            self._submit(lambda kind=kind: lane.cluster.objects(kind, profile.tekton_namespace))
        for read in (
            lane.cluster.namespace,
            lane.argo.app_project,
            lane.argo.applications,
            lane.tekton.pipeline,
            lane.tekton.service_account,
            lane.tekton.tasks,
        ):
            self._submit(read)
        self._submit(self._source)
        self._submit(self._gitops)
        self._submit(self._namespace_listing)
        return self

    def _submit(self, read: Callable[[], object]) -> None:
        if not self._closed:
            self._pool.submit(self._quietly, read)

    @staticmethod
    def _quietly(read: Callable[[], object]) -> None:
        try:
            read()
        except Exception as exc:  # noqa: BLE001 - evidence errors are cached; the test meets any other itself
            LOG.debug("prefetch %r: %s", read, exc)

    def _source(self) -> None:
        lane = self.lane
        head = lane.source.head(lane.profile.source_branch)
        self._submit(lambda: lane.mirror.status())  # the mirror's exact fetch of its v0.1 head
        if head:
            self._submit(lambda: lane.source.files(head))
            self._submit(lambda: lane.source.history(lane.profile.source_branch))

    def _gitops(self) -> None:
        lane, gitops = self.lane, self.lane.gitops
        catalog = gitops.catalog
        self._submit(gitops.catalog_versions)
        self._submit(gitops.history)
        if not catalog.usable:
            return
        commit = catalog.source_commit()
        run = lane.profile.pipeline_run_name(commit)
        self._submit(lambda: lane.tekton.pipeline_run(run))
        self._submit(lambda: lane.tekton.task_runs(run))
        self._submit(lambda: self._health(commit))
        self._submit(lambda: lane.registry.tag_list(lane.profile.env_repository))
        heads = set()  # services share images: one task per distinct manifest request
        for service in catalog.services():
            image = service.get("image") or {}
            if isinstance(image, dict) and image.get("repository"):
                heads.add((image["repository"], image.get("digest"), SCHEMA2))
                heads |= {
                    (image["repository"], image.get("tag"), accept) for accept in (SCHEMA2, None)
                }
        for repository, reference, accept in sorted(heads, key=str):
            if reference:
                self._submit(
                    lambda r=repository, ref=reference, a=accept: lane.registry.head_manifest(
                        r, ref, accept=a
                    )
                )

    def _namespace_listing(self) -> None:
        """RT-06's list of every kind discovery serves in the runtime namespace, one task per kind
        (the discovery documents of the group-versions read at once, not one after another)."""
        cluster, discovery = self.lane.cluster, self.lane.kube.discovery
        pending = (
            [
                self._pool.submit(self._quietly, lambda g=g, v=v: discovery.resources(g, v))
                for g, v in discovery.preferred_versions()
            ]
            if not self._closed
            else []
        )
        for future in pending:
            future.result()
        for resource in cluster.listed_resources():
            self._submit(lambda r=resource: self.lane.kube.list_resource(r, cluster.namespace_name))

    def _health(self, commit: str) -> None:
        for service in self.lane.deploy_intent(commit).enabled_services():
            health = service.get("health")
            if isinstance(health, dict) and health.get("path") and health.get("port"):
                self._submit(lambda s=service, h=health: self._health_of(s, h))

    def _health_of(self, service: dict, health: dict) -> None:
        """RT-05's proxy read, on the Service port that reaches the health container port."""
        cluster = self.lane.cluster
        port = cluster.service_port(
            service["id"], service.get("workload", "Deployment"), health["port"]
        )
        if port is not None:
            cluster.health(service["id"], port, health["path"])

    def close(self) -> None:
        """Stop taking work and wait for the reads in flight (they may be recording)."""
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
