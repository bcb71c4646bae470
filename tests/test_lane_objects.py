"""The sandbox's lane objects look like what a real lane on k3s holds: every Tekton and Argo CD
object validates against the real upstream CRD schema (status included, and with no field the
API server would prune), and the runs, sync state and live runtime say what the lane did."""

from __future__ import annotations

import copy
import json
import sys
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

try:
    import agentrun_sandbox  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from agentrun_sandbox.lane_objects import (  # noqa: E402
    argo_objects,
    assign_uids,
    live_runtime_objects,
    namespace_objects,
    tekton_objects,
)
from agentrun_sandbox.release import ReleaseRecord  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parent / "reference"
CRDS = {
    ("tekton.dev/v1", kind): f"tekton/crds/300-{kind.lower()}.yaml"
    for kind in ("Pipeline", "Task", "PipelineRun", "TaskRun")
}
CRDS |= {
    ("argoproj.io/v1alpha1", "Application"): "argocd/crds/application-crd.yaml",
    ("argoproj.io/v1alpha1", "AppProject"): "argocd/crds/appproject-crd.yaml",
}

SOURCE_1, SOURCE_2 = (
    "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
    "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
)
GITOPS_1, GITOPS_2 = (
    "aa11bb22cc33dd44ee55ff6600778899aabbccdd",
    "0123456789abcdef0123456789abcdef01234567",
)
DIGEST = "sha256:" + "3c" * 32
ENV = "env-3f9a0c1d2e4b5a69"
READ_URL = "http://127.0.0.1:18080/pikasTech/agentrun.git"
WRITE_URL = "http://127.0.0.1:18081/pikasTech/agentrun.git"
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)


# --------------------------------------------------------------------------- inputs


@pytest.fixture(scope="module")
def profile() -> dict:
    return yaml.safe_load((ROOT / "pytest_agentrun" / "lanes" / "v0.1.yaml").read_text())


def releases_for(profile: dict) -> list[ReleaseRecord]:
    built = ReleaseRecord(
        SOURCE_1, GITOPS_1, ENV, DIGEST, "built", datetime(2025, 6, 1, 9, 30, tzinfo=timezone.utc)
    )
    reused = ReleaseRecord(
        SOURCE_2, GITOPS_2, ENV, DIGEST, "reused", datetime(2025, 6, 2, 11, 0, tzinfo=timezone.utc)
    )
    return [built, reused]


def manifests_for(profile: dict, *, job_ignores_health: bool = True) -> list[dict]:
    """A small runtime path: what promotion renders from deploy.json (names from the profile)."""
    ns, stem = profile["runtimeNamespace"], profile["runtimeNamespace"]
    image = f"{profile['envImage']['repository']}@{DIGEST}"
    labels = {"app.kubernetes.io/name": "agentrun-mgr"}
    env = [
        {"name": "AGENTRUN_BOOT_COMMIT", "value": SOURCE_2},
        {
            "name": "DATABASE_URL",
            "valueFrom": {
                "secretKeyRef": {
                    "name": f"{stem}-postgres",
                    "key": profile["postgres"]["secretKey"],
                }
            },
        },
    ]
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "agentrun-mgr", "namespace": ns, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": "agentrun-mgr",
                    "containers": [
                        {
                            "name": "manager",
                            "image": image,
                            "args": ["manager"],
                            "env": env,
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                        }
                    ],
                },
            },
        },
    }
    job_annotations = (
        {"argocd.argoproj.io/ignore-healthcheck": "true"} if job_ignores_health else {}
    )
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "agentrun-runner-template",
            "namespace": ns,
            "annotations": job_annotations,
        },
        "spec": {
            "suspend": True,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {"name": "runner", "image": image, "args": ["runner"], "env": env}
                    ],
                }
            },
        },
    }
    return [
        deployment,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "agentrun-mgr", "namespace": ns},
            "spec": {
                "selector": labels,
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        },
        job,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "agentrun-config", "namespace": ns},
            "data": {"AGENTRUN_LANE": profile["lane"]},
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "agentrun-mgr", "namespace": ns},
        },
    ]


