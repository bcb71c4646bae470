"""GO-03..GO-09 on small hand-made manifests: pass when conforming, fail (with where)
on each violation."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from pytest_agentrun.checks import gitops
from pytest_agentrun.model.documents import Catalog, parse_manifests
from pytest_agentrun.lane import LaneProfile
from pytest_agentrun.model.commits import CommitInfo
from finding_lines import oks

SHA = "c" * 40
DEPLOY = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "agentrun-mgr", "namespace": "agentrun-v01"},
    "spec": {
        "replicas": 1,
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "mgr",
                        "image": "r@sha256:" + "a" * 64,
                        "ports": [{"containerPort": 8080}],
                        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                        "env": [
                            {"name": "AGENTRUN_BOOT_COMMIT", "value": SHA},
                            {
                                "name": "DATABASE_URL",
                                "valueFrom": {
                                    "secretKeyRef": {"name": "db", "key": "DATABASE_URL"}
                                },
                            },
                        ],
                        "volumeMounts": [{"name": "codex", "mountPath": "/p", "readOnly": True}],
                    }
                ],
                "volumes": [
                    {"name": "codex", "secret": {"secretName": "agentrun-v01-provider-codex"}}
                ],
            }
        },
    },
}
JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "agentrun-runner", "namespace": "agentrun-v01"},
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "runner",
                        "image": "r@sha256:" + "a" * 64,
                        "env": [
                            {"name": "AGENTRUN_BOOT_COMMIT", "value": SHA},
                            {"name": "CODEX_HOME", "value": "/home/x"},
                        ],
                        "volumeMounts": [{"name": "home", "mountPath": "/home/x"}],
                    }
                ],
                "volumes": [{"name": "home", "emptyDir": {}}],
            }
        }
    },
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "agentrun-mgr", "namespace": "agentrun-v01"},
    "spec": {"type": "ClusterIP", "ports": [{"port": 8080}]},
}

SVC = {
    "service_label": LaneProfile.load("v0.1").service_label
}  # the label naming a workload's service


@pytest.fixture(scope="module")
def profile():
    return LaneProfile.load("v0.1")


def manifests(*objs):
    return parse_manifests({f"m{i}.yaml": yaml.safe_dump(o) for i, o in enumerate(objs)}, "br@x:")


def test_go03_namespace():
    assert all(oks(gitops.objects_in_lane_namespace(manifests(DEPLOY, SERVICE), "agentrun-v01")))
    other = copy.deepcopy(SERVICE)
    other["metadata"]["namespace"] = "agentrun_dev"
    [_, bad] = gitops.objects_in_lane_namespace(manifests(DEPLOY, other), "agentrun-v01")
    assert not bad.ok and bad.where.startswith("br@x:m1.yaml:")


def test_go04_secret_values():
    assert all(oks(gitops.no_secret_values({"a.yaml": yaml.safe_dump(DEPLOY)}, "br@x:")))
    secret = yaml.safe_dump({"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}})
    [f] = gitops.no_secret_values({"s.yaml": secret}, "br@x:")
    assert not f.ok and "stringData" in f.found
    [f] = gitops.no_secret_values({"c.yaml": "data:\n  token: ghp_" + "x" * 30 + "\n"}, "br@x:")
    assert not f.ok and "line 2" in f.found and "ghp_" not in f.found


def test_go05_credentials(profile):
    refs = profile["providerSecretRefs"]
    assert all(oks(gitops.credentials_as_secret_refs(manifests(DEPLOY, JOB), refs)))
    writable = copy.deepcopy(DEPLOY)
    writable["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["readOnly"] = False
    assert not all(oks(gitops.credentials_as_secret_refs(manifests(writable, JOB), refs)))
    inline = copy.deepcopy(DEPLOY)
    inline["spec"]["template"]["spec"]["containers"][0]["env"][1] = {
        "name": "DATABASE_URL",
        "value": "postgres://x",
    }
    assert not all(oks(gitops.credentials_as_secret_refs(manifests(inline, JOB), refs)))
    homeless = copy.deepcopy(JOB)
    homeless["spec"]["template"]["spec"]["containers"][0]["env"].pop()
    assert not all(oks(gitops.credentials_as_secret_refs(manifests(DEPLOY, homeless), refs)))


def test_go06_boot_commit():
    catalog = Catalog.parse(
        "c",
        json.dumps(
            {
                "services": [
                    {"serviceId": "agentrun-mgr", "bootCommit": SHA},
                    {"serviceId": "agentrun-runner", "bootCommit": SHA},
                ]
            }
        ),
    )
    assert all(oks(gitops.boot_commit_env(manifests(DEPLOY, JOB), catalog, "r", **SVC)))
    short = copy.deepcopy(DEPLOY)
    short["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = SHA[:12]
    assert oks(gitops.boot_commit_env(manifests(short, JOB), catalog, "r", **SVC)) == [False, True]


def test_go07_agrees_with_intent():
    intent = [
        {
            "id": "agentrun-mgr",
            "workload": "Deployment",
            "replicas": 1,
            "ports": [{"name": "http", "port": 8080}],
            "health": {"path": "/healthz", "port": 8080},
            "env": {},
            "secretEnv": [{"name": "DATABASE_URL", "secretRef": "db", "key": "DATABASE_URL"}],
            "providers": [
                {
                    "provider": "codex",
                    "secretRef": "agentrun-v01-provider-codex",
                    "keys": [],
                    "mountPath": "/p",
                }
            ],
        }
    ]
    assert all(oks(gitops.agrees_with_deploy_intent(manifests(DEPLOY), intent, "deploy.json")))
    scaled = copy.deepcopy(DEPLOY)
    scaled["spec"]["replicas"] = 2
    bad = [
        f
        for f in gitops.agrees_with_deploy_intent(manifests(scaled), intent, "deploy.json")
        if not f.ok
    ]
    assert [f.subject for f in bad] == ["Deployment agentrun-mgr replicas"]
    assert not all(
        oks(gitops.agrees_with_deploy_intent(manifests(DEPLOY, JOB), intent, "deploy.json"))
    )


def test_go08_fixed_entries():
    assert all(oks(gitops.no_fixed_entries(manifests(DEPLOY, SERVICE))))
    node_port = copy.deepcopy(SERVICE)
    node_port["spec"]["type"] = "NodePort"
    assert oks(gitops.no_fixed_entries(manifests(node_port))) == [False]
    host = copy.deepcopy(DEPLOY)
    host["spec"]["template"]["spec"]["hostNetwork"] = True
    assert oks(gitops.no_fixed_entries(manifests(host))) == [False]


def test_go09_history(profile):
    ok = CommitInfo(
        SHA,
        (),
        "ci",
        "ci@x",
        "ci@x",
        "promote",
        (profile.catalog_path, profile.runtime_path + "/a.yaml"),
    )
    bad = CommitInfo("d" * 40, (SHA,), "ci", "ci@x", "ci@x", "copy src", ("src/index.ts",))
    assert oks(gitops.commits_touch_only_lane_paths([ok, bad], profile, "v0.1-gitops")) == [
        True,
        False,
    ]


def with_volume(obj, volume, mount):
    obj = copy.deepcopy(obj)
    spec = obj["spec"]["template"]["spec"]
    spec["volumes"] = [volume]
    spec["containers"][0]["volumeMounts"] = [mount]
    return obj


def test_go05_fails_a_projected_provider_secret_mounted_read_write():
    projected = {
        "name": "creds",
        "projected": {
            "sources": [
                {"serviceAccountToken": {"path": "token"}},
                {
                    "secret": {
                        "name": "agentrun-v01-provider-codex",
                        "items": [{"key": "auth.json", "path": "auth.json"}],
                    }
                },
            ]
        },
    }
    providers = LaneProfile.load("v0.1")["providerSecretRefs"]
    writable = with_volume(DEPLOY, projected, {"name": "creds", "mountPath": "/p"})
    bad = [
        f
        for f in gitops.credentials_as_secret_refs(manifests(writable, JOB), providers)
        if not f.ok
    ]
    assert [(f.subject, f.found) for f in bad] == [
        (
            "Deployment agentrun-mgr containers[mgr] mount of projected "
            "agentrun-v01-provider-codex",
            "readOnly: None",
        )
    ]
    read_only = with_volume(
        DEPLOY, projected, {"name": "creds", "mountPath": "/p", "readOnly": True}
    )
    assert all(oks(gitops.credentials_as_secret_refs(manifests(read_only, JOB), providers)))


def test_go05_fails_a_provider_key_inline_in_env_without_repeating_it():
    inline = copy.deepcopy(DEPLOY)
    key = "sk-" + "Q" * 40
    inline["spec"]["template"]["spec"]["containers"][0]["env"].append(
        {"name": "DEEPSEEK_API_KEY", "value": key}
    )
    providers = LaneProfile.load("v0.1")["providerSecretRefs"]
    bad = [
        f for f in gitops.credentials_as_secret_refs(manifests(inline, JOB), providers) if not f.ok
    ]
    assert [f.subject for f in bad] == [
        "Deployment agentrun-mgr containers[mgr] env DEEPSEEK_API_KEY"
    ]
    assert key not in json.dumps([f.as_dict() for f in bad])


def test_go05_names_each_requirement_nothing_answers():
    """Workloads without any provider projection, DATABASE_URL or runner Job: not a
    bare "found none"."""
    bare = copy.deepcopy(DEPLOY)
    spec = bare["spec"]["template"]["spec"]
    spec["volumes"], spec["containers"][0]["volumeMounts"] = [], []
    spec["containers"][0]["env"] = spec["containers"][0]["env"][:1]
    providers = LaneProfile.load("v0.1")["providerSecretRefs"]
    findings = gitops.credentials_as_secret_refs(manifests(bare), providers)
    assert [f.subject for f in findings] == ["provider credentials", "DATABASE_URL", "runner Job"]
    assert not any(f.ok for f in findings) and all(
        "Deployment agentrun-mgr" in f.found for f in findings
    )


def test_go06_leaves_a_digest_pinned_helper_init_container_alone():
    catalog = Catalog.parse(
        "c", json.dumps({"services": [{"serviceId": "agentrun-mgr", "bootCommit": SHA}]})
    )
    helper = copy.deepcopy(DEPLOY)
    helper["spec"]["template"]["spec"]["initContainers"] = [
        {
            "name": "wait-for-db",
            "image": "docker.io/library/busybox@sha256:" + "b" * 64,
            "command": ["sh", "-c", "true"],
        }
    ]
    findings = gitops.boot_commit_env(manifests(helper), catalog, "r", **SVC)
    assert [(f.subject, f.ok) for f in findings] == [
        ("Deployment agentrun-mgr containers[mgr] AGENTRUN_BOOT_COMMIT", True)
    ]
    assert "initContainers[wait-for-db]" in findings[0].evidence["notEnvImage"][0]
    # an init container that runs the env image is AgentRun's and must boot the commit
    env_init = copy.deepcopy(helper)
    env_init["spec"]["template"]["spec"]["initContainers"][0]["image"] = "r:latest"
    assert [f.ok for f in gitops.boot_commit_env(manifests(env_init), catalog, "r", **SVC)] == [
        False,
        True,
    ]
