"""Settle before judging: wait, bounded and with progress, until the release is final.

Final means: nothing is pending flush (the mirror's GitOps branch equals GitHub's) and the lane's
Application is Synced and Healthy at that head. AR-03 and MR-03 judge exactly this, so a suite run
before it would fail a healthy release that is still closing (the flush and Argo CD's sync come
after the lane's promote task). Without credentials for the source repo the flush cannot be seen:
the wait is then on Argo CD at the mirror's head only, and settle.json says so.

`agentrun-lane settle --lane v0.1 [--lane-config F] [--timeout 900] [--out settle.json]`: exit 0
when settled, 1 when the timeout passed first (`settled: false` and what was last seen), which the
verification Task reports as the verdict `not-settled`, never as a failed criterion.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import git

from ..defaults import TIMEOUTS
from ..errors import AgentrunError
from ..lane import LaneConfig, LaneProfile
from ..readers.git import last_error_line, ls_remote
from ..masking import redact_url


def _head(url: str, branch: str) -> tuple[str | None, str]:
    try:
        return ls_remote(url, f"refs/heads/{branch}").get(f"refs/heads/{branch}"), ""
    except git.GitCommandError as exc:
        return None, f"ls-remote {redact_url(url)}: {last_error_line(exc)}"


def observe(config: LaneConfig, kube) -> dict[str, Any]:
    """One look at the lane: the GitOps heads, the Application's sync and health,
    and whether settled."""
    profile, branch = config.profile, config.profile.gitops_branch
    local, problem = _head(config.mirror_read_url, branch)
    github, github_problem = (
        (None, "no credentials for the source repo: flush not checked")
        if not config.source_credentials
        else _head(config.source_repo_url, branch)
    )
    app = kube.get("Application", profile.argocd_namespace, profile.application) or {}
    status = app.get("status") or {}
    sync, health = status.get("sync") or {}, (status.get("health") or {}).get("status")
    seen = {
        "gitopsHead": local,
        "githubGitops": github,
        "sync": sync.get("status"),
        "syncRevision": sync.get("revision"),
        "health": health,
        "flushChecked": config.source_credentials,
        "pendingFlush": None if github is None else local != github,
        "problems": [p for p in (problem, github_problem) if p]
        or ([] if app else ["no Application"]),
    }
    seen["settled"] = bool(
        local
        and sync.get("status") == "Synced"
        and health == "Healthy"
        and sync.get("revision") == local
        and (seen["pendingFlush"] is False or not config.source_credentials)
    )
    return seen


def describe(seen: dict[str, Any]) -> str:
    flush = {True: "flush pending", False: "nothing pending flush", None: "flush unknown"}[
        seen["pendingFlush"]
    ]
    return (
        f"GitOps head {seen['gitopsHead']}, {flush}; Argo CD {seen['sync']} at "
        f"{seen['syncRevision']}, {seen['health']}"
        + (f" ({'; '.join(seen['problems'])})" if seen["problems"] else "")
    )


def wait(config: LaneConfig, timeout: float, poll: float = 2.0, out=print) -> dict[str, Any]:
    from ..readers.kube_live import LiveKube

    kube, started, last = LiveKube(config), time.monotonic(), ""
    while True:
        seen = observe(config, kube)
        elapsed = time.monotonic() - started
        line = describe(seen)
        if line != last:  # progress: each change of state, once
            out(f"[settle {elapsed:5.1f}s] {line}")
            last = line
        if seen["settled"] or elapsed >= timeout:
            return {**seen, "seconds": round(elapsed, 1), "timeout": timeout}
        time.sleep(max(0.0, min(poll, timeout - elapsed)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="agentrun-lane settle", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--lane", default="v0.1")
    parser.add_argument("--lane-config", type=Path)
    parser.add_argument("--timeout", type=float, default=TIMEOUTS.settle)
    parser.add_argument("--poll", type=float, default=2.0)
    parser.add_argument("--out", type=Path, help="write the outcome here as JSON")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="agentrun-settle-") as cache_dir:
            profile = LaneProfile.load(args.lane)
            config = LaneConfig.load(profile, args.lane_config, Path(cache_dir))
            result = wait(config, args.timeout, args.poll)
    except AgentrunError as exc:  # the lane could not be looked at: an error, not a wait run out
        result = {"settled": False, "error": str(exc).splitlines()[0]}
        print(f"agentrun-lane settle: {result['error']}", file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps(result))
    print("settled" if result["settled"] else f"not settled within {args.timeout:g}s")
    return 0 if result["settled"] else 1


if __name__ == "__main__":
    sys.exit(main())
