"""Tekton's own meaning, as the checks of several criteria read it: no I/O.

- a Task's steps as Tekton runs them: each step with the `stepTemplate` merged in (the step's
  fields win; `env` merged by name), and its sidecars;
- `$(params.x)` substitution (tektoncd/pipeline docs/variables.md), unknown params left as written;
- the lane's plan summary, `build=N reuse=M unsafeReuse=K`, as a value (`PlanSummary`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


def containers(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, container) of every step of a Task spec, with the stepTemplate merged in as Tekton
    does, and every sidecar."""
    template = spec.get("stepTemplate") or {}
    result = []
    for step in spec.get("steps") or []:
        merged = {**template, **step}
        env = {e.get("name"): e for e in [*(template.get("env") or []), *(step.get("env") or [])]}
        merged["env"] = list(env.values())
        result.append((f"step {step.get('name', '?')}", merged))
    result += [(f"sidecar {s.get('name', '?')}", s) for s in spec.get("sidecars") or []]
    return result


def container_text(container: dict[str, Any]) -> str:
    """What a container runs: image, command, args and script."""
    parts = [
        container.get("image") or "",
        *(container.get("command") or []),
        *(container.get("args") or []),
        container.get("script") or "",
    ]
    return "\n".join(str(p) for p in parts)


_PARAM = re.compile(r"\$\(params\.([\w.-]+)\)")


def substitute(text: str, values: dict[str, str]) -> str:
    """Tekton's `$(params.x)` substitution (unknown params are left as they are)."""
    return _PARAM.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def param_values(params: list[dict[str, Any]] | None, key: str) -> dict[str, str]:
    """name -> the string under `key` ("default" of a spec's params, "value" of a run's)."""
    return {p["name"]: p[key] for p in params or [] if isinstance(p.get(key), str) and "name" in p}


@dataclass(frozen=True)
class PlanSummary:
    """The plan task's `planArtifacts.summary`: the images it builds, reuses, reuses unsafely."""

    build: int
    reuse: int
    unsafe_reuse: int

    FORM = re.compile(r"build=(\d+) reuse=(\d+) unsafeReuse=(\d+)")

    @classmethod
    def parse(cls, text: object) -> PlanSummary | None:
        """The summary a result reads, or None when it is not exactly of that form."""
        match = cls.FORM.fullmatch(text) if isinstance(text, str) else None
        return cls(*(int(n) for n in match.groups())) if match else None

    @property
    def safe(self) -> bool:
        return self.unsafe_reuse == 0
