"""What a PipelineRun and its TaskRuns say right now (Tekton v1 status), read as one RunOutcome.

Tekton v1 shapes: `status.conditions[type=Succeeded]` (True / False / Unknown with a reason such
as Running, Succeeded, Completed, Failed, PipelineRunTimeout), `status.childReferences` (the
TaskRuns by pipeline task), `status.skippedTasks`, `status.results`; a TaskRun carries the same
condition, `status.results` ({name, type, value}, value an object for type object) and the label
`tekton.dev/pipelineTask`. Pure functions: wait() polls, this reads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from . import tekton_results

# The in-cluster verification task (pytest_agentrun/incluster/), when installed, is the run's last
# task and judges the release only once it has closed (flushed, synced), which happens after the
# release tasks: so the release succeeded when every other task did, whatever the verification
# task is doing or found. Its own verdict is its TaskRun's result.
VERIFICATION_TASK = "acceptance"


@dataclass(frozen=True)
class TaskState:
    pipelineTask: str
    taskRun: str | None  # None while Tekton has not created it, and for skipped tasks
    status: str  # Succeeded, Failed, Running, Pending or Skipped
    reason: str
    message: str
    results: dict[str, Any]

    def progress(self) -> str:
        """The state as a progress line shows it."""
        if self.status == "Failed":
            return f"Failed: {_one_line(self.message or self.reason)}"
        if self.status == "Skipped":
            return f"Skipped: {_one_line(self.reason)}"
        return self.status

    def detail(self) -> str:
        if self.status == "Failed":
            return _one_line(self.message or self.reason)
        if self.status == "Skipped" or self.reason not in ("", self.status):
            return _one_line(self.reason)
        return ""


@dataclass(frozen=True)
class RunOutcome:
    name: str
    namespace: str
    revision: str | None  # the run's `revision` param (full SHA)
    succeeded: bool | None  # the Succeeded condition; None while the run has not finished
    reason: str
    message: str
    results: dict[str, Any]  # status.results by name
    tasks: tuple[TaskState, ...]
    seconds: float  # since the wait began

    @property
    def plan_summary(self) -> str | None:
        """`build=N reuse=M unsafeReuse=K`: the run's planSummary result, else the plan
        task's planArtifacts."""
        if isinstance(self.results.get("planSummary"), str):
            return self.results["planSummary"]
        for task in self.tasks:
            artifacts = task.results.get("planArtifacts")
            if isinstance(artifacts, dict) and isinstance(artifacts.get("summary"), str):
                return artifacts["summary"]
        return None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tasks"] = [asdict(t) for t in self.tasks]
        data["planSummary"] = self.plan_summary
        data["seconds"] = round(self.seconds, 1)
        return data

    def table(self) -> list[str]:
        """Every task's last state as aligned columns (for messages and the CLI)."""
        rows = [("TASK", "TASKRUN", "STATUS", "DETAIL")]
        rows += [(t.pipelineTask, t.taskRun or "-", t.status, t.detail()) for t in self.tasks]
        if len(rows) == 1:
            rows.append(("-", "-", "-", "no TaskRun yet"))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        return [
            f"  {a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip()
            for a, b, c, d in rows
        ]


def succeeded_condition(obj: dict[str, Any]) -> dict[str, Any]:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c.get("type") == "Succeeded"), {})


def observe(run: dict[str, Any], task_runs: list[dict[str, Any]], seconds: float) -> RunOutcome:
    """The run's outcome as it stands: its condition, results and every task's state,
    in pipeline order."""
    status = run.get("status") or {}
    condition = succeeded_condition(run)
    states = _task_states(status, task_runs)
    params = {p.get("name"): p.get("value") for p in (run.get("spec") or {}).get("params") or []}
    meta = run.get("metadata") or {}
    succeeded, reason = _release_succeeded(
        {"True": True, "False": False}.get(condition.get("status")), states
    )
    return RunOutcome(
        name=meta.get("name", ""),
        namespace=meta.get("namespace", ""),
        revision=params.get("revision"),
        succeeded=succeeded,
        reason=reason or condition.get("reason") or "Pending",
        message=condition.get("message") or "",
        results=_results(run),
        tasks=tuple(states),
        seconds=seconds,
    )


def _release_succeeded(run: bool | None, states: list[TaskState]) -> tuple[bool | None, str | None]:
    """The release's outcome when the run carries the verification task, else the run's own."""
    release = [t for t in states if t.pipelineTask != VERIFICATION_TASK]
    if len(release) == len(states) or not release:
        return run, None
    if any(t.status == "Failed" for t in release):
        return False, None
    if all(t.status in ("Succeeded", "Skipped") for t in release):
        return True, (None if run else "ReleaseTasksSucceeded")
    return (False, None) if run is False else (None, None)


def _task_states(status: dict[str, Any], task_runs: list[dict[str, Any]]) -> list[TaskState]:
    by_task: dict[str, TaskState] = {}
    children = {
        c.get("name"): c.get("pipelineTaskName")
        for c in status.get("childReferences") or []
        if c.get("kind", "TaskRun") == "TaskRun"
    }
    for task_run in task_runs:
        meta = task_run.get("metadata") or {}
        ptask = (meta.get("labels") or {}).get("tekton.dev/pipelineTask") or children.get(
            meta.get("name")
        )
        if ptask:
            by_task[ptask] = _task_run_state(ptask, task_run)
    for name, ptask in children.items():  # referenced, but not listed yet
        if ptask and ptask not in by_task:
            by_task[ptask] = TaskState(ptask, name, "Pending", "", "", {})
    for skipped in status.get("skippedTasks") or []:
        by_task.setdefault(
            skipped.get("name", "?"),
            TaskState(
                skipped.get("name", "?"), None, "Skipped", skipped.get("reason") or "", "", {}
            ),
        )
    spec = status.get("pipelineSpec") or {}
    order = [t.get("name") for t in [*(spec.get("tasks") or []), *(spec.get("finally") or [])]]
    for name in order:  # not started yet: Tekton has not created its TaskRun
        if name and name not in by_task:
            by_task[name] = TaskState(name, None, "Pending", "", "not started", {})
    rank = {name: i for i, name in enumerate(order)}
    return sorted(by_task.values(), key=lambda t: rank.get(t.pipelineTask, len(rank)))


def _task_run_state(ptask: str, task_run: dict[str, Any]) -> TaskState:
    condition = succeeded_condition(task_run)
    reason = condition.get("reason") or ""
    state = {"True": "Succeeded", "False": "Failed"}.get(condition.get("status"))
    if state is None:  # Unknown: Started/Pending until its pod runs
        state = "Pending" if not condition or reason in ("", "Started", "Pending") else "Running"
    results = _results(task_run)
    return TaskState(
        ptask,
        (task_run.get("metadata") or {}).get("name"),
        state,
        reason,
        condition.get("message") or "",
        results,
    )


def _results(obj: dict[str, Any]) -> dict[str, Any]:
    """status.results by name, read as every criterion reads them (a trailing newline dropped)."""
    return tekton_results.results(obj)


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
