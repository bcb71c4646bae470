"""Prints figures, asserts nothing (issue 14), in one run on one sandbox lane:

- services: a recorded conforming lane scaled to N services, judged with --replay (pytest time,
  peak RSS);
- latency: the live run with 0/50/100 ms added to every request of every source (API server, git,
  registry), against a sequential curl/git script doing the same reads through the same proxies;
- requests: what one passive run asked, against the minimal set (each distinct read once);
- drive: one driven doc-only release, by phase;
- history: the live run with 0/1,000/10,000 extra releases on the GitOps branch (git fast-import);
- the test suite's time, only with --suite (`pytest tests -n auto --dist loadgroup`).

Usage: .venv/bin/python scripts/benchmark.py [--services 1,10,100,1000] [--history 0,1000,10000]
       [--latency 0,50,100] [--suite]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from agentrun_sandbox import lane as sandbox

from bench_lane import add_releases, delayed_lane_config, scale_bundle, wait_synced
from pytest_agentrun.lane import LaneConfig, LaneProfile
from pytest_agentrun import yaml_text

ROOT = Path(__file__).resolve().parents[1]
LOADGROUP = ("--dist", "loadgroup")  # the README's test command: one worker per world
PYTEST = [
    sys.executable,
    "-m",
    "pytest",
    str(ROOT / "acceptance"),
    "--lane",
    "v0.1",
    "-p",
    "no:cacheprovider",
    "-q",
]


def lines(path: Path) -> list[dict]:
    return (
        [json.loads(l) for l in path.read_text().splitlines() if l.strip()]
        if path.is_file()
        else []
    )


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, pytest's summary line) of one subprocess."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        _, _, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        out.seek(0)
        text = out.read().decode("utf-8", "replace").strip()
    summary = next(
        (l for l in reversed(text.splitlines()) if re.search(r"\d+ (passed|failed)", l)),
        text[-200:],
    )
    return seconds, usage.ru_maxrss / 1024, summary.strip("= ")


def run_with_phases(command: list[str], scratch: Path) -> tuple[float, float, str, dict[str, int]]:
    """run(), with the peak RSS at the end of each phase (scripts/bench_memory.py)."""
    phases = scratch / "memory-phases.json"
    phases.unlink(missing_ok=True)
    path = os.pathsep.join(filter(None, [str(ROOT / "scripts"), os.environ.get("PYTHONPATH")]))
    seconds, rss, outcome = run(
        [*command, "-p", "bench_memory"], {"AGENTRUN_BENCH_MEMORY": str(phases), "PYTHONPATH": path}
    )
    return seconds, rss, outcome, json.loads(phases.read_text()) if phases.is_file() else {}


def live(lane_config: Path, reports: Path, *extra: str) -> tuple[float, float, str]:
    return run(
        [*PYTEST, "--lane-config", str(lane_config), "--agentrun-reports", str(reports), *extra]
    )


def bundle_of(reports: Path) -> Path:
    return (reports / "evidence" / "latest").resolve()


def bundle_entries(bundle: Path) -> list[dict]:
    return [
        json.loads(l)
        for p in sorted(bundle.glob("evidence-*.jsonl"))
        for l in p.read_text().splitlines()
    ]


# -- services -------------------------------------------------------------------------------------
def services_table(bundle: Path, counts: list[int], scratch: Path) -> None:
    print(
        "\nservices (a recorded conforming lane scaled to N services, judged with --replay; MiB: "
        "peak RSS once the bundle is opened / through the tests / of the run, reports written)"
    )
    print(
        f"  {'N':>6} {'catalog':>8} {'entries':>8} {'pytest s':>9} {'opened':>7} {'tests':>6} "
        f"{'peak MiB':>9}  outcome"
    )
    times = {}
    for n in counts:
        scaled = scratch / f"bundle-{n}"
        entries = scale_bundle(bundle, scaled, n)
        catalog = next(
            e
            for e in bundle_entries(scaled)
            if "artifact-catalog" in e["key"] and e["key"].startswith("read ")
        )
        services = len(json.loads(catalog["value"])["services"])
        seconds, rss, outcome, phases = run_with_phases(
            [
                *PYTEST,
                "--replay-evidence",
                str(scaled),
                "--agentrun-reports",
                str(scratch / f"r-{n}"),
            ],
            scratch,
        )
        times[n] = seconds
        opened, tests = (str(phases.get(p, "?")) for p in ("opened", "tests"))
        print(
            f"  {n:>6} {services:>8} {entries:>8} {seconds:>9.2f} {opened:>7} {tests:>6} "
            f"{rss:>9.0f}  {outcome}"
        )
    if 100 in times and 1000 in times:
        print(
            f"  t(1000)/t(100) = {times[1000] / times[100]:.1f}   "
            "(targets: t(1000) <= 30 s, ratio <= 12, <= 300 MiB)"
        )


# -- requests -------------------------------------------------------------------------------------
def requests_table(api: list[dict], git: list[dict], bundle: Path) -> None:
    registry = [e for e in bundle_entries(bundle) if e["source"] == "registry"]
    reads = Counter(
        (e["method"], e["path"], json.dumps(e.get("query") or {}, sort_keys=True)) for e in api
    )
    fetches = [e for e in git if e["method"] == "GET" and e["path"].endswith("/info/refs")]
    # kube-apiserver audits a proxied request as a get of the services/proxy subresource
    health = sum(1 for e in api if e.get("subresource") == "proxy")
    listed = {e["path"] for e in api if e.get("verb") == "list" and not e.get("query")}
    # An object read twice: the same request again, or a GET of one object of a list already read.
    twice = [r for r, k in reads.items() if k > 1]
    twice += [
        e["path"] for e in api if e.get("verb") == "get" and e["path"].rpartition("/")[0] in listed
    ]
    rt06_only = rt06_only_lists(api)
    minimal = (
        len(reads) + len(git) + len(registry)
    )  # each distinct API read once; git: one fetch per remote + exact fetch
    total = len(api) + len(git) + len(registry)
    print(
        "\nrequests of one passive run (sandbox request logs; "
        "the registry logs none: its evidence entries)"
    )
    print(
        f"  kubernetes {len(api):>3} (distinct {len(reads)}; {health} health probe(s) through the "
        f"service proxy; {rt06_only} lists only RT-06 needs: "
        "one per namespaced kind discovery serves)"
    )
    print(
        f"  git HTTP   {len(git):>3} ({len(fetches)} fetches: source, mirror (3 requests each: "
        "capabilities, ls-refs, fetch), the mirror's exact fetch (2: no ref list))"
    )
    print(f"  registry   {len(registry):>3}")
    print(
        f"  total      {total:>3}   minimal set {minimal}   ratio {total / minimal:.2f}   "
        "(target <= 40, Kubernetes <= 1.1 x minimal, "
        "constant in services but for RT-05's one probe per service)"
    )
    print(f"  without RT-06's kind lists {total - rt06_only}")
    print(f"  read twice: {twice or 'none'}")


def rt06_only_lists(api: list[dict]) -> int:
    """Lists of the runtime namespace that no other criterion reads (the prefetch's RUNTIME_KINDS
    are the kinds other criteria list; any other namespaced list there is RT-06's alone)."""
    from pytest_agentrun.readers.prefetch import RUNTIME_KINDS
    from pytest_agentrun.readers.kube import resource_path

    namespace = LaneProfile.load("v0.1").runtime_namespace
    shared = {
        resource_path(kind, namespace) for kind in (*RUNTIME_KINDS, "Secret")
    }  # Secrets: RT-07 too
    return sum(
        1
        for e in api
        if e.get("verb") == "list"
        and f"/namespaces/{namespace}/" in e["path"]
        and e["path"] not in shared
    )


# -- latency --------------------------------------------------------------------------------------
def sequential_script(
    api: list[dict], registry: list[dict], raw: dict, kubeconfig: dict, path: Path
) -> Path:
    """The same reads as the run, one after another: curl for the API server and the registry, git
    fetch for the two remotes and the exact fetch (what the run's 3 fetches do)."""
    server = kubeconfig["clusters"][0]["cluster"]["server"]
    out = ["set -e", "scratch=$(mktemp -d)", 'trap "rm -rf $scratch" EXIT']
    # curl as the kubeconfig's user: its CA and client certificate, as the suite's client uses them
    cluster, user = kubeconfig["clusters"][0]["cluster"], kubeconfig["users"][0]["user"]
    for name, data in (
        ("ca.crt", cluster.get("certificate-authority-data")),
        ("client.crt", user.get("client-certificate-data")),
        ("client.key", user.get("client-key-data")),
    ):
        if data:
            out.append(f"echo {shlex.quote(data)} | base64 -d > $scratch/{name}")
    tls = (
        "--cacert $scratch/ca.crt --cert $scratch/client.crt --key $scratch/client.key"
        if server.startswith("https")
        else ""
    )
    for e in api:
        query = "&".join(f"{k}={v}" for k, v in (e.get("query") or {}).items())
        out.append(
            f"curl -sf {tls} -o /dev/null "
            f"{shlex.quote(server + e['path'] + ('?' + query if query else ''))} || true"
        )
    registry_url = raw["registry"]["url"]
    for e in registry:
        method, url, *rest = e["key"].split(" ")
        url = registry_url + url[url.index("/v2/") :]
        header = next((r.split("=", 1)[1] for r in rest if r.startswith("accept=")), "None")
        flag = "-I" if method == "HEAD" else ""
        out.append(
            f"curl -s {flag} -o /dev/null "
            f"{'-H ' + shlex.quote('Accept: ' + header) if header != 'None' else ''} "
            f"{shlex.quote(url)}"
        )
    for name, url in (("source", raw["source"]["repoUrl"]), ("mirror", raw["mirror"]["readUrl"])):
        out.append(
            f"git init -q --bare $scratch/{name} && "
            f"git -C $scratch/{name} fetch -q {shlex.quote(url)} "
            f"'+refs/heads/*:refs/remotes/r/*'"
        )
    out.append("sha=$(git -C $scratch/mirror rev-parse refs/remotes/r/v0.1)")
    out.append(
        f"git init -q --bare $scratch/exact && git -C $scratch/exact fetch -q --depth=1 "
        f"{shlex.quote(raw['mirror']['readUrl'])} $sha"
    )
    path.write_text("\n".join(out) + "\n")
    return path


def latency_table(
    lane_config: Path,
    api: list[dict],
    bundle: Path,
    delays: list[int],
    scratch: Path,
    rounds: int = 3,
) -> None:
    """Each delay `rounds` times, interleaved (the machine is shared: medians, not single runs)."""
    registry = [e for e in bundle_entries(bundle) if e["source"] == "registry"]
    suite: dict[int, list[float]] = {d: [] for d in delays}
    script: dict[int, list[float]] = {d: [] for d in delays}
    outcomes: dict[int, str] = {}
    for _ in range(rounds):
        for delay in delays:
            config, proxies = delayed_lane_config(
                lane_config, delay / 1000, scratch / f"latency-{delay}"
            )
            raw = yaml_text.load(config.read_text())
            kubeconfig = yaml_text.load(Path(raw["kubernetes"]["kubeconfig"]).read_text())
            reads = sequential_script(
                api, registry, raw, kubeconfig, scratch / f"latency-{delay}" / "reads.sh"
            )
            seconds, _, outcomes[delay] = live(
                config, scratch / f"latency-{delay}" / f"r{len(suite[delay])}"
            )
            suite[delay].append(seconds)
            started = time.monotonic()
            subprocess.run(["bash", str(reads)], capture_output=True)
            script[delay].append(time.monotonic() - started)
            for proxy in proxies:
                proxy.close()
    print(
        "\nlatency (ms added to every request of the API server, git and the registry; "
        f"median of {rounds})"
    )
    print(f"  {'ms':>4} {'suite s':>8} {'sequential script s':>20} {'suite - script':>15}  outcome")
    base = statistics.median(suite[delays[0]])
    for delay in delays:
        s_med, r_med = statistics.median(suite[delay]), statistics.median(script[delay])
        print(
            f"  {delay:>4} {s_med:>8.2f} {r_med:>20.2f} {s_med - r_med:>15.2f}  {outcomes[delay]}"
            + (
                f"   (+{s_med - base:.2f} s over {delays[0]} ms; target <= 1.5 s at 100 ms)"
                if delay != delays[0]
                else ""
            )
        )
    print(
        "  runs: " + "; ".join(f"{d} ms " + ", ".join(f"{x:.2f}" for x in suite[d]) for d in delays)
    )


# -- drive ----------------------------------------------------------------------------------------
def driven_release(handle) -> None:
    """Push a doc-only commit from the worktree to the GitHub stand-in, then drive it as --drive
    does."""
    from agentrun_sandbox.seed import git
    from pytest_agentrun.drive.promotion import follow_promotion
    from pytest_agentrun.drive.trigger import trigger_current, wait

    work = handle.paths.worktree
    (work / "docs" / "reference" / "benchmark.md").write_text(f"# benchmark {time.time()}\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "docs: benchmark note")
    git(work, "push", "-q", "origin", "v0.1")
    api_before = len(handle.paths.api_requests())
    with tempfile.TemporaryDirectory() as cache:
        config = LaneConfig.load(LaneProfile.load("v0.1"), handle.lane_config, Path(cache))
        quiet = lambda line: None  # noqa: E731
        started = time.monotonic()
        triggered = trigger_current(config, out=quiet)
        triggered_at = time.monotonic()
        outcome = wait(config, triggered.name, 300, out=quiet)
        run_done = time.monotonic()
        result = follow_promotion(config, outcome, 300, out=quiet)
        done = time.monotonic()
    phases = {
        "trigger (sync + exact fetch + create)": triggered_at - started,
        "PipelineRun": run_done - triggered_at,
        **{f"promotion {k}": v for k, v in result.phases.items()},
        "promotion total": done - run_done,
        "release total": done - started,
    }
    print(
        "\ndriven doc-only release (s; the sandbox simulator runs at 1/100 speed, "
        "the waits back off at the same scale)"
    )
    for phase, seconds in phases.items():
        print(f"  {phase:<38} {seconds:6.2f}")
    print(f"  API requests during the drive: {len(handle.paths.api_requests()) - api_before}")


# -- history --------------------------------------------------------------------------------------
def history_table(handle, extras: list[int], scratch: Path) -> None:
    profile = LaneProfile.load("v0.1")
    config = LaneConfig.load(profile, handle.lane_config, scratch / "history-cache")
    bares = [handle.paths.bare("mirror"), handle.paths.bare("github")]
    ci = (profile["ciIdentity"]["name"], profile["ciIdentity"]["email"])
    print(
        "\nhistory (extra releases on the GitOps branch: "
        "re-promotions written with git fast-import; live run)"
    )
    print(f"  {'extra':>6} {'commits':>8} {'suite s':>8} {'added s':>8}  outcome")
    done, base = 0, None
    for extra in extras:
        if extra > done:
            head = add_releases(
                bares, profile.gitops_branch, profile.catalog_path, extra - done, ci
            )
            wait_synced(config, head)
            done = extra
        commits = int(
            subprocess.run(
                ["git", "rev-list", "--count", profile.gitops_branch],
                cwd=bares[0],
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        seconds, _, outcome = live(handle.lane_config, scratch / f"history-{extra}")
        base = seconds if base is None else base
        print(f"  {extra:>6} {commits:>8} {seconds:>8.2f} {seconds - base:>8.2f}  {outcome}")
    print("  (target: 10,000 extra releases add <= 30 s)")


def suite_time() -> None:
    """The project's tests on all cores, the kill matrix alone and then everything (issue 19's
    targets: 5 and 10 minutes on a 2-core machine)."""
    for title, target, scope in (
        (
            "kill matrix (pytest tests/test_kill_matrix.py -n auto --dist loadgroup)",
            5,
            "tests/test_kill_matrix.py",
        ),
        ("test suite (pytest tests -n auto --dist loadgroup)", 10, "tests"),
    ):
        print(f"\n{title}")
        command = [sys.executable, "-m", "pytest", str(ROOT / scope), "-n", "auto", *LOADGROUP]
        seconds, _, outcome = run([*command, "-p", "no:cacheprovider", "-q"])
        print(f"  {seconds / 60:.1f} min  {outcome}   (target <= {target} min)")


def control_plane_table(root: Path) -> None:
    """Resident memory of the sandbox's processes (the control plane's components by name)."""
    rows = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            status = (proc / "status").read_text()
        except OSError:
            continue
        if not proc.name.isdigit() or not any(str(root).encode() in part for part in cmdline):
            continue
        rss = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
        name = (
            cmdline[1].decode()
            if cmdline[0].endswith(b"controlplane")
            else Path(cmdline[0].decode()).name
        )
        rows.append((name, rss / 1024))
    print("sandbox processes (MiB resident)")
    for name, mib in sorted(rows, key=lambda r: -r[1]):
        print(f"  {name:<28} {mib:7.0f}")
    print(f"  {'all':<28} {sum(m for _, m in rows):7.0f}   (target <= 1536)")


def kept_cluster_table(scratch: Path, lanes: int = 3) -> None:
    """Lanes on one kept cluster (what the kill matrix does): the cluster's start once, then each
    lane's start and the reset after it (controlplane/host.py)."""
    (scratch / "seeds").mkdir(parents=True)
    with sandbox.cluster_hosts(scratch / "clusters") as hosts:
        started = time.monotonic()
        host = hosts.of(None)
        print(f"kept cluster: started in {time.monotonic() - started:.2f} s")
        for number in range(lanes):
            started = time.monotonic()
            lane = scratch / f"lane-{number}"
            with sandbox.in_process(lane, host=host, seed_cache=scratch / "seeds") as handle:
                up = time.monotonic() - started
                started = time.monotonic()
            reset = time.monotonic() - started
            phases = ", ".join(f"{k} {v}" for k, v in handle.info.get("phases", {}).items())
            print(f"  lane {number}: up {up:.2f} s, stopped and reset {reset:.2f} s ({phases})")
        print(f"  lanes that kept the seed of the lane before: {host.kept}")
        print(f"  lanes that only added to the seed, their additions deleted: {host.cleared}")
        print(f"  restarts after a reset that left something: {len(host.restarts)}")


def numbers(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=numbers, default=[1, 10, 100, 1000])
    parser.add_argument("--history", type=numbers, default=[0, 1000, 10000])
    parser.add_argument("--latency", type=numbers, default=[0, 50, 100])
    parser.add_argument("--no-drive", action="store_true")
    parser.add_argument(
        "--suite",
        action="store_true",
        help="also time the kill matrix and the test suite (minutes)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agentrun-bench-") as name:
        scratch = Path(name)
        root = scratch / "lane"
        started = time.monotonic()
        handle = sandbox.up(root, parent_pid=os.getpid())
        print(
            f"sandbox start-up {time.monotonic() - started:.2f} s "
            f"(Kubernetes {handle.info['kubernetes']}; "
            f"its own figure, seeding included: {handle.info['seconds']} s)"
        )
        phases = ", ".join(f"{k} {v}" for k, v in handle.info.get("phases", {}).items())
        print(f"  its phases (s): {phases}")
        control_plane_table(root)
        kept_cluster_table(scratch / "kept")
        try:
            api_before, git_before = (
                len(handle.paths.api_requests()),
                len(lines(handle.paths.git_log)),
            )
            seconds, rss, outcome = live(handle.lane_config, scratch / "recorded")
            api = handle.paths.api_requests()[api_before:]
            git = lines(handle.paths.git_log)[git_before:]
            bundle = bundle_of(scratch / "recorded")
            print(f"recorded live run {seconds:.2f} s, peak {rss:.0f} MiB: {outcome}")
            requests_table(api, git, bundle)
            services_table(bundle, args.services, scratch)
            latency_table(handle.lane_config, api, bundle, args.latency, scratch)
            if not args.no_drive:
                driven_release(handle)
            history_table(handle, args.history, scratch)
        finally:
            sandbox.down(root)
    if args.suite:
        suite_time()
    else:
        print(
            "\ntest suite: not timed in this run "
            "(--suite runs `pytest tests -n auto --dist loadgroup`)"
        )


if __name__ == "__main__":
    main()
