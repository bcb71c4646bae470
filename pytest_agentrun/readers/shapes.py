"""The shape every Kubernetes object must have where it enters the evidence.

Checks read fields (`status.conditions[]`, `metadata.name`, `containerStatuses[].imageID` ...)
trusting their types. Rather than guard each read, every object the API answers is validated
once, here, against the structure of its real schema (data/shapes/, cut from the kube-apiserver
OpenAPI v3 and the Tekton and Argo CD CRDs by scripts/extract_shapes.py, which names each source).
A malformed object is missing evidence: an EvidenceError naming the object and the offending path.

A null field is an absent one: the API server writes Go's nil pointers, slices and zero times as
null (`lastProbeTime: null`), which its clients decode as the zero value. Such keys are dropped
before the check, so checks see a field either with its schema's type or not at all.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from ..errors import EvidenceError

JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


@cache
def _validator(name: str) -> jsonschema.Draft7Validator:
    folder = resources.files("pytest_agentrun").joinpath("data/shapes")
    path = folder.joinpath(f"{name}.json")
    schema = json.loads((path if path.is_file() else folder.joinpath("object.json")).read_text())
    return jsonschema.Draft7Validator(schema)


def problem(schema_name: str, value: Any) -> str | None:
    """The first structural violation, as `at <path>: <what>`, or None when the value fits."""
    error = jsonschema.exceptions.best_match(_validator(schema_name).iter_errors(value))
    if error is None:
        return None
    return f"at {error.json_path}: {_what(error)}"


def _what(error: jsonschema.ValidationError) -> str:
    # Never the value itself: an object may carry credentials (env values) that must not be shown.
    found = JSON_TYPES.get(type(error.instance), type(error.instance).__name__)
    if error.validator == "type":
        want = error.validator_value
        return f"expected {' or '.join(want) if isinstance(want, list) else want}, found {found}"
    if error.validator == "required":
        return error.message.replace("property", "field")
    return f"{error.validator} not satisfied by a value of type {found}"


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def check_object(kind: str, obj: Any, where: str) -> dict[str, Any]:
    """The object (null fields dropped) if it has the structure its kind's schema gives;
    EvidenceError if not."""
    obj = without_nulls(obj)
    found = problem(kind, obj)
    if found:
        raise EvidenceError(
            "kubernetes", f"{kind} {_name(obj)}", where, f"malformed {kind} {_name(obj)}: {found}"
        )
    return obj


def check_list(kind: str, data: Any, where: str) -> list[dict[str, Any]]:
    """The items of a List answer, each checked as its kind; EvidenceError for
    the first malformed."""
    found = problem("list", data)
    if found:
        raise EvidenceError("kubernetes", f"{kind} list", where, f"malformed {kind}List: {found}")
    items = [without_nulls(item) for item in data["items"]]
    for index, item in enumerate(items):
        found = problem(kind, item)
        if found:
            path = found.replace("at $", f"at $.items[{index}]", 1)
            raise EvidenceError(
                "kubernetes",
                f"{kind} list",
                where,
                f"malformed {kind} {_name(item)} in the list: {path}",
            )
    return items


def _name(obj: Any) -> str:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        return "(no name)"
    return (
        f"{meta['namespace']}/{meta['name']}"
        if isinstance(meta.get("namespace"), str)
        else meta["name"]
    )
