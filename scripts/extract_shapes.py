"""Write pytest_agentrun/data/shapes/: the shapes evidence must have, cut from the real schemas.

Run from the checkout: `.venv/bin/python scripts/extract_shapes.py`. It reads the upstream
definitions kept in tests/reference/ (kube-apiserver OpenAPI v3 for core/v1 and apps/v1, the Tekton
and Argo CD CRDs' openAPIV3Schema) and keeps of each kind's schema only what a JSON Schema validator
needs to check a served object's structure: type, properties, items, additionalProperties,
oneOf/anyOf. Descriptions, defaults, enums, formats and `required` are dropped on purpose: a newer
server may add enum values or formats, and a status written by another controller version may
leave out a field its schema requires (Argo CD's own test Applications do), none of which may make
the evidence unreadable; what a check needs and finds missing is the check's finding. Only what
every served object has is required: metadata with a name, and a List's items. OpenAPI's
`nullable` and Kubernetes' int-or-string / preserve-unknown-fields become their JSON Schema
equivalents. Each file names its source (repository, path, commit, definition).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from pytest_agentrun import yaml_text


ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"
OUT = ROOT / "pytest_agentrun" / "data" / "shapes"

OPENAPI = {  # file -> (repository, path, commit), from tests/reference/upstream/SOURCES.md
    "upstream/apiserver/openapi-v3-api-v1.json": (
        "kubernetes/kubectl",
        "testdata/openapi/v3/api/v1.json",
        "dee3483a3d6a64c07fdf746caf80af446dee99ac",
    ),
    "upstream/apiserver/openapi-v3-apis-apps-v1.json": (
        "kubernetes/kubectl",
        "testdata/openapi/v3/apis/apps/v1.json",
        "dee3483a3d6a64c07fdf746caf80af446dee99ac",
    ),
}
CORE = {  # kind -> (reference file, definition)
    "Namespace": ("upstream/apiserver/openapi-v3-api-v1.json", "io.k8s.api.core.v1.Namespace"),
    "Pod": ("upstream/apiserver/openapi-v3-api-v1.json", "io.k8s.api.core.v1.Pod"),
    "Service": ("upstream/apiserver/openapi-v3-api-v1.json", "io.k8s.api.core.v1.Service"),
    "ServiceAccount": (
        "upstream/apiserver/openapi-v3-api-v1.json",
        "io.k8s.api.core.v1.ServiceAccount",
    ),
    "ConfigMap": ("upstream/apiserver/openapi-v3-api-v1.json", "io.k8s.api.core.v1.ConfigMap"),
    "Secret": ("upstream/apiserver/openapi-v3-api-v1.json", "io.k8s.api.core.v1.Secret"),
    "Event": ("upstream/apiserver/openapi-v3-api-v1.json", "io.k8s.api.core.v1.Event"),
    "Deployment": (
        "upstream/apiserver/openapi-v3-apis-apps-v1.json",
        "io.k8s.api.apps.v1.Deployment",
    ),
    "StatefulSet": (
        "upstream/apiserver/openapi-v3-apis-apps-v1.json",
        "io.k8s.api.apps.v1.StatefulSet",
    ),
    "ReplicaSet": (
        "upstream/apiserver/openapi-v3-apis-apps-v1.json",
        "io.k8s.api.apps.v1.ReplicaSet",
    ),
}
CRDS = {  # kind -> (reference file, served version)
    "Pipeline": ("tekton/crds/300-pipeline.yaml", "v1"),
    "Task": ("tekton/crds/300-task.yaml", "v1"),
    "PipelineRun": ("tekton/crds/300-pipelinerun.yaml", "v1"),
    "TaskRun": ("tekton/crds/300-taskrun.yaml", "v1"),
    "Application": ("argocd/crds/application-crd.yaml", "v1alpha1"),
    "AppProject": ("argocd/crds/appproject-crd.yaml", "v1alpha1"),
}
KEPT = ("type", "properties", "items", "additionalProperties", "oneOf", "anyOf")


def prune(node, definitions: dict, depth: int = 0):
    """The structural part of an OpenAPI schema node, with $refs resolved."""
    if not isinstance(node, dict) or depth > 40:
        return {}
    node = dict(node)
    ref = node.pop("$ref", None) or _single_all_of(node)
    if ref:
        target = definitions[ref.rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in node.items() if k != "allOf"}}
        return prune(merged, definitions, depth + 1)
    if node.get("x-kubernetes-int-or-string"):
        return {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    out = {}
    for key in KEPT:
        if key not in node:
            continue
        value = node[key]
        if key == "properties":
            out[key] = {name: prune(sub, definitions, depth + 1) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = prune(value, definitions, depth + 1)
        elif key in ("oneOf", "anyOf"):
            out[key] = [prune(sub, definitions, depth + 1) for sub in value]
        elif key != "additionalProperties":
            out[key] = value
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if node.get("x-kubernetes-preserve-unknown-fields") and "properties" not in out:
        out.pop("type", None)  # anything goes below this point, as on the server
    return out


def _single_all_of(node: dict) -> str | None:
    refs = [s.get("$ref") for s in node.get("allOf", []) if isinstance(s, dict)]
    return refs[0] if len(refs) == 1 and refs[0] else None


def crd_schema(path: Path, version: str) -> tuple[dict, str]:
    text = path.read_text()
    source = re.match(r"# source: (.+)", text).group(1).strip()
    crd = next(
        d for d in yaml_text.load_all(text) if d and d.get("kind") == "CustomResourceDefinition"
    )
    served = next(v for v in crd["spec"]["versions"] if v["name"] == version)
    return served["schema"][
        "openAPIV3Schema"
    ], f"{source} (spec.versions[{version}].schema.openAPIV3Schema)"


def served(schema: dict, object_meta: dict) -> dict:
    """What every object the API server answers has: metadata (ObjectMeta, as the server
    stores it for custom resources too, whose CRD schema only says `type: object`) with a
    name (set or generated by the server). The OpenAPI marks neither required because a
    client may leave them out."""
    schema = dict(schema, required=sorted(set(schema.get("required", [])) | {"metadata"}))
    meta = dict(object_meta, required=["name"])
    schema["properties"] = dict(schema.get("properties", {}), metadata=meta)
    return schema


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    core = json.loads((REFERENCE / "upstream/apiserver/openapi-v3-api-v1.json").read_text())[
        "components"
    ]["schemas"]
    object_meta = prune(core["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"], core)
    for kind, (file, definition) in CORE.items():
        definitions = json.loads((REFERENCE / file).read_text())["components"]["schemas"]
        repo, path, commit = OPENAPI[file]
        source = f"{repo} {path} @ {commit} ({definition})"
        write(kind, served(prune(definitions[definition], definitions), object_meta), source)
    for kind, (file, version) in CRDS.items():
        schema, source = crd_schema(REFERENCE / file, version)
        write(
            kind,
            served(prune(schema, {}), object_meta),
            source + "; metadata: ObjectMeta of core/v1",
        )
    repo, path, commit = OPENAPI["upstream/apiserver/openapi-v3-api-v1.json"]
    write(
        "object",
        served({"type": "object"}, object_meta),
        f"{repo} {path} @ {commit} (ObjectMeta), for kinds without a reference schema here",
    )
    write(
        "list",
        prune(core["io.k8s.api.core.v1.PodList"], core)
        | {"properties": {"items": {"type": "array"}}, "required": ["items"]},
        f"{repo} {path} @ {commit} (io.k8s.api.core.v1.PodList: items required, an array); each "
        "item is checked against its kind",
    )
    return 0


def write(kind: str, schema: dict, source: str) -> None:
    document = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$comment": f"cut from {source} by scripts/extract_shapes.py: structure only",
        **schema,
    }
    (OUT / f"{kind}.json").write_text(
        json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n"
    )
    print(f"{kind}: {len(json.dumps(document)) // 1024} KiB from {source}")


if __name__ == "__main__":
    sys.exit(main())
