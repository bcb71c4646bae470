"""The HTML and Allure reports of a failing sandbox lane are rendered and photographed in headless
Chromium (screenshots kept in reports/screenshots/ for a human to look at)."""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agentrun_sandbox.scenarios import SCENARIOS, SandboxControl
from suite_run import ROOT, run_suite

SHOTS = ROOT / "reports" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "headless Chromium is needed to render the reports: run scripts/setup.sh (installs "
            "Debian's chromium)"
        )
    return found


def screenshot(url: str, out: Path, profile: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1400,1800",
            "--virtual-time-budget=8000",
            f"--screenshot={out}",
            url,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return out


@pytest.fixture(scope="module")
def failing_reports(tmp_path_factory, cluster_hosts, seed_cache):
    from agentrun_sandbox import lane as sandbox

    directory = tmp_path_factory.mktemp("failing-lane")
    host = cluster_hosts.of(None)
    with sandbox.in_process(directory / "lane", host=host, seed_cache=seed_cache) as handle:
        for name in ("deployment-not-ready", "image-by-tag", "worktree-untracked-file"):
            SCENARIOS[name].apply(SandboxControl(handle.paths.root))
        result = run_suite(handle.lane_config, directory / "reports")
    assert result.returncode == 1 and {"RT-02", "GO-02", "SRC-01"} <= result.failed()
    return directory / "reports"


def test_html_report_of_a_failing_lane_renders(failing_reports, tmp_path):
    html = (failing_reports / "report.html").read_text()
    assert '<h1 id="title">NOT FIT TO SIGN OFF lane v0.1' in html, (
        "the verdict is the first thing on the page"
    )
    assert html.index("1 live runtime") < html.index("5 clean source"), (
        "truth order: live runtime first"
    )
    assert "Traceback" not in html
    shot = screenshot(
        (failing_reports / "report.html").as_uri(),
        SHOTS / "html-report-failing-lane.png",
        tmp_path / "chrome",
    )
    assert shot.stat().st_size > 50_000, "the screenshot is (nearly) blank"


def test_allure_report_of_a_failing_lane_renders(failing_reports, tmp_path):
    report = tmp_path / "allure-report"
    subprocess.run(
        [
            "bash",
            str(ROOT / "scripts" / "allure-report.sh"),
            str(failing_reports / "allure-results"),
            str(report),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (report / "index.html").is_file()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(report))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        shot = screenshot(url, SHOTS / "allure-report-failing-lane.png", tmp_path / "chrome")
    finally:
        server.shutdown()
        server.server_close()
    assert shot.stat().st_size > 50_000, "the screenshot is (nearly) blank"
