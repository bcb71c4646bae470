"""Tekton evidence checks (truth level 4): TK-*.

The Pipeline's tasks are known by role (pytest_agentrun/data/tekton-lane-tasks.yaml): a check asks
for "the plan task", never for a literal task name. A pipeline task's spec is its Task object's, or
the taskSpec the Pipeline embeds; each step is read with the stepTemplate merged
in, as Tekton runs it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any, Callable, Iterable

import yaml

from .. import yaml_text
from ..model import tekton_results
from ..model.documents import Catalog
from ..model.envidentity import InputChanges, classify
from ..errors import EvidenceError
from ..finding import Finding, failed, judge, passed, undecided
from ..lane import LaneProfile
from ..model.commits import CommitInfo
from ..model.objects import object_ref, pod_spec
from ..model.tekton import PlanSummary, container_text, containers, param_values, substitute
from .registry import TagListing
from .judges import judges


def succeeded_condition(run: dict[str, Any]) -> dict[str, Any]:
    return next(
        (
            c
            for c in run.get("status", {}).get("conditions", []) or []
            if c.get("type") == "Succeeded"
        ),
        {},
    )


def release_succeeded(run: dict[str, Any], task_runs: list[dict[str, Any]] | None) -> bool:
    """A run that carries the in-cluster verification task succeeded as a release when every other
    task did: that task judges the release after it closed, so it is still running (or has found a
    fault) when the release is done (model/run_state.py says the same for the drive)."""
    from ..model.run_state import VERIFICATION_TASK, observe

    tasks = ((run.get("status") or {}).get("pipelineSpec") or {}).get("tasks") or []
    if task_runs is None or not any(t.get("name") == VERIFICATION_TASK for t in tasks):
        return False
    return observe(run, task_runs, 0.0).succeeded is True


@judges("TK-02")
def pipeline_run_for_commit(
    profile: LaneProfile,
    commit: str,
    run: dict[str, Any] | None,
    commit_where: str,
    task_runs: list[dict[str, Any]] | None = None,
) -> list[Finding]:
    """TK-02: the PipelineRun of the catalog's source commit is named by it, passes the full SHA,
    and succeeded (with the verification task installed: every release task succeeded)."""
    name = profile.pipeline_run_name(commit)
    where = f"PipelineRun {profile.tekton_namespace}/{name}"
    if run is None:
        return [
            failed(
                f"PipelineRun {name}",
                f"exists for source commit {commit} ({commit_where})",
                "not found (404)",
                where,
            )
        ]
    params = {p.get("name"): p.get("value") for p in run.get("spec", {}).get("params", []) or []}
    sha_params = [k for k, v in params.items() if v == commit]
    condition = succeeded_condition(run)
    pipeline = run.get("spec", {}).get("pipelineRef", {}).get("name")
    return [
        judge(
            bool(sha_params),
            f"{where} params",
            f"a param equal to the full SHA {commit}",
            ", ".join(f"{k}={v}" for k, v in params.items()) or "no params",
            where,
            params=params,
        ),
        judge(
            pipeline == profile.pipeline,
            f"{where} spec.pipelineRef",
            profile.pipeline,
            repr(pipeline),
            where,
        ),
        judge(
            condition.get("status") == "True" or release_succeeded(run, task_runs),
            f"{where} condition Succeeded",
            "True (or every task but the verification task succeeded)",
            f"{condition.get('status')!r} reason {condition.get('reason')!r}: "
            f"{condition.get('message', '')}",
            where,
            condition=condition,
        ),
        *_skipped_tasks(profile, run, where),
    ]


def _skipped_tasks(profile: LaneProfile, run: dict[str, Any], where: str) -> list[Finding]:
    """Look under Succeeded (issue 20): Tekton ends a run Succeeded=True, reason Completed, when
    `when` expressions skipped tasks (status.skippedTasks; tektoncd/pipeline docs/pipelineruns.md,
    "Monitoring execution status"). Only a task the profile marks whenGuarded (the build, skipped
    on reuse; TK-09 judges that plan) may be skipped; any other skipped task never ran."""
    skipped = (run.get("status") or {}).get("skippedTasks") or []
    may_skip = sorted(t["name"] for t in profile.tekton_tasks.values() if t.get("whenGuarded"))
    subject = f"{where} status.skippedTasks"
    expected = "none, or only " + " and ".join(may_skip) + " (guarded by the plan)"
    unguarded = [s for s in skipped if not isinstance(s, dict) or s.get("name") not in may_skip]
    if not unguarded:
        names = ", ".join(s["name"] for s in skipped) or "none"
        return [passed(subject, expected, names, where)]
    return [
        failed(
            f"{subject} {task.get('name')}" if isinstance(task, dict) else subject,
            expected,
            f"skipped: {task.get('reason')}" if isinstance(task, dict) else f"entry {task!r}",
            where,
            skipped=task,
        )
        for task in unguarded
    ]


# -- the lane's pipeline tasks -------------------------------------------------------------------


@cache
def forbidden_machinery() -> dict[str, Any]:
    """The forbidden gates and CI machinery of any lane (data file; the lane's tasks
    are in its profile)."""
    return yaml_text.load(
        resources.files("pytest_agentrun").joinpath("data/tekton-lane-tasks.yaml").read_text()
    )


def task_name(profile: LaneProfile, role: str) -> str:
    return profile.tekton_tasks[role]["name"]


@dataclass(frozen=True)
class PipelineTask:
    """One task of the Pipeline with the spec it runs (None when that spec cannot be read)."""

    entry: dict[str, Any]  # the Pipeline's tasks[]/finally[] entry
    spec: dict[str, Any] | None
    where: str  # the Task object, or the Pipeline for an embedded taskSpec
    problem: str = ""

    @property
    def name(self) -> str:
        return str(self.entry.get("name", "?"))

    @property
    def ref(self) -> str:
        return str((self.entry.get("taskRef") or {}).get("name") or "(embedded taskSpec)")


def pipeline_where(profile: LaneProfile) -> str:
    return f"Pipeline {profile.tekton_namespace}/{profile.pipeline}"


def pipeline_tasks(
    profile: LaneProfile, pipeline: dict[str, Any], tasks: list[dict[str, Any]]
) -> list[PipelineTask]:
    """The Pipeline's tasks and finally tasks, each with its Task's spec or its
    embedded taskSpec."""
    ns = profile.tekton_namespace
    by_name = {t.get("metadata", {}).get("name"): t for t in tasks}
    spec = pipeline.get("spec", {})
    result = []
    for entry in [*(spec.get("tasks") or []), *(spec.get("finally") or [])]:
        if "taskSpec" in entry:
            result.append(
                PipelineTask(
                    entry, entry["taskSpec"], f"{pipeline_where(profile)} task {entry.get('name')}"
                )
            )
            continue
        ref = entry.get("taskRef") or {}
        where = f"Task {ns}/{ref.get('name')}"
        if ref.get("resolver"):
            result.append(
                PipelineTask(
                    entry,
                    None,
                    where,
                    f"taskRef resolver {ref['resolver']!r}: not readable from the cluster",
                )
            )
        elif (task := by_name.get(ref.get("name"))) is None or ref.get("kind", "Task") != "Task":
            result.append(
                PipelineTask(
                    entry,
                    None,
                    where,
                    f"{ref.get('kind', 'Task')} {ns}/{ref.get('name')} not found",
                )
            )
        else:
            result.append(PipelineTask(entry, task.get("spec") or {}, object_ref(task)))
    return result


def missing_pipeline(profile: LaneProfile) -> list[Finding]:
    return [
        failed(
            f"Pipeline {profile.pipeline}",
            "exists, so its tasks can be examined",
            "not found (404)",
            pipeline_where(profile),
        )
    ]


def unreadable(ptask: PipelineTask) -> Finding:
    return failed(
        f"pipeline task {ptask.name}",
        "a Task spec the suite can read",
        ptask.problem,
        ptask.where,
    )


def task_params(
    pipeline: dict[str, Any], run: dict[str, Any] | None, ptask: PipelineTask
) -> dict[str, str]:
    """The values a pipeline task's params take: the Pipeline's defaults overridden by the run's
    params, substituted into the pipeline task's params; the Task's own defaults for the rest."""
    pipeline_values = param_values(pipeline.get("spec", {}).get("params"), "default")
    pipeline_values |= param_values((run or {}).get("spec", {}).get("params"), "value")
    values = param_values((ptask.spec or {}).get("params"), "default")
    given = param_values(ptask.entry.get("params"), "value")
    values |= {k: substitute(v, pipeline_values) for k, v in given.items()}
    return values


def words(text: str, vocabulary: list[str]) -> list[str]:
    """The vocabulary entries that appear in text as whole words (`prod` in
    deploy-prod, not in product)."""
    lowered = text.lower()
    return [
        w
        for w in vocabulary
        if re.search(rf"(?<![a-z0-9]){re.escape(w.lower())}(?![a-z0-9])", lowered)
    ]


# -- TK-01 ---------------------------------------------------------------------------------------


@judges("TK-01")
def pipeline_and_service_account(
    profile: LaneProfile, pipeline: dict[str, Any] | None, service_account: dict[str, Any] | None
) -> list[Finding]:
    """TK-01: the lane's Pipeline and its Tekton ServiceAccount exist in the Tekton namespace."""
    ns = profile.tekton_namespace
    return [
        judge(
            pipeline is not None,
            f"Pipeline {profile.pipeline}",
            "exists",
            "exists" if pipeline else "not found (404)",
            pipeline_where(profile),
        ),
        judge(
            service_account is not None,
            f"ServiceAccount {profile.tekton_service_account}",
            "exists",
            "exists" if service_account else "not found (404)",
            f"ServiceAccount {ns}/{profile.tekton_service_account}",
        ),
    ]


