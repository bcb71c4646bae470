"""`agentrun-lane`: the command line around a lane: sandbox up/down, mirror, trigger-current, promote."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _sandbox_up(args: argparse.Namespace) -> int:
    from agentrun_sandbox import lane as sandbox
    try:
        handle = sandbox.up(args.dir, lane=args.lane, timeout=args.timeout)
    except sandbox.SandboxError as exc:
        print(f"agentrun-lane: {exc}", file=sys.stderr)
        return 1
    print(f"sandbox lane {args.lane} up in {handle.info['seconds']}s")
    print(f"  lane config  {handle.lane_config}")
    print(f"  kubeconfig   {handle.kubeconfig}")
    for key in ("api", "git", "registry"):
        print(f"  {key:<12} {handle.info[key]}")
    print(f"judge it:  pytest acceptance --lane {args.lane} --lane-config {handle.lane_config}")
    print(f"stop it:   agentrun-lane sandbox down --dir {args.dir}")
    return 0


def _sandbox_down(args: argparse.Namespace) -> int:
    from agentrun_sandbox import lane as sandbox
    stopped = sandbox.down(args.dir)
    print(f"sandbox lane in {args.dir}: " + (f"stopped pids {stopped}" if stopped else "nothing was running"))
    return 0


def _lane_config(args: argparse.Namespace):
    import atexit
    import shutil
    import tempfile
    from .lane import LaneConfig, LaneProfile
    profile = LaneProfile.load(args.lane)
    cache = Path(tempfile.mkdtemp(prefix="agentrun-cli-"))   # git fetches of this command only
    atexit.register(shutil.rmtree, cache, True)
    return LaneConfig.load(profile, args.lane_config, cache)


def _lane_session(args: argparse.Namespace):
    from .session import LaneSession
    return LaneSession(_lane_config(args))


def _print(rows: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        print(f"{key:<{width}}  {value}")


def _mirror(args: argparse.Namespace) -> int:
    from .errors import AgentrunError
    if args.action in ("sync", "flush") and _refuse_unconfirmed(args, f"mirror {args.action}"):
        return 2
    try:
        session = _lane_session(args)
        if args.action == "status":
            _print(session.mirror.status().as_dict(), args.json)
        else:
            session.mirror.drive_allowed = True   # confirmed above
            move = session.mirror.sync() if args.action == "sync" else session.mirror.flush()
            _print(move.as_dict(), args.json)
    except AgentrunError as exc:
        print(f"agentrun-lane: {exc}", file=sys.stderr)
        return 1
    return 0


def _refuse_unconfirmed(args: argparse.Namespace, what: str) -> bool:
    if not args.confirm:
        print(f"agentrun-lane: `{what}` changes the lane: run it again with --confirm", file=sys.stderr)
    return not args.confirm


def _progress(args: argparse.Namespace):
    """Progress lines go to stderr with --json, so that stdout is the JSON document only."""
    if args.json:
        return lambda line: print(line, file=sys.stderr, flush=True)
    return lambda line: print(line, flush=True)


def _run_rows(outcome) -> dict:
    return {"pipelineRun": f"{outcome.namespace}/{outcome.name}", "revision": outcome.revision,
            "succeeded": outcome.succeeded, "reason": outcome.reason, "planSummary": outcome.plan_summary,
            "seconds": round(outcome.seconds, 1), **{f"result {k}": v for k, v in outcome.results.items()}}


def _trigger_current(args: argparse.Namespace) -> int:
    from .drive.trigger import RunFailed, RunTimedOut, trigger_current, wait
    from .errors import AgentrunError
    if _refuse_unconfirmed(args, "trigger-current"):
        return 2
    out, triggered = _progress(args), None
    try:
        config = _lane_config(args)
        triggered = trigger_current(config, out=out)
        if args.no_wait:
            _print(triggered.as_dict(), args.json)
            return 0
        outcome = wait(config, triggered.name, args.timeout, out=out)
    except (RunFailed, RunTimedOut) as exc:   # the run's last state is still the answer on stdout
        _print_run(triggered, exc.outcome, args.json)
        print(f"agentrun-lane: {exc}", file=sys.stderr)
        return 1
    except AgentrunError as exc:
        print(f"agentrun-lane: {exc}", file=sys.stderr)
        return 1
    _print_run(triggered, outcome, args.json)
    return 0


def _print_run(triggered, outcome, as_json: bool) -> None:
    if as_json:
        _print({"trigger": triggered.as_dict(), "run": outcome.as_dict()}, True)
        return
    _print({"created": triggered.created, "mirrorSynced": bool(triggered.synced and triggered.synced["moved"]),
            **_run_rows(outcome)}, False)
    print("\n".join(outcome.table()))


def _promote(args: argparse.Namespace) -> int:
    import time
    from .drive.mirror_sync import live_heads
    from .drive.promotion import follow_promotion
    from .drive.trigger import wait
    from .errors import AgentrunError, DriveError
    if _refuse_unconfirmed(args, "promote"):
        return 2
    out, started = _progress(args), time.monotonic()
    try:
        config = _lane_config(args)
        name = args.run_name
        if name is None:
            head = live_heads(config)["githubV01"]
            if head is None:
                raise DriveError(f"GitHub has no branch {config.profile.source_branch}: name the run with --run")
            name = config.profile.pipeline_run_name(head)
        outcome = wait(config, name, args.timeout, out=out)
        result = follow_promotion(config, outcome, max(0.0, args.timeout - (time.monotonic() - started)), out=out)
    except AgentrunError as exc:
        print(f"agentrun-lane: {exc}", file=sys.stderr)
        return 1
    rows = result.as_dict()
    if not args.json:
        rows["flushed"] = (f"{rows['flushed']['before']} -> {rows['flushed']['after']}" if rows["flushed"]["moved"]
                           else f"nothing to flush ({rows['flushed']['after']})")
        rows["workloads"] = "; ".join(rows["workloads"])
        rows["phases"] = ", ".join(f"{k} {v}s" for k, v in rows["phases"].items())
    _print(rows, args.json)
    return 0


def _lane_options(command: argparse.ArgumentParser, confirm_help: str) -> None:
    command.add_argument("--lane", default="v0.1")
    command.add_argument("--lane-config", type=Path, help="the lane connection config (default: the lane profile)")
    command.add_argument("--json", action="store_true", help="machine-readable output on stdout (progress on stderr)")
    command.add_argument("--confirm", action="store_true", help=confirm_help)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="agentrun-lane", description="Operate an AgentRun version lane.")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("render-incluster", help="render the in-cluster verification Task, its RBAC and the "
                        "patches that add it to the lane Pipeline and PipelineRun template", add_help=False)
    commands.add_parser("install-incluster", help="install the verification Task on the lane (only with --confirm)",
                        add_help=False)
    commands.add_parser("settle", help="wait, bounded, for Argo CD Synced/Healthy at the GitOps head and no "
                        "pending flush (the verification Task's first step)", add_help=False)
    sandbox = commands.add_parser("sandbox", help="an embedded sandbox lane on this machine")
    actions = sandbox.add_subparsers(dest="action", required=True)
    up = actions.add_parser("up", help="start a sandbox lane that keeps running (detached)")
    up.add_argument("--dir", type=Path, required=True, help="where the lane lives: lane.yaml, kubeconfig, pids, data")
    up.add_argument("--lane", default="v0.1")
    up.add_argument("--timeout", type=float, default=60.0)
    up.set_defaults(run=_sandbox_up)
    down = actions.add_parser("down", help="stop the sandbox lane started in --dir (removes nothing else)")
    down.add_argument("--dir", type=Path, required=True)
    down.set_defaults(run=_sandbox_down)
    mirror = commands.add_parser("mirror", help="git mirror status, sync (GitHub -> mirror) and flush (mirror -> GitHub)")
    mirror.add_argument("action", choices=["status", "sync", "flush"])
    _lane_options(mirror, "allow sync/flush to change the lane")
    mirror.set_defaults(run=_mirror)
    trigger = commands.add_parser("trigger-current", help="create (or reuse) the PipelineRun for GitHub's source head "
                                  "and wait for it (DR-02)")
    _lane_options(trigger, "allow it to sync the mirror and create the PipelineRun")
    trigger.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the run (default 1800)")
    trigger.add_argument("--no-wait", action="store_true", help="return once the run is created or found")
    trigger.set_defaults(run=_trigger_current)
    promote = commands.add_parser("promote", help="wait for a run, then follow its promotion to a ready runtime (DR-03)")
    _lane_options(promote, "allow it to flush the GitOps branch to GitHub")
    promote.add_argument("--run", dest="run_name", metavar="NAME", help="the PipelineRun (default: the run for GitHub's current source head)")
    promote.add_argument("--timeout", type=float, default=1800.0,
                         help="seconds for the run and the whole promotion (default 1800)")
    promote.set_defaults(run=_promote)
    return root


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["render-incluster"]:  # its own argument parser
        from .incluster.render import main as render_incluster
        return render_incluster(argv[1:])
    if argv[:1] == ["install-incluster"]:
        from .incluster.install import main as install_incluster
        return install_incluster(argv[1:])
    if argv[:1] == ["settle"]:
        from .incluster.settle import main as settle
        return settle(argv[1:])
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        # Only the wait stops: a PipelineRun or a sync already started goes on in the lane, and
        # running the same command again finds it (trigger-current reuses the run of the commit).
        print("agentrun-lane: interrupted; what was already started goes on in the lane: run the command "
              "again to follow it", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
