"""Tekton result values as the lane means them: one reading for every criterion that reads results.

Tekton keeps a result exactly as the step wrote it to `$(results.<name>.path)`, trailing newline
included (tektoncd/pipeline docs/tasks.md, "Emitting Results": write it with `echo -n` or `printf`
to leave the newline out). A real TaskRun shows one: tests/reference/upstream/tekton/
chains-pipelinerun1.json, result IMAGE_URL `"test.io/test/image\\n"`. A Task that `echo`es
`build=0 reuse=1 unsafeReuse=0` means what one that `printf`s it means, so surrounding whitespace is
dropped from a string result, from each string of an array result and from each property of an
object result. Tekton v1 stores an object result's value as a JSON object (`type: object`, or no
`type` at all in older records: chains-pipelinerun1.json); the value's own shape
decides, not `type`.
"""

from __future__ import annotations

from typing import Any


def normalise(value: Any) -> Any:
    """The value a result means: strings stripped, arrays and objects stripped member by member."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    return value


def results(obj: dict[str, Any] | None) -> dict[str, Any]:
    """`status.results` of a TaskRun or PipelineRun by name, each value normalised. Entries of
    another shape (no name, not an object) are left out: they name no result."""
    status = (obj or {}).get("status") if isinstance(obj, dict) else None
    entries = status.get("results") if isinstance(status, dict) else None
    if not isinstance(entries, list):
        return {}
    return {
        e["name"]: normalise(e.get("value"))
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("name"), str)
    }


def result(obj: dict[str, Any] | None, name: str) -> Any:
    """One result's normalised value: `name` itself, else `object.property` of an object result
    (how a Pipeline reads it: `$(tasks.plan.results.planArtifacts.summary)`); None when absent."""
    values = results(obj)
    if name in values:
        return values[name]
    base, _, prop = name.partition(".")
    value = values.get(base)
    return value.get(prop) if prop and isinstance(value, dict) else None
