"""The in-cluster install as rendered: valid against the real Tekton CRDs and the Kubernetes
schemas, hardened, least-privilege, and patches that add to the lane Pipeline and PipelineRun
without touching the rest. (On a running sandbox lane: test_incluster_sandbox.py,
test_incluster_e2e.py.)"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import jsonpatch
import kubernetes_validate
import pytest
import yaml

from agentrun_sandbox.lane_objects.meta import _lane_values, load_template
from pytest_agentrun.drive.trigger import pipeline_run
from pytest_agentrun.incluster import install, render, results
from pytest_agentrun.verdict.exitcodes import ExitCode
from pytest_agentrun.lane import LaneConfig, LaneProfile
from test_lane_objects import crd_problems

ROOT = Path(__file__).resolve().parents[1]
MUTATING = {
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "escalate",
    "bind",
    "impersonate",
    "*",
}
LANE_TASKS = ["prepare-source", "check", "plan", "image-build", "image-publish", "promote"]


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


@pytest.fixture(scope="module", params=render.MODES)
def rendered(request, profile):
    return render.render(profile, mode=request.param)


def lane_pipeline(profile) -> dict:
    """The lane Pipeline as the sandbox holds it (the template of the real lane's)."""
    return load_template("tekton-pipeline.yaml", _lane_values(profile.data))


def test_task_validates_against_the_tekton_crd_in_both_worktree_modes(rendered):
    [task] = rendered["acceptance-task.yaml"]
    assert not crd_problems(task)


def test_core_kinds_validate_against_the_kubernetes_schemas(profile):
    files = render.render(profile, with_drive_role=True)
    core = [o for o in files["rbac.yaml"] + files["drive-role.yaml"]]
    assert {o["kind"] for o in core} == {
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
    }
    for obj in core:
        kubernetes_validate.validate(obj, "1.32", strict=True)


def steps(task: dict) -> dict[str, dict]:
    return {s["name"]: s for s in task["spec"]["steps"]}


def test_steps_settle_then_judge_then_report(profile, rendered):
    [task] = rendered["acceptance-task.yaml"]
    named = steps(task)
    assert list(named) == ["prepare", "settle", "acceptance", "verdict"]
    assert (
        "agentrun-lane settle" in named["settle"]["script"]
        and named["settle"]["onError"] == "continue"
    )
    assert '"settled": true' in named["acceptance"]["script"], (
        "the suite runs only on a settled lane"
    )
    assert (
        f"pytest acceptance -p no:cacheprovider --lane {profile.lane}"
        in named["acceptance"]["script"]
    )
    assert named["acceptance"]["onError"] == "continue", (
        "the verdict step must run even when pytest fails"
    )
    # task_results through its current entry point (verdict.json); not-settled from results.py
    verdict = named["verdict"]["script"]
    assert (
        "python -m pytest_agentrun.incluster.task_results --junit" in verdict
        and "--exit-with-verdict" in verdict
    )
    assert '--verdict-json "$reports/verdict.json"' in verdict and "--failed-criteria" in verdict
    assert "python -m pytest_agentrun.incluster.results --settle" in verdict
    assert [r["name"] for r in task["spec"]["results"]] == [
        "verdict",
        "passed",
        "failed",
        "errors",
        "counts",
        "failed-criteria",
    ]
    config = named["prepare"]["script"]
    assert "inCluster: true" in config and profile["mirror"]["readUrl"] in config
    assert "github" not in yaml.safe_dump(task).lower(), "TK-05: no task names a GitHub remote"


def test_git_credentials_the_git_clone_way_never_printed(rendered):
    [task] = rendered["acceptance-task.yaml"]
    workspaces = {w["name"]: w for w in task["spec"]["workspaces"]}
    assert workspaces["ssh-directory"]["optional"] and workspaces["basic-auth"]["optional"]
    script = steps(task)["prepare"]["script"]
    for line in (
        'cp "$BASIC_AUTH_PATH/.git-credentials" "$HOME/.git-credentials"',
        'chmod 700 "$HOME/.ssh"',
        'cp -R "$SSH_PATH" "$HOME/.ssh"',
        "credentials: $credentials",
    ):
        assert line in script
    assert not re.search(r"\b(cat|echo|printf)\b[^\n]*(\.git-credentials|\.ssh)", script), (
        "never printed"
    )


def test_worktree_is_read_only_and_placed_on_its_host(profile):
    worktree = profile["sourceWorktree"]
    files = render.render(profile, mode="hostpath")
    [task] = files["acceptance-task.yaml"]
    [volume] = [v for v in task["spec"]["volumes"] if "hostPath" in v]
    assert volume["hostPath"] == {"path": worktree["path"], "type": "Directory"}
    mounts = [
        m
        for s in task["spec"]["steps"]
        for m in s.get("volumeMounts") or []
        if m["name"] == volume["name"]
    ]
    assert mounts and all(m["readOnly"] for m in mounts)
    [spec] = [
        op["value"] for op in files["pipelinerun-patch.json"] if op["path"] == "/spec/taskRunSpecs"
    ]
    assert spec[0]["podTemplate"]["nodeSelector"] == worktree["nodeSelector"]

    files = render.render(profile, mode="workspace")
    [task] = files["acceptance-task.yaml"]
    [ws] = [w for w in task["spec"]["workspaces"] if w["name"] == "source-worktree"]
    assert (
        ws["readOnly"]
        and ws["mountPath"] == worktree["path"]
        and "volumeMounts" not in steps(task)["acceptance"]
    )
    bindings = [
        op["value"] for op in files["pipelinerun-patch.json"] if op["path"] == "/spec/workspaces/-"
    ]
    assert {
        "name": "acceptance-worktree",
        "persistentVolumeClaim": {"claimName": worktree["claimName"], "readOnly": True},
    } in bindings


def test_every_step_is_hardened_with_resources(rendered):
    [task] = rendered["acceptance-task.yaml"]
    template = task["spec"]["stepTemplate"]
    assert template["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 65532,
        "runAsGroup": 65532,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    for step in task["spec"]["steps"]:
        assert "securityContext" not in step, "a step must not loosen the template"
        resources = step.get("computeResources") or template["computeResources"]
        assert resources["requests"] and resources["limits"]
    # a read-only root filesystem needs writable HOME and TMPDIR: both are emptyDir volumes
    env = {e["name"]: e["value"] for e in template["env"]}
    mounts = {m["mountPath"] for m in template["volumeMounts"]}
    assert {env["HOME"], env["TMPDIR"]} <= mounts


def rules_of(objects, kind):
    return [
        (o["metadata"].get("namespace"), rule)
        for o in objects
        if o["kind"] == kind
        for rule in o["rules"]
    ]


def test_rbac_is_namespaced_and_read_only(profile):
    objects = render.render(profile)["rbac.yaml"]
    roles = {o["metadata"]["namespace"]: o["rules"] for o in objects if o["kind"] == "Role"}
    assert set(roles) == {
        profile.tekton_namespace,
        profile.runtime_namespace,
        profile["argocd"]["namespace"],
    }
    for _, rule in rules_of(objects, "Role") + rules_of(objects, "ClusterRole"):
        assert not MUTATING & set(rule["verbs"]), rule
    [(_, cluster)] = rules_of(objects, "ClusterRole")
    assert cluster == {
        "apiGroups": [""],
        "resources": ["namespaces"],
        "resourceNames": [profile.runtime_namespace],
        "verbs": ["get"],
    }, "the only cluster-scoped read: the runtime namespace, by name"
    # RT-06 sees every object of the runtime namespace: read on every kind there, and only there
    # and the logs of troubled Pods (RT-02/RT-03 evidence), named so a narrower read keeps them
    assert roles[profile.runtime_namespace] == [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    ]
    for namespace in (profile.tekton_namespace, profile["argocd"]["namespace"]):
        assert all(
            "*" not in r["resources"] and "secrets" not in r["resources"] for r in roles[namespace]
        ), "no Secret of the Tekton or Argo CD namespace (the git credentials) is readable"
    for binding in (o for o in objects if o["kind"].endswith("Binding")):
        assert binding["subjects"] == [
            {
                "kind": "ServiceAccount",
                "name": render.task_name(profile),
                "namespace": profile.tekton_namespace,
            }
        ]


def test_the_install_in_the_runtime_namespace_is_declared_no_drift(profile):
    """RT-06 fails any untracked object of the runtime namespace; the lane profile
    names the install's."""
    named = {
        (r.get("group", ""), r["kind"], r["name"]) for r in profile["untrackedObjects"]["named"]
    }
    installed = {
        (o["apiVersion"].rpartition("/")[0], o["kind"], o["metadata"]["name"])
        for o in render.render(profile)["rbac.yaml"]
        if o["metadata"].get("namespace") == profile.runtime_namespace
    }
    assert installed and installed <= named


def test_drive_role_is_absent_by_default_and_narrow_when_asked(profile):
    assert "drive-role.yaml" not in render.render(profile)
    drive = render.render(profile, with_drive_role=True)["drive-role.yaml"]
    [role, refresh] = [o for o in drive if o["kind"] == "Role"]
    assert {tuple(r["resources"]): tuple(r["verbs"]) for r in role["rules"]} == {
        ("pipelineruns",): ("create", "get", "list", "watch"),
        ("taskruns",): ("get", "list", "watch"),
    }
    assert refresh["rules"] == [
        {
            "apiGroups": ["argoproj.io"],
            "resources": ["applications"],
            "resourceNames": [profile["argocd"]["application"]],
            "verbs": ["get", "patch"],
        }
    ]


def test_pipeline_patch_adds_the_task_and_keeps_the_lanes_six(profile, rendered):
    before = lane_pipeline(profile)
    after = jsonpatch.apply_patch(before, rendered["pipeline-patch.json"])
    assert [t["name"] for t in after["spec"]["tasks"]] == LANE_TASKS + ["acceptance"]
    assert after["spec"]["tasks"][:6] == before["spec"]["tasks"], "the lane's tasks are untouched"
    assert (
        after["spec"]["params"] == before["spec"]["params"]
        and after["metadata"] == before["metadata"]
    )
    assert {op["op"] for op in rendered["pipeline-patch.json"]} == {"add"}
    [task] = [t for t in after["spec"]["tasks"] if t["name"] == "acceptance"]
    assert task["runAfter"] == ["promote"] and task["taskRef"]["name"] == render.task_name(profile)
    declared = {w["name"] for w in after["spec"]["workspaces"]}
    assert {w["workspace"] for w in task["workspaces"]} <= declared
    assert not crd_problems(after)


def test_pipelinerun_patch_binds_the_workspaces_and_the_service_account(profile, rendered):
    config = LaneConfig.load(profile, None, Path("/nonexistent"))
    run = pipeline_run(config, "a" * 40)
    pipeline = install.patched_pipeline(lane_pipeline(profile), rendered)
    after = install.apply_to_run(run, pipeline)
    assert (
        after["spec"]["taskRunTemplate"] == run["spec"]["taskRunTemplate"]
        and after["spec"]["params"] == run["spec"]["params"]
    )
    [spec] = after["spec"]["taskRunSpecs"]
    assert spec["pipelineTaskName"] == "acceptance" and spec[
        "serviceAccountName"
    ] == render.task_name(profile)
    bound = {w["name"] for w in after["spec"]["workspaces"]}
    required = {w["name"] for w in pipeline["spec"]["workspaces"] if not w.get("optional")}
    assert required <= bound, (
        "Tekton rejects a PipelineRun that leaves a required workspace unbound"
    )
    assert not crd_problems(after)
    # a template that already has taskRunSpecs keeps them
    other = {"pipelineTaskName": "plan", "serviceAccountName": "x"}
    kept = install.apply_to_run({**run, "spec": {**run["spec"], "taskRunSpecs": [other]}}, pipeline)
    assert kept["spec"]["taskRunSpecs"][0] == other and len(kept["spec"]["taskRunSpecs"]) == 2
    assert install.apply_to_run(run, lane_pipeline(profile)) == run, (
        "no install recorded: the run is unchanged"
    )


def test_install_creates_the_arrays_a_pipeline_lacks(profile, rendered):
    bare = lane_pipeline(profile)
    del bare["spec"]["results"], bare["spec"]["workspaces"]
    after = install.patched_pipeline(bare, rendered)
    assert [r["name"] for r in after["spec"]["results"]] == [
        "acceptance-verdict",
        "acceptance-failed-criteria",
    ]
    assert [t["name"] for t in after["spec"]["tasks"]] == LANE_TASKS + ["acceptance"]


def test_install_refuses_a_pipeline_that_already_has_it(profile, rendered):
    once = install.patched_pipeline(lane_pipeline(profile), rendered)
    with pytest.raises(Exception, match="already has a task 'acceptance'"):
        install.patched_pipeline(copy.deepcopy(once), rendered)


def test_render_uses_no_lane_literal_beyond_the_profile(profile):
    tasks = {
        **profile.tekton_tasks,
        "verify": {**profile.tekton_tasks["verify"], "serviceAccount": "agentrun-v02-acceptance"},
    }
    other = LaneProfile(
        {
            **profile.data,
            "lane": "v0.2",
            "runtimeNamespace": "agentrun-v02",
            "tekton": {**profile["tekton"], "namespace": "agentrun-ci-v02", "tasks": tasks},
        }
    )
    text = yaml.safe_dump(render.render(other))
    assert "agentrun-v02-acceptance" in text and "--lane v0.2" in text and "agentrun-ci-v02" in text
    assert "agentrun-v01-acceptance" not in text


def result_args(tmp_path, settle: str | None):
    paths = {n: tmp_path / n for n in results.RESULTS}
    if settle is not None:
        (tmp_path / "settle.json").write_text(settle)
    return paths, [
        "--settle",
        str(tmp_path / "settle.json"),
        *[a for n, p in paths.items() for a in (f"--{n}", str(p))],
    ]


@pytest.mark.parametrize(
    "settle, verdict",
    [
        ('{"settled": false, "timeout": 3}', "not-settled"),
        ('{"settled": false, "error": "cannot use in-cluster service account"}', "error"),
        (None, "error"),
        ("not json", "error"),
    ],
)
def test_a_lane_that_never_settled_is_its_own_verdict(tmp_path, settle, verdict):
    paths, args = result_args(tmp_path, settle)
    assert results.main(args) == ExitCode.NOT_SETTLED
    assert paths["verdict"].read_text() == verdict and paths["failed-criteria"].read_text() == ""
    assert paths["failed"].read_text() == "0", "nothing was judged, so nothing failed"


def test_a_settled_lane_leaves_the_results_to_task_results(tmp_path):
    paths, args = result_args(tmp_path, '{"settled": true}')
    assert results.main(args) == 0 and not any(p.exists() for p in paths.values())


def test_cli_renders_to_files(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_agentrun.cli",
            "render-incluster",
            "--lane",
            "v0.1",
            "--worktree",
            "workspace",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "acceptance-task.yaml",
        "kustomization.yaml",
        "pipeline-patch.json",
        "pipelinerun-patch.json",
        "rbac.yaml",
    ]
    kustomization = yaml.safe_load((tmp_path / "kustomization.yaml").read_text())
    assert kustomization["patches"][0]["path"] == "pipeline-patch.json"
    assert all((tmp_path / r).is_file() for r in kustomization["resources"])


def test_install_without_confirm_changes_nothing(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_agentrun.cli",
            "install-incluster",
            "--lane",
            "v0.1",
            "--lane-config",
            str(tmp_path / "absent.yaml"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2 and "nothing changed: pass --confirm" in done.stdout
    assert (
        "patch Pipeline agentrun-ci/agentrun-v01-ci-image-publish: add /spec/tasks/-" in done.stdout
    )


def test_containerfile_pins_its_base_installs_the_wheel_and_runs_as_non_root():
    text = (ROOT / "Containerfile").read_text()
    bases = [line.split()[1] for line in text.splitlines() if line.startswith("FROM ")]
    assert bases and all(re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", b) for b in bases), (
        bases
    )
    assert "pip wheel" in text and re.search(r"pip install --no-cache-dir [^\n]*\.whl", text)
    assert "COPY acceptance" in text and "WORKDIR /opt/pytest-agentrun" in text
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users and users[-1] == "65532", "the last USER is the non-root uid the Task runs as"
    assert not any(word in text.lower() for word in ("token", "password", "secret", "kubeconfig"))


def test_the_verification_task_has_one_name_across_profile_render_and_drive():
    """TK-06 allows the profile's `verify` task; the install adds it and the drive leaves it out of
    the release's outcome: all three must mean the same pipeline task."""
    from pytest_agentrun.model.run_state import VERIFICATION_TASK
    from pytest_agentrun.incluster import render
    from pytest_agentrun.lane import LaneProfile

    assert (
        LaneProfile.load("v0.1").tekton_tasks["verify"]["name"]
        == VERIFICATION_TASK
        == render.PIPELINE_TASK
    )
