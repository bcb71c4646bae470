"""A lane: its profile (fixed names, data/lanes/<lane>.yaml) and its connection config.

The profile says what the lane *is* (namespaces, branches, object names); the connection config
says how to *reach* it (kubeconfig or in-cluster, repo/mirror/registry URLs, worktree path).
The same suite runs against a real lane or the sandbox: only the connection config differs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from . import yaml_text
from .errors import LaneConfigError


# More lane profiles than the package ships: folders of <lane>.yaml, separated by os.pathsep. A
# variable rather than an option, so the plugin, agentrun-lane and the sandbox supervisor (a child
# process) all see the same profiles. A shipped profile of the same name wins: v0.1 stays v0.1.
PROFILES_ENV = "AGENTRUN_LANE_PROFILES"


def _profile_files() -> dict[str, Any]:
    folders = [Path(f) for f in os.environ.get(PROFILES_ENV, "").split(os.pathsep) if f]
    found: dict[str, Any] = {}
    for folder in [*reversed(folders), resources.files("pytest_agentrun").joinpath("lanes")]:
        if folder.is_dir():
            found.update(
                {p.name[: -len(".yaml")]: p for p in folder.iterdir() if p.name.endswith(".yaml")}
            )
    return found


def available_lanes() -> list[str]:
    return sorted(_profile_files())


@dataclass(frozen=True)
class RunnerSelectors:
    """Which objects of the runtime namespace are runner Jobs and Aipod workloads (profile
    runnerWorkloads)."""

    runner_kinds: tuple[str, ...]
    aipod_labels: dict[str, str]

    def is_aipod(self, obj: dict[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return bool(self.aipod_labels) and all(
            labels.get(k) == v for k, v in self.aipod_labels.items()
        )

    def describe(self) -> str:
        labels = ",".join(f"{k}={v}" for k, v in self.aipod_labels.items())
        return (
            f"runner kinds {', '.join(self.runner_kinds)} and the Pods they own; Aipod labels "
            f"{labels}"
        )


@dataclass(frozen=True)
class LaneProfile:
    data: dict[str, Any]

    @classmethod
    def load(cls, lane: str) -> "LaneProfile":
        files = _profile_files()
        if lane not in files:
            where = "pytest_agentrun/lanes/" + (
                f", ${PROFILES_ENV}" if os.environ.get(PROFILES_ENV) else ""
            )
            raise LaneConfigError(
                f"unknown lane {lane!r}: profiles exist for {', '.join(sorted(files))} ({where})"
            )
        return cls(yaml_text.load(files[lane].read_text()))

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    # The names used everywhere, spelled once.
    lane = property(lambda self: self.data["lane"])
    source_branch = property(lambda self: self.data["sourceBranch"])
    gitops_branch = property(lambda self: self.data["gitopsBranch"])
    runtime_namespace = property(lambda self: self.data["runtimeNamespace"])
    catalog_path = property(lambda self: self.data["artifactCatalog"]["path"])
    runtime_path = property(lambda self: self.data["runtimePath"]["path"])
    deploy_intent_path = property(lambda self: self.data["deployIntent"])
    tekton_namespace = property(lambda self: self.data["tekton"]["namespace"])
    pipeline = property(lambda self: self.data["tekton"]["pipeline"])
    tekton_service_account = property(lambda self: self.data["tekton"]["serviceAccount"])
    trigger_field_manager = property(lambda self: self.data["tekton"]["triggerFieldManager"])
    env_repository = property(lambda self: self.data["envImage"]["repository"])
    argocd_namespace = property(lambda self: self.data["argocd"]["namespace"])
    app_project = property(lambda self: self.data["argocd"]["appProject"])
    application = property(lambda self: self.data["argocd"]["application"])
    source_repo = property(lambda self: self.data["sourceRepo"])
    source_worktree = property(lambda self: self.data["sourceWorktree"]["path"])
    source_host = property(lambda self: self.data["sourceWorktree"]["host"])
    # How a pod reaches the worktree (the in-cluster verification Task, hostPath or workspace mode).
    source_worktree_node_selector = property(
        lambda self: dict(self.data["sourceWorktree"]["nodeSelector"])
    )
    source_worktree_claim = property(lambda self: self.data["sourceWorktree"]["claimName"])
    worktree_root = property(lambda self: self.data["worktreeRoot"])
    mirror_read_url = property(lambda self: self.data["mirror"]["readUrl"])
    mirror_write_url = property(lambda self: self.data["mirror"]["writeUrl"])
    pipeline_run_name_template = property(lambda self: self.data["tekton"]["pipelineRunName"])
    tekton_tasks = property(
        lambda self: self.data["tekton"]["tasks"]
    )  # role -> task (TK-05..TK-09)
    # The in-cluster verification's own read-only ServiceAccount (TK-03; its Task and RBAC names).
    verification_service_account = property(
        lambda self: self.data["tekton"]["tasks"]["verify"]["serviceAccount"]
    )
    argo_tracking = property(lambda self: self.data["argocd"]["tracking"])
    provider_secret_refs = property(lambda self: dict(self.data["providerSecretRefs"]))
    forbidden_targets = property(lambda self: self.data["forbiddenTargets"])
    untracked_objects = property(lambda self: self.data["untrackedObjects"])
    ci_identity = property(lambda self: self.data["ciIdentity"])
    gitops_generated_metadata = property(lambda self: list(self.data["gitopsGeneratedMetadata"]))
    no_proxy_required = property(lambda self: list(self.data["noProxyRequired"]))
    registry_url = property(lambda self: self.data["registryUrl"])
    service_label = property(lambda self: self.data["serviceLabel"])
    env_identity_inputs = property(lambda self: self.data["envIdentityInputs"])

    @property
    def allowed_field_managers(self) -> list[str]:
        """Argo CD's field managers and the cluster's own controllers (RT-06)."""
        return [*self.data["argocd"]["fieldManagers"], *self.data["clusterFieldManagers"]]

    @property
    def runner_selectors(self) -> RunnerSelectors:
        data = self.data["runnerWorkloads"]
        return RunnerSelectors(tuple(data["runnerKinds"]), dict(data.get("aipodLabels") or {}))

    def placeholders(self) -> dict[str, Any]:
        """The lane's names as the criterion texts spell them (data/criteria.yaml placeholders)."""
        return {
            "lane": self.lane,
            "source_branch": self.source_branch,
            "gitops_branch": self.gitops_branch,
            "runtime_namespace": self.runtime_namespace,
            "catalog_path": self.catalog_path,
            "runtime_path": self.runtime_path,
            "deploy_intent_path": self.deploy_intent_path,
            "tekton_namespace": self.tekton_namespace,
            "pipeline": self.pipeline,
            "tekton_service_account": self.tekton_service_account,
            "pipeline_run_name": self.pipeline_run_name_template.format(short12="<short12>"),
            "env_repository": self.env_repository,
            "argocd_namespace": self.argocd_namespace,
            "app_project": self.app_project,
            "application": self.application,
            "provider_secrets": self.provider_secret_refs,
            "source_host": self.source_host,
            "source_worktree": self.source_worktree,
        }

    def pipeline_run_name(self, source_commit: str) -> str:
        return self.pipeline_run_name_template.format(short12=source_commit[:12])


