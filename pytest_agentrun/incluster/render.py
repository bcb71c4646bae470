"""Renders the in-cluster YAML (verification Task, RBAC, drive Role, Pipeline snippet) for a lane.

Templates are data (templates/*.yaml with ${placeholders}); every value comes from the lane profile
or pytest_agentrun/data/resources.yaml. `agentrun-lane render-incluster --lane v0.1 [--out DIR]`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..lane import LaneProfile
from ..readers.kube import resource_table

DEFAULT_IMAGE = "127.0.0.1:5000/agentrun/pytest-agentrun:0.1.0"
READ_VERBS = ["get", "list", "watch"]


def read_rules() -> list[dict[str, Any]]:
    """get/list/watch on every kind the passive suite reads, grouped by API group; Secrets excluded
    (they get their own by-name rule in the runtime namespace)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for kind, spec in resource_table().items():
        if kind != "Secret":
            group = spec["apiVersion"].rpartition("/")[0]
            groups[group].append(spec["plural"])
    return [{"apiGroups": [group], "resources": sorted(plurals), "verbs": READ_VERBS} for group, plurals in sorted(groups.items())]


def values(profile: LaneProfile, image: str) -> dict[str, str]:
    stem = profile.runtime_namespace.replace("agentrun-", "", 1)
    secrets = sorted({*profile["providerSecretRefs"].values(), profile["postgres"]["secretName"]})
    return {
        "task": f"agentrun-{stem}-acceptance", "lane": profile.lane, "image": image,
        "tektonNamespace": profile.tekton_namespace, "runtimeNamespace": profile.runtime_namespace,
        "argocdNamespace": profile["argocd"]["namespace"], "application": profile["argocd"]["application"],
        "pipeline": profile.pipeline, "sourceRepo": profile["sourceRepo"], "worktree": profile["sourceWorktree"]["path"],
        "mirrorRead": profile["mirror"]["readUrl"], "mirrorWrite": profile["mirror"]["writeUrl"],
        "registryUrl": profile["registryUrl"], "readRules": json.dumps(read_rules()), "secretNames": json.dumps(secrets),
    }


def fill(text: str, mapping: dict[str, str]) -> str:
    """Replace ${name} placeholders only: Tekton's own $(params.x) and the shell's "$@" pass through."""
    def value(match: re.Match[str]) -> str:
        if match.group(1) not in mapping:
            raise KeyError(f"template placeholder ${{{match.group(1)}}} has no value")
        return mapping[match.group(1)]
    return re.sub(r"\$\{(\w+)\}", value, text)


def render_template(name: str, mapping: dict[str, str]) -> list[dict[str, Any]]:
    text = resources.files("pytest_agentrun").joinpath(f"incluster/templates/{name}").read_text()
    return [doc for doc in yaml.safe_load_all(fill(text, mapping)) if doc]


def render(profile: LaneProfile, *, image: str = DEFAULT_IMAGE, with_drive_role: bool = False) -> dict[str, list[dict]]:
    """file name -> objects. The drive Role is rendered only when asked for."""
    mapping = values(profile, image)
    files = {"acceptance-task.yaml": render_template("acceptance-task.yaml", mapping),
             "rbac.yaml": render_template("rbac.yaml", mapping),
             "pipeline-snippet.yaml": render_template("pipeline-snippet.yaml", mapping)}
    if with_drive_role:
        files["drive-role.yaml"] = render_template("drive-role.yaml", mapping)
    return files


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (step scripts) as literal blocks, as a person writes them."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def to_yaml(objects: list[dict[str, Any]]) -> str:
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agentrun-lane render-incluster",
                                     description="Render the in-cluster verification Task, its RBAC and the Pipeline snippet.")
    parser.add_argument("--lane", default="v0.1")
    parser.add_argument("--image", default=DEFAULT_IMAGE)
    parser.add_argument("--with-drive-role", action="store_true", help="also render the narrow Role that may create PipelineRuns")
    parser.add_argument("--out", type=Path, help="write one file per part here (default: all to stdout)")
    args = parser.parse_args(argv)
    files = render(LaneProfile.load(args.lane), image=args.image, with_drive_role=args.with_drive_role)
    for name, objects in files.items():
        text = to_yaml(objects)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / name).write_text(text)
            print(f"wrote {args.out / name}")
        else:
            sys.stdout.write(f"# {name}\n---\n{text}---\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
