"""The in-cluster verification Task, its RBAC and the Pipeline snippet: rendered from the lane
profile, valid against the real Tekton CRDs and the Kubernetes schemas, read-only by default."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from pytest_agentrun.incluster import render, task_results
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.readers.kube import resource_table
from test_lane_objects import crd_problems

ROOT = Path(__file__).resolve().parents[1]
MUTATING = {"create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "*"}


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


@pytest.fixture(scope="module")
def rendered(profile):
    return render.render(profile)


def all_objects(files):
    return [o for objects in files.values() for o in objects]


def test_task_and_pipeline_snippet_validate_against_the_tekton_crds(rendered):
    tekton = [o for o in all_objects(rendered) if o["apiVersion"].startswith("tekton.dev/")]
    assert {o["kind"] for o in tekton} == {"Task", "Pipeline"}
    problems = [p for o in tekton for p in crd_problems(o)]
    assert not problems, problems


def test_core_kinds_validate_against_the_kubernetes_schemas(profile):
    files = render.render(profile, with_drive_role=True)
    core = [o for o in all_objects(files) if not o["apiVersion"].startswith("tekton.dev/")]
    assert {o["kind"] for o in core} >= {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
    for obj in core:
        kubernetes_validate.validate(obj, "1.32", strict=True)


def test_task_runs_the_suite_in_cluster_and_emits_the_verdict(profile, rendered):
    [task] = rendered["acceptance-task.yaml"]
    steps = {s["name"]: s for s in task["spec"]["steps"]}
    assert "inCluster: true" in steps["lane-config"]["script"] and profile["mirror"]["readUrl"] in steps["lane-config"]["script"]
    assert f"pytest acceptance --lane {profile.lane}" in steps["acceptance"]["script"]
    assert steps["acceptance"]["onError"] == "continue", "the verdict step must run even when pytest fails"
    assert "--exit-with-verdict" in steps["verdict"]["script"]
    assert {r["name"] for r in task["spec"]["results"]} == {"passed", "failed", "errors", "verdict"}
    assert "$(workspaces.reports.path)" in steps["acceptance"]["script"]


def rules_of(objects, kind):
    return [rule for o in objects if o["kind"] == kind for rule in o["rules"]]


def test_rbac_reads_exactly_the_kinds_the_suite_reads_and_writes_nothing(rendered):
    objects = rendered["rbac.yaml"]
    granted = {(group, resource) for rule in rules_of(objects, "ClusterRole")
               for group in rule["apiGroups"] for resource in rule["resources"]}
    wanted = {(spec["apiVersion"].rpartition("/")[0], spec["plural"]) for kind, spec in resource_table().items() if kind != "Secret"}
    assert granted == wanted
    for rule in rules_of(objects, "ClusterRole") + rules_of(objects, "Role"):
        assert not MUTATING & set(rule["verbs"]), rule
    [secrets] = [r for r in rules_of(objects, "Role") if "secrets" in r["resources"]]
    assert secrets["verbs"] == ["get"] and secrets["resourceNames"], "Secrets only by name, never listed"
    assert "agentrun-v01-provider-codex" in secrets["resourceNames"]


def test_drive_role_is_absent_by_default_and_narrow_when_asked(profile, rendered):
    assert "drive-role.yaml" not in rendered
    assert not any("pipelineruns" in r["resources"] and "create" in r["verbs"]
                   for r in rules_of(all_objects(rendered), "Role") + rules_of(all_objects(rendered), "ClusterRole"))
    drive = render.render(profile, with_drive_role=True)["drive-role.yaml"]
    [role, refresh] = [o for o in drive if o["kind"] == "Role"]
    assert role["metadata"]["namespace"] == profile.tekton_namespace
    assert {tuple(r["resources"]): tuple(r["verbs"]) for r in role["rules"]} == {
        ("pipelineruns",): ("create", "get", "list", "watch"), ("taskruns",): ("get", "list", "watch")}
    assert refresh["metadata"]["namespace"] == profile["argocd"]["namespace"]
    assert refresh["rules"] == [{"apiGroups": ["argoproj.io"], "resources": ["applications"],
                                 "resourceNames": [profile["argocd"]["application"]], "verbs": ["get", "patch"]}], \
        "promotion may only ask Argo CD to refresh the lane's own Application"


def test_render_uses_no_lane_literal_beyond_the_profile(profile):
    other = LaneProfile({**profile.data, "lane": "v0.2", "runtimeNamespace": "agentrun-v02",
                         "tekton": {**profile["tekton"], "namespace": "agentrun-ci-v02"}})
    text = render.to_yaml(all_objects(render.render(other)))
    assert "agentrun-v02-acceptance" in text and "--lane v0.2" in text and "agentrun-ci-v02" in text
    assert "agentrun-v01-acceptance" not in text


def junit(tmp_path, *cases):
    suite = ET.Element("testsuite")
    for outcome in cases:
        case = ET.SubElement(suite, "testcase", name=outcome)
        if outcome != "passed":
            ET.SubElement(case, outcome)
    path = tmp_path / "junit.xml"
    ET.ElementTree(ET.Element("testsuites", [suite]) if False else suite).write(path)
    return path


@pytest.mark.parametrize("cases, expected", [
    (("passed", "passed"), "pass"), (("passed", "failure"), "fail"), (("passed", "error"), "error"), ((), "error"),
])
def test_task_results_from_junit(tmp_path, cases, expected):
    assert task_results.verdict(junit(tmp_path, *cases))[1] == expected


def test_task_results_are_written_even_without_a_report_and_fail_the_step(tmp_path):
    paths = {name: tmp_path / name for name in ("passed", "failed", "errors", "verdict")}
    args = ["--junit", str(tmp_path / "missing.xml"), *[a for n, p in paths.items() for a in (f"--{n}", str(p))]]
    assert task_results.main(args) == 0
    assert paths["verdict"].read_text() == "error"
    assert task_results.main(args + ["--exit-with-verdict"]) == 1


def test_cli_renders_to_files(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pytest_agentrun.cli", "render-incluster", "--lane", "v0.1", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acceptance-task.yaml", "pipeline-snippet.yaml", "rbac.yaml"]
    assert yaml.safe_load_all((tmp_path / "acceptance-task.yaml").read_text())


def test_containerfile_installs_the_suite_without_secrets():
    text = (ROOT / "Containerfile").read_text()
    assert next(l for l in text.splitlines() if l and not l.startswith("#")).startswith("FROM python:3.11")
    assert "pip install" in text and "COPY acceptance" in text and "WORKDIR /opt/pytest-agentrun" in text
    assert not any(word in text.lower() for word in ("token", "password", "secret", "kubeconfig"))