def build_all(profile: dict, **manifest_options) -> tuple[list[dict], list[dict], list[dict]]:
    releases = releases_for(profile)
    manifests = manifests_for(profile, **manifest_options)
    tekton = tekton_objects(profile, releases, mirror_read_url=READ_URL, mirror_write_url=WRITE_URL)
    history = [(r.gitops_commit, r.started_at + timedelta(minutes=8)) for r in releases]
    argo = argo_objects(profile, repo_url=READ_URL, gitops_history=history, resources=manifests)
    live = live_runtime_objects(profile, manifests, now=NOW)
    return tekton, argo, live


@pytest.fixture(scope="module")
def objects(profile):
    return build_all(profile)


def one(objs: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objs if o["kind"] == kind and name in (None, o["metadata"]["name"])]
    assert len(found) == 1, (
        f"expected one {kind} {name or ''}, found {[o['metadata']['name'] for o in found]}"
    )
    return found[0]


# --------------------------------------------------------------------------- CRD validation


@lru_cache(maxsize=None)
def crd_schema(api_version: str, kind: str) -> dict:
    if not REFERENCE.is_dir():
        pytest.fail(f"reference data missing: expected the upstream CRDs under {REFERENCE}")
    crd = yaml.safe_load((REFERENCE / CRDS[(api_version, kind)]).read_text())
    version = api_version.split("/")[1]
    served = [v for v in crd["spec"]["versions"] if v["name"] == version and v["served"]]
    assert served, f"{kind}: the CRD does not serve {version}"
    return served[0]["schema"]["openAPIV3Schema"]


