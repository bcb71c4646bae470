"""Renders the in-cluster install for a lane: the verification Task, its least-privilege RBAC, the
JSON patches that add it to the lane Pipeline and to the PipelineRun template, and a kustomization.

Templates are data (templates/*.yaml with ${placeholders}, read-scopes.yaml); every value comes
from the lane profile or the options. `agentrun-lane render-incluster --lane v0.1 [--out DIR]`.

The worktree is mounted read-only either way (`--worktree`):
  hostpath:  a hostPath volume of the worktree's path, the pod placed on its host by the profile's
             sourceWorktree.nodeSelector (in the PipelineRun's taskRunSpecs);
  workspace: a read-only Task workspace mounted at the same path, which the lane's PipelineRun binds
             to the PersistentVolumeClaim sourceWorktree.claimName.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .. import yaml_text
from ..defaults import TIMEOUTS
from ..model.run_state import VERIFICATION_TASK
from ..lane import LaneProfile
from ..readers.kube import resource_table

DEFAULT_IMAGE = "127.0.0.1:5000/agentrun/pytest-agentrun:0.1.0"
READ_VERBS = ["get", "list", "watch"]
MODES = ("hostpath", "workspace")
PIPELINE_TASK = VERIFICATION_TASK  # the pipeline task's name (one definition, model/run_state.py)
PART_OF = {"app.kubernetes.io/part-of": "pytest-agentrun"}


def task_name(profile: LaneProfile) -> str:
    """The Task's name, which its ServiceAccount, Roles and bindings share: the profile's
    verification account (tekton.tasks.verify.serviceAccount), which TK-03 expects it to run as."""
    return profile.verification_service_account


def values(
    profile: LaneProfile, image: str, registry_url: str | None, settle_timeout: int
) -> dict[str, str]:
    from ..checks.tekton import task_name as lane_task

    return {
        "task": task_name(profile),
        "lane": profile.lane,
        "image": image,
        "tektonNamespace": profile.tekton_namespace,
        "worktree": profile.source_worktree,
        "mirrorRead": profile.mirror_read_url,
        "mirrorWrite": profile.mirror_write_url,
        "registryUrl": registry_url or profile.registry_url,
        "settleTimeout": str(settle_timeout),
        "pipelineTask": PIPELINE_TASK,
        "runAfter": lane_task(profile, "promote"),
    }


def fill(text: str, mapping: dict[str, str]) -> str:
    """Replace ${name} placeholders only: Tekton's own $(params.x) and the shell's
    "$@" pass through."""

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in mapping:
            raise KeyError(f"template placeholder ${{{match.group(1)}}} has no value")
        return mapping[match.group(1)]

    return re.sub(r"\$\{(\w+)\}", value, text)


def render_template(name: str, mapping: dict[str, str]) -> list[dict[str, Any]]:
    text = resources.files("pytest_agentrun").joinpath(f"incluster/templates/{name}").read_text()
    return [doc for doc in yaml_text.load_all(fill(text, mapping)) if doc]


def _data(name: str) -> dict[str, Any]:
    return yaml_text.load(
        resources.files("pytest_agentrun").joinpath(f"incluster/{name}").read_text()
    )


# -- the Task -------------------------------------------------------------------------------------


def task(profile: LaneProfile, mapping: dict[str, str], mode: str) -> dict[str, Any]:
    [obj] = render_template("acceptance-task.yaml", mapping)
    spec, path = obj["spec"], profile.source_worktree
    if mode == "hostpath":
        spec["volumes"].append(
            {"name": "source-worktree", "hostPath": {"path": path, "type": "Directory"}}
        )
        # prepare marks it safe for git (and names it in the lane config), acceptance reads it.
        for step in spec["steps"]:
            if step["name"] in ("prepare", "acceptance"):
                step["volumeMounts"] = [
                    {
                        "name": "source-worktree",
                        "mountPath": "$(params.worktree-path)",
                        "readOnly": True,
                    }
                ]
    else:
        spec["workspaces"].append(
            {
                "name": "source-worktree",
                "readOnly": True,
                "mountPath": path,
                "description": "the fixed source worktree, bound read-only by the lane",
            }
        )
    return obj


# -- RBAC -----------------------------------------------------------------------------------------


def _namespace_of(profile: LaneProfile, role: str) -> str:
    return {
        "tekton": profile.tekton_namespace,
        "runtime": profile.runtime_namespace,
        "argocd": profile.argocd_namespace,
    }[role]


def _rules(kinds: list[str]) -> list[dict[str, Any]]:
    groups: dict[str, list[str]] = {}
    table = resource_table()
    for kind in kinds:
        groups.setdefault(table[kind]["apiVersion"].rpartition("/")[0], []).append(
            table[kind]["plural"]
        )
    return [
        {"apiGroups": [g], "resources": sorted(p), "verbs": list(READ_VERBS)}
        for g, p in sorted(groups.items())
    ]


def _binding(
    kind: str, name: str, namespace: str | None, subject: dict[str, str]
) -> dict[str, Any]:
    meta = {
        "name": name,
        **({"namespace": namespace} if namespace else {}),
        "labels": dict(PART_OF),
    }
    role_kind = "Role" if kind == "RoleBinding" else "ClusterRole"
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": name},
        "subjects": [subject],
    }


def rbac(profile: LaneProfile, mapping: dict[str, str]) -> list[dict[str, Any]]:
    """The ServiceAccount, one Role + RoleBinding per namespace read, one ClusterRole for the
    cluster-scoped reads (by name)."""
    scopes, name = _data("read-scopes.yaml"), mapping["task"]
    subject = {"kind": "ServiceAccount", "name": name, "namespace": profile.tekton_namespace}
    objects = render_template("rbac.yaml", mapping)
    for role, scope in scopes["namespaces"].items():
        namespace = _namespace_of(profile, role)
        if scope.get("everything"):  # "*" also covers subresources: services/proxy for RT-05
            rules = [{"apiGroups": ["*"], "resources": ["*"], "verbs": list(READ_VERBS)}]
        else:
            rules = _rules(scope["kinds"])
        rules += [
            {"apiGroups": [""], "resources": [sub["resource"]], "verbs": list(sub["verbs"])}
            for sub in scope.get("subresources") or []
        ]
        objects += [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {
                    "name": f"{name}-read",
                    "namespace": namespace,
                    "labels": dict(PART_OF),
                    "annotations": {"agentrun.io/why": scope["why"]},
                },
                "rules": rules,
            },
            _binding("RoleBinding", f"{name}-read", namespace, subject),
        ]
    cluster_rules = []
    for read in scopes["cluster"]:
        spec = resource_table()[read["kind"]]
        cluster_rules.append(
            {
                "apiGroups": [spec["apiVersion"].rpartition("/")[0]],
                "resources": [spec["plural"]],
                "resourceNames": [_namespace_of(profile, n) for n in read["names"]],
                "verbs": ["get"],
            }
        )
    objects += [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {
                "name": f"{name}-cluster-read",
                "labels": dict(PART_OF),
                "annotations": {"agentrun.io/why": ", ".join(r["why"] for r in scopes["cluster"])},
            },
            "rules": cluster_rules,
        },
        _binding("ClusterRoleBinding", f"{name}-cluster-read", None, subject),
    ]
    return objects


# -- the patches ----------------------------------------------------------------------------------


def pipeline_additions(mapping: dict[str, str], mode: str) -> dict[str, Any]:
    [add] = render_template("pipeline-additions.yaml", mapping)
    if mode == "workspace":
        add["workspaces"].append(
            {
                "name": "acceptance-worktree",
                "optional": False,
                "description": "the fixed source worktree, read-only",
            }
        )
        add["task"]["workspaces"].append(
            {"name": "source-worktree", "workspace": "acceptance-worktree"}
        )
    return add


def pipeline_patch(mapping: dict[str, str], mode: str) -> list[dict[str, Any]]:
    """RFC 6902 operations on the lane Pipeline: append the workspaces, the task and its results;
    nothing existing is replaced or removed."""
    add = pipeline_additions(mapping, mode)
    return (
        [{"op": "add", "path": "/spec/workspaces/-", "value": w} for w in add["workspaces"]]
        + [{"op": "add", "path": "/spec/tasks/-", "value": add["task"]}]
        + [{"op": "add", "path": "/spec/results/-", "value": r} for r in add["results"]]
    )


def pipelinerun_additions(
    profile: LaneProfile, mapping: dict[str, str], mode: str, git_secrets: dict[str, str]
) -> dict[str, Any]:
    [add] = render_template("pipelinerun-additions.yaml", mapping)
    if mode == "workspace":
        claim = {"claimName": profile.source_worktree_claim, "readOnly": True}
        add["workspaces"].append({"name": "acceptance-worktree", "persistentVolumeClaim": claim})
    else:
        add["taskRunSpec"]["podTemplate"] = {"nodeSelector": profile.source_worktree_node_selector}
    for workspace, secret in sorted(git_secrets.items()):
        add["workspaces"].append({"name": workspace, "secret": {"secretName": secret}})
    return add


def pipelinerun_patch(
    profile: LaneProfile, mapping: dict[str, str], mode: str, git_secrets: dict[str, str]
) -> list[dict[str, Any]]:
    """RFC 6902 operations on the lane's PipelineRun template: append the workspace bindings and the
    task's ServiceAccount (taskRunSpecs). `add /spec/taskRunSpecs` assumes the template has none;
    apply_to_run() appends to an existing list instead."""
    add = pipelinerun_additions(profile, mapping, mode, git_secrets)
    return [{"op": "add", "path": "/spec/workspaces/-", "value": w} for w in add["workspaces"]] + [
        {"op": "add", "path": "/spec/taskRunSpecs", "value": [add["taskRunSpec"]]}
    ]


def kustomization(profile: LaneProfile) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["acceptance-task.yaml", "rbac.yaml"],
        "patches": [
            {
                "path": "pipeline-patch.json",
                "target": {
                    "group": "tekton.dev",
                    "version": "v1",
                    "kind": "Pipeline",
                    "name": profile.pipeline,
                    "namespace": profile.tekton_namespace,
                },
            }
        ],
    }


GIT_WORKSPACES = {"ssh": "acceptance-git-ssh", "basic-auth": "acceptance-git-basic-auth"}


def render(
    profile: LaneProfile,
    *,
    image: str = DEFAULT_IMAGE,
    with_drive_role: bool = False,
    mode: str = "hostpath",
    registry_url: str | None = None,
    settle_timeout: int = int(TIMEOUTS.settle),
    git_ssh_secret: str | None = None,
    git_basic_auth_secret: str | None = None,
) -> dict[str, Any]:
    """file name -> objects (a list of documents, or one JSON document for the patches)."""
    if mode not in MODES:
        raise ValueError(f"--worktree must be one of {', '.join(MODES)}, not {mode!r}")
    mapping = values(profile, image, registry_url, settle_timeout)
    secrets = {
        GIT_WORKSPACES[k]: v
        for k, v in (("ssh", git_ssh_secret), ("basic-auth", git_basic_auth_secret))
        if v
    }
    files: dict[str, Any] = {
        "acceptance-task.yaml": [task(profile, mapping, mode)],
        "rbac.yaml": rbac(profile, mapping),
        "pipeline-patch.json": pipeline_patch(mapping, mode),
        "pipelinerun-patch.json": pipelinerun_patch(profile, mapping, mode, secrets),
        "kustomization.yaml": [kustomization(profile)],
    }
    if with_drive_role:
        files["drive-role.yaml"] = render_template(
            "drive-role.yaml",
            {
                **mapping,
                "argocdNamespace": profile.argocd_namespace,
                "application": profile.application,
            },
        )
    return files


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (step scripts) as literal blocks, as a person writes them."""


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    ),
)