# -- TK-03 ---------------------------------------------------------------------------------------

HOST_NETWORK = {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"}


@judges("TK-03")
def pipeline_run_on_host_network(
    profile: LaneProfile, commit: str, run: dict[str, Any] | None, task_runs: list[dict[str, Any]]
) -> list[Finding]:
    """TK-03: the catalog commit's PipelineRun runs its TaskRuns on the host network (DNS
    ClusterFirstWithHostNet) as the lane's Tekton ServiceAccount."""
    name = profile.pipeline_run_name(commit)
    where = f"PipelineRun {profile.tekton_namespace}/{name}"
    if run is None:
        return [
            failed(
                f"PipelineRun {name}",
                f"exists for source commit {commit}",
                "not found (404)",
                where,
            )
        ]
    template = run.get("spec", {}).get("taskRunTemplate") or {}
    pod = template.get("podTemplate") or {}
    findings = [
        judge(
            pod.get(key) == value,
            f"{where} spec.taskRunTemplate.podTemplate.{key}",
            repr(value),
            repr(pod.get(key)) if key in pod else "not set",
            where,
        )
        for key, value in HOST_NETWORK.items()
    ]
    if not task_runs:
        return findings + [
            failed(
                f"TaskRuns of {name}",
                f"run as {profile.tekton_service_account}",
                "no TaskRun of the PipelineRun (label tekton.dev/pipelineRun)",
                where,
            )
        ]
    from ..model.run_state import VERIFICATION_TASK

    for task_run in task_runs:
        spec = task_run.get("spec", {})
        account = spec.get("serviceAccountName") or template.get("serviceAccountName")
        pod = spec.get("podTemplate")
        drifted = {
            k: pod.get(k) for k, v in HOST_NETWORK.items() if pod is not None and pod.get(k) != v
        }
        # The verification task runs as its own read-only ServiceAccount, never as
        # the lane's runner.
        labels = task_run.get("metadata", {}).get("labels") or {}
        verifying = labels.get("tekton.dev/pipelineTask") == VERIFICATION_TASK
        wanted = (
            profile.verification_service_account if verifying else profile.tekton_service_account
        )
        findings.append(
            judge(
                account == wanted and not drifted,
                f"TaskRun {task_run['metadata']['name']}",
                f"runs as {wanted} with the run's host-network podTemplate",
                f"serviceAccountName {account!r}" + (f", podTemplate {drifted}" if drifted else ""),
                object_ref(task_run),
            )
        )
    return findings


# -- TK-04 ---------------------------------------------------------------------------------------

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
NO_PROXY_VARIABLES = ("NO_PROXY", "no_proxy")


@judges("TK-04")
def no_proxy_kept(
    profile: LaneProfile, pipeline: dict[str, Any] | None, tasks: list[dict[str, Any]]
) -> list[Finding]:
    """TK-04: every step of the Pipeline's tasks that goes through a proxy bypasses it for every
    entry of the profile's noProxyRequired (hyueapi.com, .hyueapi.com, the service CIDR, .svc,
    .cluster.local), in each NO_PROXY spelling it sets."""
    if pipeline is None:
        return missing_pipeline(profile)
    required = profile.no_proxy_required
    findings = []
    for ptask in pipeline_tasks(profile, pipeline, tasks):
        if ptask.spec is None:
            findings.append(unreadable(ptask))
            continue
        params = task_params(pipeline, None, ptask)
        for label, container in containers(ptask.spec):
            env = {e.get("name"): e for e in container.get("env") or []}
            subject, where = f"{ptask.name} {label} NO_PROXY", f"{ptask.where} {label}"
            set_values = {
                k: substitute(str(env[k].get("value", "")), params)
                for k in NO_PROXY_VARIABLES
                if k in env
            }
            if not set_values:
                proxied = [k for k in PROXY_VARIABLES if k in env]
                findings.append(
                    judge(
                        not proxied,
                        subject,
                        f"NO_PROXY keeping {', '.join(required)}",
                        f"{', '.join(proxied)} set without NO_PROXY"
                        if proxied
                        else "no proxy set: connects directly",
                        where,
                    )
                )
                continue
            missing = {
                k: [r for r in required if r not in {e.strip() for e in v.split(",")}]
                for k, v in set_values.items()
            }
            findings.append(
                judge(
                    not any(missing.values()),
                    subject,
                    f"keeps {', '.join(required)}",
                    "; ".join(
                        f"{k}={v!r}" + (f" lacks {', '.join(missing[k])}" if missing[k] else "")
                        for k, v in set_values.items()
                    ),
                    where,
                    no_proxy=set_values,
                )
            )
    return findings


# -- TK-05 ---------------------------------------------------------------------------------------


def github_remotes(profile: LaneProfile) -> re.Pattern[str]:
    """GitHub remotes a task must never use: SSH (scp-like or ssh://) and HTTPS of the
    source repo's host."""
    host = re.escape(re.search(r"([\w.-]+\.[a-z]{2,})[:/]", profile.source_repo).group(1))
    return re.compile(rf"ssh://\S+|git@{host}:\S*|https?://(?:[^/\s@]+@)?{host}\S*", re.IGNORECASE)


def _mirror_step(
    profile: LaneProfile,
    pipeline: dict[str, Any],
    run: dict[str, Any] | None,
    ptask: PipelineTask | None,
    role: str,
    url: str,
    verbs: tuple[str, ...],
    also: tuple[str, ...],
    expected: str,
) -> Finding:
    """The task of a role has a step that runs one of `verbs` against `url` (after
    param substitution)."""
    if ptask is None:
        return failed(
            f"{role} task {task_name(profile, role)}",
            expected,
            "no such task in the Pipeline",
            pipeline_where(profile),
        )
    if ptask.spec is None:
        return unreadable(ptask)
    params = task_params(pipeline, run, ptask)
    steps = [
        (label, substitute(container_text(c), params))
        for label, c in containers(ptask.spec)
        if label.startswith("step")
    ]
    for label, text in steps:
        if url in text and any(v in text for v in verbs) and all(a in text for a in also):
            return passed(
                f"{ptask.name} {label}",
                expected,
                f"{' or '.join(verbs)} with {url}",
                f"{ptask.where} {label}",
            )
    found = ", ".join(f"{k}={v}" for k, v in params.items()) or "no params"
    return failed(
        f"{role} task {ptask.name}",
        expected,
        f"no step runs {' or '.join(verbs)} with {url}"
        + (f" and {', '.join(also)}" if also else "")
        + f" (params: {found})",
        ptask.where,
        params=params,
    )


@judges("TK-05")
def checkout_and_push_through_mirror(
    profile: LaneProfile,
    commit: str,
    pipeline: dict[str, Any] | None,
    tasks: list[dict[str, Any]],
    run: dict[str, Any] | None,
) -> list[Finding]:
    """TK-05: source preparation fetches the full source commit through the mirror read URL,
    promotion pushes through the mirror write URL, and no step, param or run param uses GitHub
    over SSH or HTTPS."""
    if pipeline is None:
        return missing_pipeline(profile)
    ptasks = pipeline_tasks(profile, pipeline, tasks)
    by_name = {p.name: p for p in ptasks}
    read, write = profile.mirror_read_url, profile.mirror_write_url
    findings = [
        _mirror_step(
            profile,
            pipeline,
            run,
            by_name.get(task_name(profile, "source")),
            "source",
            read,
            ("git fetch", "git clone"),
            (commit,),
            f"checks out {commit} by full SHA through {read}",
        ),
        _mirror_step(
            profile,
            pipeline,
            run,
            by_name.get(task_name(profile, "promote")),
            "promote",
            write,
            ("git push",),
            (),
            f"pushes through {write}",
        ),
    ]
    github = github_remotes(profile)
    run_params = {
        p.get("name"): p.get("value") for p in (run or {}).get("spec", {}).get("params") or []
    }
    defaults = {
        p.get("name"): p.get("default") for p in pipeline.get("spec", {}).get("params") or []
    }
    hits = [
        f"{k}={v}"
        for k, v in {**defaults, **run_params}.items()
        if isinstance(v, str) and github.search(v)
    ]
    findings.append(
        judge(
            not hits,
            "Pipeline params and the run's params",
            "no GitHub SSH/HTTPS remote",
            "; ".join(hits) or "none",
            pipeline_where(profile),
        )
    )
    for ptask in ptasks:
        if ptask.spec is None:
            findings.append(unreadable(ptask))
            continue
        params = task_params(pipeline, run, ptask)
        texts = [
            (label, substitute(container_text(c), params)) for label, c in containers(ptask.spec)
        ]
        texts += [(f"param {k}", v) for k, v in params.items()]
        hits = [
            f"{label}: {m.group(0)}" for label, text in texts for m in [github.search(text)] if m
        ]
        findings.append(
            judge(
                not hits,
                f"pipeline task {ptask.name} steps and params",
                "no GitHub SSH/HTTPS fetch or push",
                "; ".join(hits) or "none",
                ptask.where,
            )
        )
    return findings


# -- TK-06 ---------------------------------------------------------------------------------------


@judges("TK-06")
def pipeline_tasks_are_the_lane_kinds(
    profile: LaneProfile, pipeline: dict[str, Any] | None, tasks: list[dict[str, Any]]
) -> list[Finding]:
    """TK-06: the Pipeline runs exactly the lane's tasks (source preparation, check, plan,
    image publish with BuildKit, promotion; a when-guarded image build), and no self-test,
    dev or prod gate."""
    if pipeline is None:
        return missing_pipeline(profile)
    lane, lane_tasks = forbidden_machinery(), profile.tekton_tasks
    roles = {t["name"]: t for t in lane_tasks.values()}
    ptasks = pipeline_tasks(profile, pipeline, tasks)
    findings = []
    for ptask in ptasks:
        gates = words(f"{ptask.name} {ptask.ref}", lane["forbiddenGates"])
        role = roles.get(ptask.name)
        problems = [f"a {'/'.join(gates)} gate"] if gates else []
        if role is None:
            problems.append("not a task of the lane")
        elif role.get("whenGuarded") and not ptask.entry.get("when"):
            problems.append("runs without a `when` guard")
        findings.append(
            judge(
                not problems,
                f"pipeline task {ptask.name} (taskRef {ptask.ref})",
                "one of the lane's tasks: " + ", ".join(roles),
                "; ".join(problems) or role["role"],
                f"{pipeline_where(profile)} task {ptask.name}",
            )
        )
    by_name = {p.name: p for p in ptasks}
    for key, role in lane_tasks.items():
        names = [lane_tasks[k]["name"] for k in [key, *role.get("runsWith", [])]]
        present = [by_name[name] for name in names if name in by_name]
        text = "\n".join(
            container_text(c) for p in present for _, c in containers(p.spec or {})
        ).lower()
        missing = [r for r in role.get("runs", []) if r.lower() not in text]
        if role["name"] not in by_name:
            findings.append(
                judge(
                    role.get("optional", False),
                    f"lane task {role['name']} ({role['role']})",
                    "in the Pipeline",
                    "absent" + (" (optional)" if role.get("optional") else ""),
                    pipeline_where(profile),
                )
            )
        elif by_name[role["name"]].spec is None:
            findings.append(unreadable(by_name[role["name"]]))
        else:
            expected = "in the Pipeline" + (
                f", running {', '.join(role['runs'])}" if role.get("runs") else ""
            )
            findings.append(
                judge(
                    not missing,
                    f"lane task {role['name']} ({role['role']})",
                    expected,
                    f"no step runs {', '.join(missing)}" if missing else "present",
                    by_name[role["name"]].where,
                )
            )
    return findings


# -- TK-07 ---------------------------------------------------------------------------------------


def _docker_or_runner(container: dict[str, Any]) -> list[str]:
    """Why a step or sidecar looks like a Docker daemon, DinD or a custom runner (empty
    when it does not)."""
    lane = forbidden_machinery()
    image = str(container.get("image") or "")
    problems = [
        f"image {image} ({w})"
        for w in words(image, lane["dockerDaemon"]["images"] + lane["forbiddenWorkloads"])
    ]
    if (container.get("securityContext") or {}).get("privileged"):
        problems.append("securityContext.privileged: true")
    text = (
        container_text(container)
        + "\n"
        + yaml.safe_dump(container.get("env") or [])
        + yaml.safe_dump(container.get("volumeMounts") or [])
    ).lower()
    problems += [f"uses {t}" for t in lane["dockerDaemon"]["text"] if t.lower() in text]
    return problems


@judges("TK-07")
def no_custom_runner_or_docker_daemon(
    profile: LaneProfile,
    pipeline: dict[str, Any] | None,
    tasks: list[dict[str, Any]],
    workloads: dict[str, list[dict[str, Any]]],
) -> list[Finding]:
    """TK-07: no DinD image, privileged container, Docker socket or CI.json runner in the Pipeline's
    tasks, and no runner/poller/reconciler Deployment or StatefulSet (by name or image) in the
    Tekton or runtime namespace."""
    lane = forbidden_machinery()
    findings = missing_pipeline(profile) if pipeline is None else []
    for ptask in pipeline_tasks(profile, pipeline, tasks) if pipeline else []:
        if ptask.spec is None:
            findings.append(unreadable(ptask))
            continue
        problems = [
            f"{label}: {p}" for label, c in containers(ptask.spec) for p in _docker_or_runner(c)
        ]
        problems += [
            f"volume {v.get('name')}: hostPath {v['hostPath'].get('path')}"
            for v in ptask.spec.get("volumes") or []
            if "docker.sock" in str((v.get("hostPath") or {}).get("path", ""))
        ]
        findings.append(
            judge(
                not problems,
                f"pipeline task {ptask.name} steps and sidecars",
                "no Docker daemon, DinD, privileged container or custom runner",
                "; ".join(problems) or "none",
                ptask.where,
            )
        )
    for namespace, objects in workloads.items():
        if not objects:
            findings.append(
                passed(
                    f"workloads in {namespace}",
                    "no runner/poller/reconciler Deployment or StatefulSet",
                    "no Deployment or StatefulSet",
                    f"Namespace {namespace}",
                )
            )
        for obj in objects:
            pod = pod_spec(obj)
            images = [
                c.get("image", "")
                for c in [*(pod.get("containers") or []), *(pod.get("initContainers") or [])]
            ]
            problems = [
                f"name ({w})" for w in words(obj["metadata"]["name"], lane["forbiddenWorkloads"])
            ]
            problems += [
                f"image {i} ({w})"
                for i in images
                for w in words(i, lane["forbiddenWorkloads"] + lane["dockerDaemon"]["images"])
            ]
            findings.append(
                judge(
                    not problems,
                    f"{obj.get('kind')} {obj['metadata']['name']}",
                    "not a runner, poller, reconciler or Docker daemon",
                    "; ".join(problems) or ", ".join(images),
                    object_ref(obj),
                )
            )
    return findings


# -- TK-08 ---------------------------------------------------------------------------------------


def task_run_of(
    profile: LaneProfile, task_runs: list[dict[str, Any]], role: str
) -> dict[str, Any] | None:
    """The TaskRun of the lane task with this role (label tekton.dev/pipelineTask)."""
    name = task_name(profile, role)
    return next(
        (
            r
            for r in task_runs
            if r.get("metadata", {}).get("labels", {}).get("tekton.dev/pipelineTask") == name
        ),
        None,
    )


def result_of(task_run: dict[str, Any], name: str) -> Any:
    """A TaskRun result's value as the lane means it (tekton_results: a trailing newline from `echo`
    is no part of it): `name`, or `object.property` of an object result."""
    return tekton_results.result(task_run, name)


def plan_summary(
    profile: LaneProfile, task_runs: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, str | None, PlanSummary | None]:
    """The plan TaskRun, its planArtifacts.summary (normalised), and the summary parsed (None
    when malformed)."""
    run = task_run_of(profile, task_runs, "plan")
    summary = result_of(run, "planArtifacts.summary") if run else None
    return run, summary, PlanSummary.parse(summary)


def missing_task_run(profile: LaneProfile, run_name: str, role: str) -> Finding:
    return failed(
        f"{task_name(profile, role)} TaskRun of {run_name}",
        "exists (label tekton.dev/pipelineTask)",
        "not found",
        f"PipelineRun {profile.tekton_namespace}/{run_name}",
    )


@judges("TK-08")
def plan_summary_safe(
    profile: LaneProfile, run_name: str, task_runs: list[dict[str, Any]]
) -> list[Finding]:
    """TK-08: the plan TaskRun's planArtifacts.summary reads `build=N reuse=M
    unsafeReuse=K` with K = 0."""
    run, summary, parsed = plan_summary(profile, task_runs)
    if run is None:
        return [missing_task_run(profile, run_name, "plan")]
    return [
        judge(
            parsed is not None and parsed.safe,
            f"{task_name(profile, 'plan')} result planArtifacts.summary",
            "build=N reuse=M unsafeReuse=0",
            repr(summary) if summary is not None else "no planArtifacts.summary result",
            f"{object_ref(run)} status.results",
        )
    ]


# -- TK-09 ---------------------------------------------------------------------------------------


def _changes(
    profile: LaneProfile, old: Catalog, new: Catalog, changed_files: list[str], service_id: str
) -> InputChanges:
    old_entry, new_entry = old.service(service_id) or {}, new.service(service_id) or {}
    return classify(profile, changed_files, old_entry.get("imageRef"), new_entry.get("imageRef"))


def recorded_tags(catalogs: Iterable[Catalog]) -> set[str]:
    """Every env image tag the given catalog versions recorded (unreadable versions record none)."""
    tags = set()
    for catalog in catalogs:
        for entry in catalog.services() if catalog.usable else []:
            image = entry.get("image") if isinstance(entry.get("image"), dict) else {}
            tags |= {image["tag"]} if isinstance(image.get("tag"), str) else set()
    return tags


@judges("TK-09")
def env_reuse_follows_inputs(
    profile: LaneProfile,
    current: Catalog,
    previous: Catalog | None,
    changed_files: list[str] | None,
    task_runs: list[dict[str, Any]],
    registry_tags: TagListing | None = None,
    earlier_tags: set[str] | None = None,
) -> list[Finding]:
    """TK-09: when no env-identity input changed since the previous catalog's source commit, the
    release reused the env image (plan build=0 reuse=1 unsafeReuse=0, image-publish status=reused,
    no image-build TaskRun, the previous tag, and no tag in the registry that no earlier catalog
    recorded: `earlier_tags`); when one changed, it built a new envIdentity (status built,
    image-build succeeded)."""
    findings, reuses = [], []
    for entry in current.services():
        sid = entry.get("serviceId")
        before = previous.service(sid) if previous else None
        changes = _changes(profile, previous, current, changed_files or [], sid) if before else None
        reuse = changes is not None and not changes.changed
        reuses.append(reuse)
        basis = (
            f"since {previous.where}: {changes.describe()}"
            if changes
            else "no previous catalog entry: a first env image"
        )
        tag, old_tag = _tag(entry), _tag(before or {})
        if reuse:
            ok = tag == old_tag and entry.get("status") == "reused"
            expected = f"the previous tag {old_tag}, status reused ({basis})"
        else:
            ok = (
                entry.get("envIdentity") != (before or {}).get("envIdentity")
                and entry.get("status") == "built"
            )
            expected = f"a new envIdentity, status built ({basis})"
        findings.append(
            judge(
                ok,
                f"catalog {sid} env image",
                expected,
                f"envIdentity {entry.get('envIdentity')}, tag {tag}, status {entry.get('status')}",
                current.line(f'"{sid}"'),
                changes=asdict(changes) if changes else None,
            )
        )
    run_name = profile.pipeline_run_name(current.source_commit())
    reuse = bool(reuses) and all(reuses)
    findings += _run_followed(profile, run_name, task_runs, reuse)
    if reuse:
        findings.append(_no_new_tag(profile, registry_tags, earlier_tags or set()))
    return findings


def _tag(entry: dict[str, Any]) -> Any:
    image = entry.get("image")
    return image.get("tag") if isinstance(image, dict) else None


def _no_new_tag(profile: LaneProfile, listing: TagListing | None, earlier: set[str]) -> Finding:
    """On reuse, the registry's tag list holds no env image tag that no earlier catalog recorded."""
    subject = f"env image tags in the registry ({profile.env_repository})"
    expected = "no tag beyond those the earlier catalogs recorded: " + (
        ", ".join(sorted(earlier)) or "none"
    )
    if listing is None or listing.tags is None:
        reason = (
            f"the registry did not answer: {listing.problem}"
            if listing
            else "the registry's tag list was not read"
        )
        return undecided(
            subject, expected, reason, listing.where if listing else profile.env_repository
        )
    new = sorted(set(listing.tags) - earlier)
    found = f"new tag(s) {', '.join(new)}" if new else f"{len(listing.tags)} tag(s), none new"
    return judge(not new, subject, expected, found, listing.where, tags=list(listing.tags))


def _run_followed(
    profile: LaneProfile, run_name: str, task_runs: list[dict[str, Any]], reuse: bool
) -> list[Finding]:
    """The TaskRuns of the release did what the source diff calls for: reuse or build."""
    findings = []
    plan, summary, parsed = plan_summary(profile, task_runs)
    if plan is None:
        findings.append(missing_task_run(profile, run_name, "plan"))
    else:
        if reuse:
            ok = summary == "build=0 reuse=1 unsafeReuse=0"  # exactly, as the lane writes it
        else:
            ok = parsed is not None and parsed.build > 0 and parsed.safe
        findings.append(
            judge(
                ok,
                "plan result planArtifacts.summary",
                "build=0 reuse=1 unsafeReuse=0" if reuse else "build=N (N > 0) unsafeReuse=0",
                repr(summary),
                f"{object_ref(plan)} status.results",
            )
        )
    publish = task_run_of(profile, task_runs, "publish")
    if publish is None:
        findings.append(missing_task_run(profile, run_name, "publish"))
    else:
        status = result_of(publish, "status")
        findings.append(
            judge(
                status == ("reused" if reuse else "built"),
                f"{task_name(profile, 'publish')} result status",
                "reused" if reuse else "built",
                repr(status),
                f"{object_ref(publish)} status.results",
            )
        )
    build = task_run_of(profile, task_runs, "build")
    where = object_ref(build) if build else f"PipelineRun {profile.tekton_namespace}/{run_name}"
    if reuse:
        findings.append(
            judge(
                build is None,
                f"{task_name(profile, 'build')} TaskRun",
                "none (the build is skipped on reuse)",
                "ran" if build else "none",
                where,
            )
        )
    else:
        state = succeeded_condition(build).get("status") if build else None
        findings.append(
            judge(
                state == "True",
                f"{task_name(profile, 'build')} TaskRun",
                "ran and Succeeded=True",
                f"Succeeded={state}" if build else "none",
                where,
            )
        )
    return findings


# -- TK-10 ---------------------------------------------------------------------------------------


def _source_commit(catalog: Catalog) -> str | None:
    try:
        return catalog.source_commit()
    except EvidenceError:
        return None


def consecutive_source_commits(versions: list[tuple[CommitInfo, Catalog]]) -> list[tuple[str, str]]:
    """(older, newer) source commits of each two consecutive catalog versions (newest first) whose
    source commits can be read: the source diffs TK-10 needs."""
    commits = [_source_commit(catalog) for _, catalog in versions]
    return [(old, new) for new, old in zip(commits, commits[1:]) if old and new]


def read_diffs(
    read: Callable[[str, str], list[str]], pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], list[str] | str]:
    """The files changed for each (old, new) pair through `read` (the source reader's
    changed_files); a diff that cannot be read keeps its reason, so that pair cannot be decided
    instead of the test erroring."""
    diffs: dict[tuple[str, str], list[str] | str] = {}
    for old, new in pairs:
        try:
            diffs[(old, new)] = read(old, new)
        except EvidenceError as exc:
            diffs[(old, new)] = (
                f"the source diff {old[:12]}..{new[:12]} could not be read: {exc.reason}"
            )
    return diffs


