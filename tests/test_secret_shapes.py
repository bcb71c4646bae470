"""No planted credential reaches any output, whatever its shape and wherever it was planted.

Each shape the issue found leaking (sk-proj-, sk-ant-, sk-live-, sk_live_ keys, a token used as a
URL's user name) is planted plain, base64- and URL-encoded in the lane config, a GitOps file, live
env values and a Secret of one sandbox lane. The suite then runs at the default log level, INFO and
DEBUG; no report (report.html, junit.xml, allure-results), no evidence file (manifest.json, the
JSONL) and not the terminal holds any of them. GO-04 still finds the GitOps ones.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from agentrun_sandbox import lane as sandbox
from agentrun_sandbox.scenarios import SandboxControl
from suite_run import run_suite

KEYS = {
    "sk-proj": "sk-proj-Pl4nt3dQx7Zk2Rw9Vb4Nm1",
    "sk-ant": "sk-ant-api03-Pl4nt3dQx7Zk2Rw9Vb4Nm2",
    "sk-live": "sk-live-Pl4nt3dQx7Zk2Rw9Vb4Nm3",
    "sk_live": "sk_live_Pl4nt3dQx7Zk2Rw9Vb4Nm4",
    "url-user token": "ghp_Pl4nt3dQx7Zk2Rw9Vb4Nm5Hs6Tf0Ya5Ue2W",
}


def encodings(value: str) -> dict[str, str]:
    return {
        "plain": value,
        "base64": base64.b64encode(value.encode()).decode(),
        "url-encoded": "".join(f"%{byte:02X}" for byte in value.encode()),
    }


PLANTED = {
    f"{name} {how}": shape for name, key in KEYS.items() for how, shape in encodings(key).items()
}


def with_user_info(url: str, user_info: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{user_info}@{rest}"


def plant_in_lane_config(lane_dir: Path) -> None:
    path = lane_dir / "lane.yaml"
    config = yaml.safe_load(path.read_text())
    config["source"]["repoUrl"] = with_user_info(
        config["source"]["repoUrl"], KEYS["url-user token"]
    )
    config["mirror"]["readUrl"] = with_user_info(
        config["mirror"]["readUrl"], "ci-bot:" + PLANTED["sk-proj base64"]
    )
    config["registry"]["url"] = with_user_info(
        config["registry"]["url"], "ci-bot:" + PLANTED["sk-ant url-encoded"]
    )
    path.write_text(yaml.safe_dump(config))


def plant_in_gitops(control: SandboxControl) -> None:
    data = {f"value{i}": shape for i, shape in enumerate(PLANTED.values())}
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "planted-settings", "namespace": control.profile["runtimeNamespace"]},
        "data": data,
    }

    def change(work: Path) -> None:
        (work / control.profile["runtimePath"]["path"] / "configmap-planted.yaml").write_text(
            yaml.safe_dump(manifest)
        )

    control.push_change(
        "mirror", control.profile["gitopsBranch"], change, "promote: settings", who=control.ci
    )


def plant_live(control: SandboxControl) -> None:
    namespace = control.profile["runtimeNamespace"]
    env = [{"name": f"PLANTED_{i}", "value": shape} for i, shape in enumerate(PLANTED.values())]
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "agentrun-mgr", "env": env}]}}}}
    control.kubectl(
        "patch",
        "deployment",
        "agentrun-mgr",
        "-n",
        namespace,
        "--type=strategic",
        "-p",
        json.dumps(patch),
    )
    control.kubectl(
        "patch",
        "secret",
        "agentrun-v01-provider-codex",
        "-n",
        namespace,
        "--type=merge",
        "-p",
        json.dumps({"stringData": {f"k{i}": s for i, s in enumerate(PLANTED.values())}}),
    )


@pytest.fixture(scope="module")
def planted_lane(tmp_path_factory, cluster_hosts, seed_cache):
    directory = tmp_path_factory.mktemp("planted") / "lane"
    host = cluster_hosts.of(None)
    with sandbox.in_process(directory, host=host, seed_cache=seed_cache) as handle:
        control = SandboxControl(directory)
        plant_in_gitops(control)
        plant_live(control)
        plant_in_lane_config(directory)
        yield handle


@pytest.mark.parametrize("log_level", [None, "INFO", "DEBUG"])
def test_no_planted_shape_reaches_any_output(planted_lane, tmp_path, log_level):
    reports = tmp_path / "reports"
    extra = ("--log-level", log_level, "-rA") if log_level else ()

    result = run_suite(planted_lane.lane_config, reports, *extra)

    assert result.verdicts, result.output[-2000:]
    assert "GO-04" in result.failed()  # the GitOps ones are still found
    outputs = {"terminal": result.output}
    outputs |= {
        str(p.relative_to(reports)): p.read_text(errors="replace")
        for p in reports.rglob("*")
        if p.is_file()
    }
    written = set(outputs)
    assert {"junit.xml", "report.html"} <= written
    assert any(n.startswith("allure-results/") for n in written)
    assert any(n.endswith("manifest.json") for n in written) and any(
        n.endswith(".jsonl") for n in written
    )
    leaks = sorted(
        {
            (what, name)
            for what, value in PLANTED.items()
            for name, text in outputs.items()
            if value in text
        }
    )
    assert not leaks, f"planted credentials leaked: {leaks}"


def test_the_plants_were_read_and_masked(planted_lane, tmp_path):
    """The test above proves something only if the planted values were read: the bundle holds the
    planted env entries, each value masked, and GO-04 names the planted file's lines."""
    reports = tmp_path / "reports"
    result = run_suite(planted_lane.lane_config, reports)
    bundle = "\n".join(p.read_text() for p in reports.glob("evidence/*/evidence-*.jsonl"))
    assert all(f'"PLANTED_{i}"' in bundle for i in range(len(PLANTED)))
    masked = bundle.count('"value": "<redacted:')
    assert masked >= len(PLANTED), masked
    go04 = "\n".join(result.messages["GO-04"])
    assert "configmap-planted.yaml" in go04 and go04.count("line ") >= len(PLANTED)