def pruned_fields(value, schema: dict, path: str) -> list[str]:
    """Fields a structural-schema API server would silently drop: the schema does not know them."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    if isinstance(value, list):
        return [
            f
            for i, v in enumerate(value)
            for f in pruned_fields(v, schema.get("items", {}), f"{path}[{i}]")
        ]
    if not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        if path == "$" and key == "metadata":
            continue  # ObjectMeta: the server's own schema, not the CRD's
        if key in schema.get("properties", {}):
            found += pruned_fields(item, schema["properties"][key], f"{path}.{key}")
        elif isinstance(schema.get("additionalProperties"), dict):
            found += pruned_fields(item, schema["additionalProperties"], f"{path}.{key}")
        elif schema.get("additionalProperties") is not True:
            found.append(f"{path}.{key}")
    return found


def crd_problems(obj: dict) -> list[str]:
    schema = crd_schema(obj["apiVersion"], obj["kind"])
    where = f"{obj['kind']}/{obj['metadata']['name']}"
    errors = [
        f"{where} {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft7Validator(schema).iter_errors(obj)
    ]
    return errors + [
        f"{where} {f}: not in the CRD schema (pruned)" for f in pruned_fields(obj, schema, "$")
    ]


def test_every_tekton_and_argo_object_validates_against_its_crd(objects):
    tekton, argo, _ = objects
    crd_objects = [o for o in tekton + argo if (o["apiVersion"], o["kind"]) in CRDS]
    kinds = {o["kind"] for o in crd_objects}
    assert kinds == {"Pipeline", "Task", "PipelineRun", "TaskRun", "Application", "AppProject"}
    assert all(
        "status" in o for o in crd_objects if o["kind"] in ("PipelineRun", "TaskRun", "Application")
    )
    problems = [p for o in crd_objects for p in crd_problems(o)]
    assert not problems, "\n".join(problems)


def test_every_uid_reference_resolves_once_uids_are_assigned(objects):
    # The CRD schemas leave metadata open, but the API server rejects an ownerReference without
    # a uid, and the controllers match owners by uid.
    tekton, argo, live = copy.deepcopy(objects)
    everything = assign_uids(tekton + argo + live)
    uids = {o["metadata"]["uid"] for o in everything}
    refs = [r["uid"] for o in everything for r in o["metadata"].get("ownerReferences", [])]
    refs += [
        o["metadata"]["labels"]["tekton.dev/pipelineRunUID"]
        for o in tekton
        if o["kind"] == "TaskRun"
    ]
    refs += [o["involvedObject"]["uid"] for o in live if o["kind"] == "Event"]
    refs += [
        a["targetRef"]["uid"]
        for o in live
        if o["kind"] == "Endpoints"
        for subset in o.get("subsets", [])
        for a in subset["addresses"]
    ]
    refs += [
        o["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"]
        for o in live
        if o["kind"] == "Job"
    ]
    assert len(refs) > 20 and set(refs) <= uids, set(refs) - uids


# --------------------------------------------------------------------------- Tekton


def test_pipeline_has_the_lane_tasks_by_task_ref(profile, objects):
    tekton, _, _ = objects
    pipeline = one(tekton, "Pipeline", profile["tekton"]["pipeline"])
    assert pipeline["metadata"]["namespace"] == profile["tekton"]["namespace"]
    tasks = pipeline["spec"]["tasks"]
    assert [t["name"] for t in tasks] == [
        "prepare-source",
        "check",
        "plan",
        "image-build",
        "image-publish",
        "promote",
    ]
    task_names = {t["metadata"]["name"] for t in tekton if t["kind"] == "Task"}
    assert {t["taskRef"]["name"] for t in tasks} == task_names
    assert {p["name"] for p in pipeline["spec"]["params"]} == {
        "revision",
        "source-branch",
        "gitops-branch",
        "git-mirror-read-url",
        "git-mirror-write-url",
    }
    build = next(t for t in tasks if t["name"] == "image-build")
    assert build["when"] == [
        {"input": "$(tasks.plan.results.planArtifacts.build)", "operator": "notin", "values": ["0"]}
    ]
    one(tekton, "ServiceAccount", profile["tekton"]["serviceAccount"])


def test_task_steps_keep_proxy_env_and_never_use_ssh_or_docker(profile, objects):
    tekton, _, _ = objects
    steps = [
        (t["metadata"]["name"], s)
        for t in tekton
        if t["kind"] == "Task"
        for s in t["spec"]["steps"]
    ]
    for task, step in steps:
        env = {e["name"]: e["value"] for e in step["env"]}
        no_proxy = env["NO_PROXY"].split(",")
        assert set(profile["noProxyRequired"]) <= set(no_proxy), (
            f"{task}/{step['name']}: {no_proxy}"
        )
        assert env["HTTP_PROXY"] == env["HTTPS_PROXY"] == "http://127.0.0.1:10808"
        assert not step.get("securityContext", {}).get("privileged"), f"{task}/{step['name']}"
    text = json.dumps([t for t in tekton if t["kind"] in ("Task", "Pipeline")])
    assert "git@github.com" not in text and "docker:dind" not in text and "dockerd" not in text
    by_suffix: dict[str, str] = {}
    for task, step in steps:
        short = task.removeprefix(profile["runtimeNamespace"] + "-")
        by_suffix[short] = by_suffix.get(short, "") + step.get("script", "") + step["image"]
    assert 'git fetch --depth=1 origin "$REV"' in by_suffix["prepare-source"]
    assert (
        "bun install --frozen-lockfile" in by_suffix["check"]
        and "bun run check" in by_suffix["check"]
    )
    assert "moby/buildkit:v0.23.2-rootless" in by_suffix["image-build"]
    assert "buildctl-daemonless.sh" in by_suffix["image-build"]
    assert (
        f"name={profile['envImage']['repository']}:$(params.env-identity)"
        in by_suffix["image-build"]
    )
    assert "application/vnd.docker.distribution.manifest.v2+json" in by_suffix["image-publish"]
    push = by_suffix["promote"]
    assert '"$(params.git-mirror-write-url)" "HEAD:refs/heads/$(params.gitops-branch)"' in push
    assert profile["ciIdentity"]["email"] in push


def runs_of(
    tekton: list[dict], profile: dict, release: ReleaseRecord
) -> tuple[dict, dict[str, dict]]:
    run = one(tekton, "PipelineRun", release.pipeline_run_name(profile))
    task_runs = {
        t["metadata"]["labels"]["tekton.dev/pipelineTask"]: t
        for t in tekton
        if t["kind"] == "TaskRun"
        and t["metadata"]["labels"]["tekton.dev/pipelineRun"] == run["metadata"]["name"]
    }
    return run, task_runs


def result(task_run: dict, name: str):
    return next(r["value"] for r in task_run["status"]["results"] if r["name"] == name)


def test_pipeline_run_spec_is_the_lane_trigger(profile, objects):
    tekton, _, _ = objects
    for release in releases_for(profile):
        run, _ = runs_of(tekton, profile, release)
        assert run["metadata"]["name"] == profile["tekton"]["pipelineRunName"].format(
            short12=release.short12
        )
        params = {p["name"]: p["value"] for p in run["spec"]["params"]}
        assert params == {
            "revision": release.source_commit,
            "source-branch": profile["sourceBranch"],
            "gitops-branch": profile["gitopsBranch"],
            "git-mirror-read-url": READ_URL,
            "git-mirror-write-url": WRITE_URL,
        }
        template = run["spec"]["taskRunTemplate"]
        assert template == {
            "serviceAccountName": profile["tekton"]["serviceAccount"],
            "podTemplate": {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"},
        }
        managers = [(m["manager"], m.get("subresource")) for m in run["metadata"]["managedFields"]]
        assert managers == [
            (f"{profile['runtimeNamespace']}-trigger", None),
            ("tekton-pipelines-controller", None),
            ("tekton-pipelines-controller", "status"),
        ]


def test_built_release_ran_image_build(profile, objects):
    tekton, _, _ = objects
    built = releases_for(profile)[0]
    run, task_runs = runs_of(tekton, profile, built)
    assert list(task_runs) == [
        "prepare-source",
        "check",
        "plan",
        "image-build",
        "image-publish",
        "promote",
    ]
    assert result(task_runs["plan"], "planArtifacts")["summary"] == "build=1 reuse=0 unsafeReuse=0"
    assert result(task_runs["image-publish"], "status") == "built"
    condition = run["status"]["conditions"][0]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "Succeeded",
        "True",
        "Succeeded",
    )
    assert condition["message"] == "Tasks Completed: 6 (Failed: 0, Cancelled 0), Skipped: 0"
    assert "skippedTasks" not in run["status"]


def test_reused_release_skipped_image_build(profile, objects):
    tekton, _, _ = objects
    reused = releases_for(profile)[1]
    run, task_runs = runs_of(tekton, profile, reused)
    assert "image-build" not in task_runs
    assert result(task_runs["plan"], "planArtifacts") == {
        "summary": "build=0 reuse=1 unsafeReuse=0",
        "envIdentity": ENV,
        "build": "0",
        "reuse": "1",
        "unsafeReuse": "0",
    }
    publish = task_runs["image-publish"]
    assert result(publish, "status") == "reused" and result(publish, "digest") == DIGEST
    assert result(publish, "repositoryDigest") == f"{profile['envImage']['repository']}@{DIGEST}"
    assert run["status"]["skippedTasks"] == [
        {
            "name": "image-build",
            "reason": "When Expressions evaluated to false",
            "whenExpressions": [{"input": "0", "operator": "notin", "values": ["0"]}],
        }
    ]
    condition = run["status"]["conditions"][0]
    assert condition["status"] == "True"
    assert condition["message"] == "Tasks Completed: 5 (Failed: 0, Cancelled 0), Skipped: 1"
    results = {r["name"]: r["value"] for r in run["status"]["results"]}
    assert results["planSummary"] == "build=0 reuse=1 unsafeReuse=0"
    assert results["gitopsCommit"] == reused.gitops_commit
    assert {c["name"] for c in run["status"]["childReferences"]} == {
        t["metadata"]["name"] for t in task_runs.values()
    }


def test_task_runs_belong_to_their_run_and_follow_each_other(profile, objects):
    tekton, _, _ = objects
    for release in releases_for(profile):
        run, task_runs = runs_of(tekton, profile, release)
        previous_end = run["status"]["startTime"]
        for task, tr in task_runs.items():
            meta = tr["metadata"]
            assert meta["name"] == f"{run['metadata']['name']}-{task}"
            assert meta["labels"]["app.kubernetes.io/managed-by"] == "tekton-pipelines"
            assert meta["labels"]["tekton.dev/pipeline"] == profile["tekton"]["pipeline"]
            assert meta["ownerReferences"][0]["name"] == run["metadata"]["name"]
            assert {m["manager"] for m in meta["managedFields"]} == {"tekton-pipelines-controller"}
            assert tr["spec"]["serviceAccountName"] == profile["tekton"]["serviceAccount"]
            assert tr["spec"]["podTemplate"] == run["spec"]["taskRunTemplate"]["podTemplate"]
            status = tr["status"]
            assert (
                previous_end
                <= status["startTime"]
                < status["completionTime"]
                <= run["status"]["completionTime"]
            )
            assert [s["container"] for s in status["steps"]] == [
                f"step-{s['name']}" for s in status["taskSpec"]["steps"]
            ]
            assert all(s["terminated"]["exitCode"] == 0 for s in status["steps"])
            previous_end = status["completionTime"]
        prepare = task_runs["prepare-source"]
        assert {p["name"]: p["value"] for p in prepare["spec"]["params"]}[
            "revision"
        ] == release.source_commit


# --------------------------------------------------------------------------- Argo CD


def test_app_project_and_application_are_the_lane(profile, objects):
    _, argo, _ = objects
    project = one(argo, "AppProject", profile["argocd"]["appProject"])
    assert project["spec"]["destinations"] == [
        {"namespace": profile["runtimeNamespace"], "server": "https://kubernetes.default.svc"}
    ]
    assert project["spec"]["sourceRepos"] == [READ_URL]
    app = one(argo, "Application", profile["argocd"]["application"])
    assert app["metadata"]["namespace"] == profile["argocd"]["namespace"]
    assert app["spec"]["project"] == profile["argocd"]["appProject"]
    assert app["spec"]["source"] == {
        "repoURL": READ_URL,
        "targetRevision": profile["gitopsBranch"],
        "path": profile["runtimePath"]["path"],
    }
    assert app["spec"]["destination"]["namespace"] == profile["runtimeNamespace"]
    assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    managers = [m["manager"] for m in app["metadata"]["managedFields"]]
    assert managers == ["argocd-server", "argocd-application-controller"]


def test_application_status_is_synced_and_healthy_at_the_gitops_head(profile, objects):
    _, argo, _ = objects
    status = one(argo, "Application")["status"]
    assert status["sync"]["status"] == "Synced" and status["sync"]["revision"] == GITOPS_2
    assert status["health"]["status"] == "Healthy"
    assert [h["revision"] for h in status["history"]] == [GITOPS_1, GITOPS_2]
    assert status["operationState"]["phase"] == "Succeeded"
    assert status["operationState"]["syncResult"]["revision"] == GITOPS_2
    kinds = sorted(r["kind"] for r in status["resources"])
    assert kinds == ["ConfigMap", "Deployment", "Job", "Service", "ServiceAccount"]
    assert all(r["status"] == "Synced" for r in status["resources"])
    assert status["summary"]["images"] == [f"{profile['envImage']['repository']}@{DIGEST}"]


def test_a_suspended_job_without_ignore_healthcheck_makes_the_app_suspended(profile):
    # Argo CD reports a suspended Job as Suspended and aggregates it into the app's health.
    _, argo, _ = build_all(profile, job_ignores_health=False)
    status = one(argo, "Application")["status"]
    job = next(r for r in status["resources"] if r["kind"] == "Job")
    assert job["health"] == {"status": "Suspended"} and status["health"]["status"] == "Suspended"


# --------------------------------------------------------------------------- live runtime


def test_synced_manifests_carry_argo_tracking_and_managers(profile, objects):
    _, _, live = objects
    app = profile["argocd"]["application"]
    for manifest in manifests_for(profile):
        obj = one(live, manifest["kind"], manifest["metadata"]["name"])
        meta = obj["metadata"]
        group = manifest["apiVersion"].rpartition("/")[0]
        assert meta["labels"]["app.kubernetes.io/instance"] == app
        assert meta["annotations"]["argocd.argoproj.io/tracking-id"] == (
            f"{app}:{group}/{manifest['kind']}:{profile['runtimeNamespace']}/"
            f"{manifest['metadata']['name']}"
        )
        managers = [(m["manager"], m.get("subresource")) for m in meta["managedFields"]]
        assert managers[0] == ("argocd-controller", None)
        assert {m for m, _ in managers} <= set(
            profile["argocd"]["fieldManagers"] + profile["clusterFieldManagers"]
        )
    deployment = one(live, "Deployment")
    assert ("k3s", "status") in [
        (m["manager"], m.get("subresource")) for m in deployment["metadata"]["managedFields"]
    ]
    assert all(
        {m["manager"] for m in o["metadata"].get("managedFields", [])}
        <= set(profile["argocd"]["fieldManagers"] + profile["clusterFieldManagers"])
        for o in live
    )


def test_deployment_is_ready_with_server_defaults(objects):
    _, _, live = objects
    deployment = one(live, "Deployment")
    spec, status = deployment["spec"], deployment["status"]
    assert spec["strategy"]["type"] == "RollingUpdate" and spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    container = spec["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert spec["template"]["spec"]["dnsPolicy"] == "ClusterFirst"
    assert status["observedGeneration"] == deployment["metadata"]["generation"] == 1
    assert status["readyReplicas"] == status["availableReplicas"] == status["updatedReplicas"] == 2
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "Available": "True",
        "Progressing": "True",
    }


def test_pods_run_the_pinned_digest(profile, objects):
    _, _, live = objects
    rs = one(live, "ReplicaSet")
    assert rs["metadata"]["ownerReferences"][0]["name"] == "agentrun-mgr"
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"agentrun-mgr-{pod_hash}" and len(pod_hash) == 10
    pods = [o for o in live if o["kind"] == "Pod"]
    assert len(pods) == 2
    for pod in pods:
        assert pod["metadata"]["name"].startswith(rs["metadata"]["name"] + "-")
        assert pod["metadata"]["ownerReferences"][0]["name"] == rs["metadata"]["name"]
        assert pod["status"]["phase"] == "Running"
        assert {c["type"] for c in pod["status"]["conditions"]} >= {
            "Ready",
            "ContainersReady",
            "Initialized",
            "PodScheduled",
        }
        (status,) = pod["status"]["containerStatuses"]
        assert status["imageID"] == f"{profile['envImage']['repository']}@{DIGEST}"
        assert status["ready"] and status["started"] and status["restartCount"] == 0
        assert status["containerID"].startswith("containerd://")
        reasons = [
            e["reason"]
            for e in live
            if e["kind"] == "Event" and e["involvedObject"]["name"] == pod["metadata"]["name"]
        ]
        assert reasons == ["Scheduled", "Pulled", "Created", "Started"]
    again = live_runtime_objects(profile, manifests_for(profile), now=NOW)
    assert [o["metadata"]["name"] for o in again] == [o["metadata"]["name"] for o in live]


def test_job_service_and_namespaces(profile, objects):
    _, _, live = objects
    job = one(live, "Job")
    assert job["spec"]["suspend"] is True
    assert job["status"]["conditions"][0]["type"] == "Suspended"
    assert job["status"]["conditions"][0]["status"] == "True"
    service = one(live, "Service")
    assert service["spec"]["clusterIP"].startswith("10.43.") and service["spec"]["ipFamilies"] == [
        "IPv4"
    ]
    endpoints = one(live, "Endpoints")
    assert endpoints["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    namespaces = namespace_objects(profile, now=NOW)
    assert {n["metadata"]["name"] for n in namespaces} == {
        profile["runtimeNamespace"],
        profile["tekton"]["namespace"],
        profile["argocd"]["namespace"],
        "devops-infra",
    }
    assert all(n["status"]["phase"] == "Active" for n in namespaces)


# --------------------------------------------------------------------------- lane profile


def test_every_lane_name_comes_from_the_profile(profile):
    # Another lane's profile must yield objects without a trace of v0.1.
    other = json.loads(json.dumps(profile).replace("v01", "v02").replace("v0.1", "v0.2"))
    tekton, argo, live = build_all(other)
    text = json.dumps(tekton + argo + live + namespace_objects(other, now=NOW))
    assert "v01" not in text and "v0.1" not in text
    problems = [
        p for o in tekton + argo if (o["apiVersion"], o["kind"]) in CRDS for p in crd_problems(o)
    ]
    assert not problems, "\n".join(problems)