@judges("TK-10")
def env_identity_follows_inputs(
    profile: LaneProfile,
    versions: list[tuple[CommitInfo, Catalog]],
    changed: dict[tuple[str, str], list[str] | str],
) -> list[Finding]:
    """TK-10: across consecutive catalog versions, each service's envIdentity changes exactly when
    an env-identity input changed between their source commits. `versions` is newest first;
    `changed` maps (old, new) source commits to the files changed between them (absent, or the
    reason it could not be read: undecided). With fewer than two versions there is no change to
    judge: the criterion's text has no case in which it does not apply, so that is "cannot be
    decided", never a pass."""
    if len(versions) < 2:
        where = (
            versions[0][1].where if versions else f"{profile.gitops_branch}:{profile.catalog_path}"
        )
        return [
            undecided(
                "catalog history",
                "two or more catalog versions to compare",
                f"{len(versions)} version(s) of the catalog: no change of envIdentity to judge yet",
                where,
            )
        ]
    findings = []
    for (_, new), (_, old) in zip(versions, versions[1:]):
        findings += _versions_agree(profile, old, new, changed)
    return findings


def _versions_agree(
    profile: LaneProfile,
    old: Catalog,
    new: Catalog,
    changed: dict[tuple[str, str], list[str] | str],
) -> list[Finding]:
    """TK-10 on one pair of consecutive versions: a finding per service present in both,
    or why none can be."""
    subject, where = f"envIdentity {old.where} -> {new.where}", new.where
    unreadable = [
        f"{c.where}: {c.error or 'not a JSON object'}" for c in (old, new) if not c.usable
    ]
    if unreadable:
        return [undecided(subject, "both catalog versions readable", "; ".join(unreadable), where)]
    commits = (_source_commit(old), _source_commit(new))
    files = changed.get(commits) if all(commits) else "a version has no full 40-hex sourceCommit"
    if not isinstance(files, list):
        reason = files or f"the source diff {commits[0][:12]}..{commits[1][:12]} was not read"
        return [
            undecided(
                subject,
                "the source diff between the two versions' source commits",
                reason,
                where,
            )
        ]
    findings = []
    for entry in new.services():
        sid = entry.get("serviceId")
        before = old.service(sid) if isinstance(sid, str) else None
        if before is None:
            continue
        changes = _changes(profile, old, new, files, sid)
        moved = before.get("envIdentity") != entry.get("envIdentity")
        findings.append(
            judge(
                moved == changes.changed,
                f"{sid} envIdentity {old.where} -> {new.where}",
                "a new envIdentity"
                if changes.changed
                else f"unchanged ({before.get('envIdentity')})",
                f"{before.get('envIdentity')} -> {entry.get('envIdentity')}; {changes.describe()}",
                new.line(f'"{sid}"'),
                changes=asdict(changes),
            )
        )
    return findings or [
        undecided(
            subject,
            "a service present in both versions",
            f"no service entry of {new.where} is in {old.where}",
            where,
        )
    ]


