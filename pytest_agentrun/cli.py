"""`agentrun-lane`: the command line around a lane (sandbox up/down for now)."""

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


def _lane_session(args: argparse.Namespace):
    import tempfile
    from .lane import LaneConfig, LaneProfile
    from .session import LaneSession
    profile = LaneProfile.load(args.lane)
    return LaneSession(LaneConfig.load(profile, args.lane_config, Path(tempfile.mkdtemp(prefix="agentrun-cli-"))))


def _print(rows: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        print(f"{key:<{width}}  {value}")


def _mirror(args: argparse.Namespace) -> int:
    from .drive.mirror_sync import DriveError
    from .errors import AgentrunError
    if args.action in ("sync", "flush") and not args.confirm:
        print(f"agentrun-lane: `mirror {args.action}` changes the lane: run it again with --confirm", file=sys.stderr)
        return 2
    try:
        session = _lane_session(args)
        if args.action == "status":
            _print(session.mirror.status().as_dict(), args.json)
        else:
            move = session.mirror.sync() if args.action == "sync" else session.mirror.flush()
            _print(move.as_dict(), args.json)
    except (DriveError, AgentrunError) as exc:
        print(f"agentrun-lane: {exc}", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="agentrun-lane", description="Operate an AgentRun version lane.")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("render-incluster", help="render the in-cluster verification Task, its RBAC and the Pipeline snippet",
                        add_help=False)
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
    mirror.add_argument("--lane", default="v0.1")
    mirror.add_argument("--lane-config", type=Path, help="the lane connection config (default: the lane profile)")
    mirror.add_argument("--json", action="store_true", help="machine-readable output")
    mirror.add_argument("--confirm", action="store_true", help="allow sync/flush to change the lane")
    mirror.set_defaults(run=_mirror)
    return root


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["render-incluster"]:  # its own argument parser
        from .incluster.render import main as render_incluster
        return render_incluster(argv[1:])
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