POD_KUBECONFIG = "AGENTRUN_POD_SERVICEACCOUNT_KUBECONFIG"


@dataclass(frozen=True)
class LaneConfig:
    """How to reach one lane. Every field defaults to the lane profile's value."""

    profile: LaneProfile
    kubeconfig: Path | None
    context: str | None
    in_cluster: bool
    source_repo_url: str
    mirror_read_url: str
    mirror_write_url: str
    registry_url: str
    worktree: Path
    cache_dir: Path
    origin: str = "lane profile defaults"  # where this config came from, for messages
    extra: dict[str, Any] = field(default_factory=dict)
    # False when the lane config says the source repo's credentials are absent (`source.credentials:
    # false`, written by the in-cluster Task when no git workspace is bound): its reads are refused
    # at once ("no credentials for <url>") instead of waiting on an SSH or HTTPS prompt.
    source_credentials: bool = True

    @classmethod
    def load(cls, profile: LaneProfile, path: Path | None, cache_dir: Path) -> "LaneConfig":
        raw: dict[str, Any] = {}
        base = Path.cwd()
        if path is not None:
            if not path.is_file():
                raise LaneConfigError(f"lane config {path} does not exist")
            try:
                raw = yaml_text.load(path.read_text()) or {}
            except yaml.YAMLError as exc:
                raise LaneConfigError(
                    f"lane config {path} is not valid YAML: {exc}".splitlines()[0]
                ) from None
            if not isinstance(raw, dict):
                raise LaneConfigError(f"lane config {path} must be a mapping")
            if raw.get("lane", profile.lane) != profile.lane:
                raise LaneConfigError(
                    f"lane config {path} is for lane {raw['lane']!r}, but --lane is "
                    f"{profile.lane!r}"
                )
            base = path.parent
        return cls._from_raw(
            profile, raw, base, cache_dir, str(path) if path else "lane profile defaults"
        )

    @classmethod
    def _from_raw(
        cls, profile: LaneProfile, raw: dict, base: Path, cache_dir: Path, origin: str
    ) -> "LaneConfig":
        kube = raw.get("kubernetes") or {}
        source = raw.get("source") or {}
        mirror = raw.get("mirror") or {}
        registry = raw.get("registry") or {}
        in_cluster = bool(kube.get("inCluster", False))
        kubeconfig = None
        if in_cluster and os.environ.get(POD_KUBECONFIG):
            # The sandbox's Tekton simulator stands in for the kubelet: it cannot mount the pod's
            # service-account token at /var/run/secrets, nor serve it over TLS, so it hands the
            # same token over as a kubeconfig (fixtures/agentrun_sandbox/tekton_sim.py).
            in_cluster, kube = False, {"kubeconfig": os.environ[POD_KUBECONFIG]}
        if not in_cluster:
            given = kube.get("kubeconfig") or os.environ.get("KUBECONFIG") or "~/.kube/config"
            kubeconfig = (base / Path(given).expanduser()).resolve()
        return cls(
            profile=profile,
            kubeconfig=kubeconfig,
            context=kube.get("context"),
            in_cluster=in_cluster,
            source_repo_url=source.get("repoUrl", profile.source_repo),
            mirror_read_url=mirror.get("readUrl", profile.mirror_read_url),
            mirror_write_url=mirror.get("writeUrl", profile.mirror_write_url),
            registry_url=registry.get("url", profile.registry_url).rstrip("/"),
            worktree=(
                base / Path(source.get("worktree", profile.source_worktree)).expanduser()
            ).resolve(),
            cache_dir=Path(raw.get("cacheDir") and base / raw["cacheDir"] or cache_dir),
            origin=origin,
            extra={
                k: v
                for k, v in raw.items()
                if k not in {"lane", "kubernetes", "source", "mirror", "registry", "cacheDir"}
            },
            source_credentials=source.get("credentials", True) is not False,
        )

    def to_raw(self) -> dict[str, Any]:
        """The connection as a lane config file would hold it (recorded in evidence bundles)."""
        return {
            "lane": self.profile.lane,
            "kubernetes": {
                "inCluster": self.in_cluster,
                "kubeconfig": str(self.kubeconfig) if self.kubeconfig else None,
                "context": self.context,
            },
            "source": {
                "repoUrl": self.source_repo_url,
                "worktree": str(self.worktree),
                **({} if self.source_credentials else {"credentials": False}),
            },
            "mirror": {"readUrl": self.mirror_read_url, "writeUrl": self.mirror_write_url},
            "registry": {"url": self.registry_url},
        }

    def describe(self) -> dict[str, str]:
        """The connection as shown in reports (URLs and paths only, never credentials)."""
        return {
            "lane": self.profile.lane,
            "kubernetes": "in-cluster"
            if self.in_cluster
            else f"{self.kubeconfig} (context {self.context or 'current'})",
            "source repo": self.source_repo_url,
            "mirror read": self.mirror_read_url,
            "mirror write": self.mirror_write_url,
            "registry": self.registry_url,
            "worktree": str(self.worktree),
        }