# -- TK-11 ---------------------------------------------------------------------------------------


@judges("TK-11")
def source_branch_untouched_by_ci(
    profile: LaneProfile, head: str | None, history: list[CommitInfo]
) -> list[Finding]:
    """TK-11: no commit on the source branch touches the catalog or the runtime path, and none is
    authored or committed by the CI identity. That second rule also decides "deploy.json changed
    only by hand": a CI change to deploy.json is a CI commit, so it is not judged twice."""
    branch = profile.source_branch
    ci = profile.ci_identity
    if head is None:
        return [
            undecided(
                f"branch {branch}",
                "its history, to show no CI commit on it",
                "the branch does not exist in the source repository",
                branch,
            )
        ]
    generated = (profile.catalog_path, profile.runtime_path.rstrip("/") + "/")

    def by_ci(c: CommitInfo) -> bool:
        return ci["email"] in (c.author_email, c.committer_email) or c.author == ci["name"]

    rules = [
        (
            "touches the catalog or the runtime path",
            f"no commit touches {profile.catalog_path} or {profile.runtime_path}/",
            lambda c: [f for f in c.files if f == generated[0] or f.startswith(generated[1])],
        ),
        (
            "is by the CI identity",
            f"no commit authored or committed by {ci['name']} <{ci['email']}> "
            f"(so {profile.deploy_intent_path} changed only by hand)",
            lambda c: (
                [
                    f"{c.author} <{c.author_email}>, committer {c.committer_email}"
                    + (
                        f", changing {profile.deploy_intent_path}"
                        if profile.deploy_intent_path in c.files
                        else ""
                    )
                ]
                if by_ci(c)
                else []
            ),
        ),
    ]
    findings = []
    for label, expected, offence in rules:
        offenders = [(c, offence(c)) for c in history if offence(c)]
        findings += [
            failed(
                f"commit {c.sha[:12]} {(c.message.splitlines() or [''])[0]!r}",
                expected,
                f"{label}: {', '.join(found)}",
                f"{branch}@{c.sha[:12]}",
            )
            for c, found in offenders
        ]
        if not offenders:
            findings.append(
                passed(
                    f"{len(history)} commits of {branch}",
                    expected,
                    "none",
                    f"{branch}@{head[:12]}",
                )
            )
    return findings
