"""Installs the verification Task on a lane without harm: the Task and its RBAC are created (or
replaced), the lane Pipeline gets the JSON patch that appends the task, its workspaces and
results, and nothing else of the Pipeline changes. The PipelineRun patch is recorded on the
Pipeline (annotation PIPELINERUN_PATCH) so that trigger-current binds the new workspaces and the
task's ServiceAccount exactly as the lane's own trigger template must (pipelinerun-patch.json).

`agentrun-lane install-incluster [render options] [--lane-config F] [--confirm]`: without
--confirm it prints what it would do and exits 2, changing nothing.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonpatch

from ..errors import AgentrunError, DriveError
from ..lane import LaneConfig, LaneProfile
from ..readers.kube import resource_path
from . import render

PIPELINERUN_PATCH = "agentrun.io/pipelinerun-patch"
FIELD_MANAGER = "agentrun-lane-install"
_RBAC = "/apis/rbac.authorization.k8s.io/v1"
_PLURALS = {
    "ServiceAccount": "serviceaccounts",
    "Role": "roles",
    "RoleBinding": "rolebindings",
    "ClusterRole": "clusterroles",
    "ClusterRoleBinding": "clusterrolebindings",
    "Task": "tasks",
}


def installed(pipeline: dict[str, Any]) -> bool:
    return any(
        t.get("name") == render.PIPELINE_TASK
        for t in (pipeline.get("spec") or {}).get("tasks") or []
    )


def pipeline_ops(pipeline: dict[str, Any], files: dict[str, Any]) -> list[dict[str, Any]]:
    """The rendered patch, preceded by an empty list for each array the Pipeline lacks (`add .../-`
    needs the array to exist)."""
    spec = pipeline.get("spec") or {}
    missing = sorted(
        {
            op["path"].rsplit("/", 1)[0]
            for op in files["pipeline-patch.json"]
            if op["path"].endswith("/-") and op["path"].split("/")[2] not in spec
        }
    )
    return [{"op": "add", "path": path, "value": []} for path in missing] + files[
        "pipeline-patch.json"
    ]


def patched_pipeline(pipeline: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
    """The lane Pipeline with the install applied (the same JSON patch kubectl or
    kustomize apply)."""
    if installed(pipeline):
        raise DriveError(
            f"Pipeline {pipeline['metadata']['name']} already has a task {render.PIPELINE_TASK!r}: "
            "the verification Task is installed; nothing was changed"
        )
    try:
        new = jsonpatch.apply_patch(pipeline, pipeline_ops(pipeline, files))
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise DriveError(
            f"the install's patch does not apply to Pipeline {pipeline['metadata']['name']}: "
            f"{exc}; nothing was changed"
        ) from None
    new["metadata"].setdefault("annotations", {})[PIPELINERUN_PATCH] = json.dumps(
        files["pipelinerun-patch.json"]
    )
    return new


def apply_to_run(run: dict[str, Any], pipeline: dict[str, Any] | None) -> dict[str, Any]:
    """A PipelineRun of the lane with the install's PipelineRun patch applied, when the
    live Pipeline carries one; else the run unchanged. taskRunSpecs already in the run are
    kept (appended to)."""
    recorded = (
        ((pipeline or {}).get("metadata") or {}).get("annotations", {}).get(PIPELINERUN_PATCH)
    )
    if not recorded:
        return run
    existing = (run.get("spec") or {}).get("taskRunSpecs")
    ops: list[dict[str, Any]] = []
    for op in json.loads(recorded):
        if op["path"] == "/spec/taskRunSpecs" and existing is not None:  # add would replace them
            ops += [
                {"op": "add", "path": "/spec/taskRunSpecs/-", "value": spec} for spec in op["value"]
            ]
        else:
            ops.append(op)
    return jsonpatch.apply_patch(copy.deepcopy(run), ops)


def _path(obj: dict[str, Any], with_name: bool) -> str:
    kind, meta = obj["kind"], obj["metadata"]
    if kind == "Task":
        return resource_path("Task", meta["namespace"], meta["name"] if with_name else None)
    root = "/api/v1" if kind == "ServiceAccount" else _RBAC
    ns = f"/namespaces/{quote(meta['namespace'])}" if meta.get("namespace") else ""
    return f"{root}{ns}/{_PLURALS[kind]}" + (f"/{quote(meta['name'])}" if with_name else "")


def objects_to_create(files: dict[str, Any]) -> list[dict[str, Any]]:
    return [*files["acceptance-task.yaml"], *files["rbac.yaml"]]


def _ref(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    return f"{obj['kind']} {meta['namespace'] + '/' if meta.get('namespace') else ''}{meta['name']}"


def plan(files: dict[str, Any], profile: LaneProfile) -> list[str]:
    """What apply() will do, one line per change."""
    pipeline = f"Pipeline {profile.tekton_namespace}/{profile.pipeline}"
    return (
        [f"create or replace {_ref(o)}" for o in objects_to_create(files)]
        + [f"patch {pipeline}: {op['op']} {op['path']}" for op in files["pipeline-patch.json"]]
        + [
            f"annotate {pipeline} {PIPELINERUN_PATCH} (the PipelineRun patch trigger-current "
            "applies)"
        ]
    )


def apply(config: LaneConfig, files: dict[str, Any], out=print) -> None:
    """Create/replace the Task and RBAC, then patch the Pipeline (refused when
    already installed)."""
    from ..readers.kube_live import LiveKube

    kube, profile = LiveKube(config), config.profile
    pipeline = kube.get("Pipeline", profile.tekton_namespace, profile.pipeline)
    if pipeline is None:
        raise DriveError(
            f"Pipeline {profile.tekton_namespace}/{profile.pipeline} does not exist: nothing to "
            "install into"
        )
    new = patched_pipeline(pipeline, files)  # refuses before anything is written
    query = [("fieldManager", FIELD_MANAGER)]
    for obj in objects_to_create(files):
        status, current = kube._request("GET", _path(obj, True), allow=(404,))
        if status == 404:
            kube._request("POST", _path(obj, False), query, obj)
        else:
            version = current["metadata"]["resourceVersion"]  # a replace names what it replaces
            kube._request(
                "PUT",
                _path(obj, True),
                query,
                {**obj, "metadata": {**obj["metadata"], "resourceVersion": version}},
            )
        out(f"applied {obj['kind']} {obj['metadata']['name']}")
    ops = pipeline_ops(pipeline, files)
    kube._request(
        "PATCH",
        resource_path("Pipeline", profile.tekton_namespace, profile.pipeline),
        query,
        ops,
        content_type="application/json-patch+json",
    )
    annotation = {PIPELINERUN_PATCH: new["metadata"]["annotations"][PIPELINERUN_PATCH]}
    kube.merge_patch(
        "Pipeline",
        profile.tekton_namespace,
        profile.pipeline,
        {"metadata": {"annotations": annotation}},
        FIELD_MANAGER,
    )
    after = kube.get("Pipeline", profile.tekton_namespace, profile.pipeline) or {}
    tasks = [t["name"] for t in after.get("spec", {}).get("tasks", [])]
    out(f"Pipeline {profile.pipeline} tasks: {', '.join(tasks)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="agentrun-lane install-incluster",
        description="Install the verification Task on the lane (only with --confirm).",
    )
    render.add_arguments(parser)
    parser.add_argument(
        "--lane-config", type=Path, help="how to reach the lane (default: the profile's)"
    )
    parser.add_argument("--confirm", action="store_true", help="really change the lane")
    args = parser.parse_args(argv)
    profile = LaneProfile.load(args.lane)
    files = render.render_from_args(args)
    if not args.confirm:
        print(
            "\n".join(
                [
                    "would:",
                    *(f"  {line}" for line in plan(files, profile)),
                    "nothing changed: pass --confirm to install",
                ]
            )
        )
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="agentrun-install-") as cache_dir:
            apply(LaneConfig.load(profile, args.lane_config, Path(cache_dir)), files)
    except AgentrunError as exc:
        print(f"agentrun-lane install-incluster: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
