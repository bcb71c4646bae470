"""No credential reaches any output: planted in a sandbox lane's connection and cluster,
then searched for in everything a run writes (terminal, JUnit, HTML, Allure results, the
evidence bundle)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from agentrun_sandbox.scenarios import SandboxControl
from suite_run import run_suite

PLANTED = {
    "url password": "planted-url-pass-4f1c9e",
    "kubeconfig token": "planted-kube-token-7d2a0b",
    "secret value": "planted-secret-value-93be51",
}


def with_credentials(url: str, user: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{user}:{password}@{rest}"


def plant(lane_dir: Path) -> None:
    config_path = lane_dir / "lane.yaml"
    config = yaml.safe_load(config_path.read_text())
    secret = PLANTED["url password"]
    config["source"]["repoUrl"] = with_credentials(config["source"]["repoUrl"], "ci-bot", secret)
    config["mirror"]["readUrl"] = with_credentials(config["mirror"]["readUrl"], "ci-bot", secret)
    config["registry"]["url"] = with_credentials(config["registry"]["url"], "ci-bot", secret)
    config_path.write_text(yaml.safe_dump(config))
    kubeconfig_path = lane_dir / "kubeconfig"
    kubeconfig = yaml.safe_load(kubeconfig_path.read_text())
    kubeconfig["users"][0]["user"]["token"] = PLANTED["kubeconfig token"]
    kubeconfig_path.write_text(yaml.safe_dump(kubeconfig))
    control = SandboxControl(lane_dir)
    control.kubectl(
        "patch",
        "secret",
        "agentrun-v01-provider-codex",
        "-n",
        control.profile["runtimeNamespace"],
        "--type=merge",
        "-p",
        json.dumps({"stringData": {"auth.json": PLANTED["secret value"]}}),
    )


def test_planted_credentials_appear_in_no_output(fresh_lane, tmp_path):
    plant(fresh_lane.paths.root)
    reports = tmp_path / "reports"

    result = run_suite(fresh_lane.lane_config, reports)

    assert result.verdicts, result.output[-2000:]
    outputs = {"terminal": result.output}
    outputs.update(
        {
            str(p.relative_to(reports)): p.read_text(errors="replace")
            for p in reports.rglob("*")
            if p.is_file()
        }
    )
    assert any(name.startswith("evidence/") for name in outputs), "the run wrote no evidence bundle"
    assert any(name.startswith("allure-results/") for name in outputs)
    leaks = [
        (what, name)
        for what, value in PLANTED.items()
        for name, text in outputs.items()
        if value in text
    ]
    assert not leaks, f"credentials leaked into outputs: {leaks}"
    # the masked form is what a reviewer sees instead
    manifest = next(text for name, text in outputs.items() if name.endswith("manifest.json"))
    assert "ci-bot:<redacted:url-credential>@" in manifest


def test_secret_values_are_never_in_evidence_even_unplanted(conforming_lane, tmp_path):
    """The sandbox's own Secret values (placeholders) never reach the bundle
    either: only key names."""
    reports = tmp_path / "reports"
    run_suite(conforming_lane.lane_config, reports)
    bundle = "\n".join(p.read_text() for p in reports.glob("evidence/*/evidence-*.jsonl"))
    assert bundle, "no evidence recorded"
    placeholder = subprocess.run(
        ["bash", "-c", "printf sandbox-placeholder-not-a-credential | base64"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert placeholder not in bundle and "sandbox-placeholder-not-a-credential" not in bundle


def test_credentials_planted_in_lane_files_are_masked_yet_still_fail_on_replay(
    fresh_lane, tmp_path
):
    """A token in deploy.json and a private key in the catalog fail SRC-05/AP-03; neither
    value reaches any output, and the replayed bundle (holding only masked values) fails
    them the same way."""
    from agentrun_sandbox.scenarios import SCENARIOS
    from test_replay import assert_same_verdicts, replay, the_bundle

    for name in ("deploy-intent-inline-token", "catalog-imageref-ssh-key"):
        SCENARIOS[name].apply(SandboxControl(fresh_lane.paths.root))
    planted = ["ghp_sandboxPlantedNotARealToken000000000", "sandbox-planted-not-a-key"]

    result = run_suite(fresh_lane.lane_config, tmp_path / "recorded")

    assert {"SRC-05", "AP-03"} <= result.failed()
    texts = [result.output] + [
        p.read_text(errors="replace") for p in (tmp_path / "recorded").rglob("*") if p.is_file()
    ]
    assert not [value for value in planted for text in texts if value in text]
    done = replay(the_bundle(tmp_path / "recorded"), tmp_path / "replayed")
    assert done.returncode == 1
    assert_same_verdicts(tmp_path / "recorded", tmp_path / "replayed")