def to_yaml(objects: list[dict[str, Any]]) -> str:
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False)


def to_text(name: str, content: Any) -> str:
    return json.dumps(content, indent=2) + "\n" if name.endswith(".json") else to_yaml(content)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lane", default="v0.1")
    parser.add_argument(
        "--image", default=DEFAULT_IMAGE, help="the suite's image, best pinned by digest"
    )
    parser.add_argument(
        "--worktree",
        choices=MODES,
        default="hostpath",
        help=(
            "mount the fixed worktree as a hostPath volume (default) or a workspace the lane binds"
        ),
    )
    parser.add_argument(
        "--registry-url", help="where the Task reaches the registry (default: the profile's)"
    )
    parser.add_argument(
        "--settle-timeout",
        type=int,
        default=int(TIMEOUTS.settle),
        help="seconds the settle step waits",
    )
    parser.add_argument(
        "--git-ssh-secret", help="a Secret with a .ssh directory, bound to ssh-directory"
    )
    parser.add_argument(
        "--git-basic-auth-secret", help="a Secret with .gitconfig and .git-credentials"
    )


def render_from_args(args: argparse.Namespace) -> dict[str, Any]:
    return render(
        LaneProfile.load(args.lane),
        image=args.image,
        mode=args.worktree,
        with_drive_role=getattr(args, "with_drive_role", False),
        registry_url=args.registry_url,
        settle_timeout=args.settle_timeout,
        git_ssh_secret=args.git_ssh_secret,
        git_basic_auth_secret=args.git_basic_auth_secret,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="agentrun-lane render-incluster",
        description="Render the in-cluster verification Task, its RBAC and the patches "
        "that add it to the lane Pipeline and PipelineRun template.",
    )
    add_arguments(parser)
    parser.add_argument(
        "--with-drive-role",
        action="store_true",
        help="also render the narrow Role that may create PipelineRuns",
    )
    parser.add_argument(
        "--out", type=Path, help="write one file per part here (default: all to stdout)"
    )
    args = parser.parse_args(argv)
    for name, content in render_from_args(args).items():
        text = to_text(name, content)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / name).write_text(text)
            print(f"wrote {args.out / name}")
        else:
            sys.stdout.write(f"# {name}\n---\n{text}" + ("" if name.endswith(".json") else "---\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
