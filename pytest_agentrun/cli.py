"""`agentrun-lane`: the command line around a lane: sandbox up/down, mirror, trigger-current,
promote, verify-signoff, diff.

Exit codes are the plugin's (the one table, verdict/exitcodes.py): 0 done / signed off, 1 the lane
or the step failed, 4 a usage error (unknown lane, bad arguments, a change refused without
--confirm), 8 a sign-off attestation that does not verify. No input ends in a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__
from .defaults import TIMEOUTS
from .errors import AgentrunError, LaneConfigError
from .verdict import exitcodes
from .verdict.exitcodes import ExitCode


def _sandbox_up(args: argparse.Namespace) -> int:
    from agentrun_sandbox import lane as sandbox

    try:
        handle = sandbox.up(args.dir, lane=args.lane, timeout=args.timeout, world=args.world)
    except sandbox.SandboxError as exc:
        from .sandbox_session import failure_cause

        # The cause in one line; a supervisor's whole traceback stays in the lane's directory.
        where = f" (see {args.dir})" if "\n" in str(exc) else ""
        print(f"agentrun-lane: {failure_cause(str(exc))}{where}", file=sys.stderr)
        return 1
    print(
        f"sandbox lane {args.lane} up in {handle.info['seconds']}s (world {handle.info['world']})"
    )
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
    print(
        f"sandbox lane in {args.dir}: "
        + (f"stopped pids {stopped}" if stopped else "nothing was running")
    )
    return 0


def _lane_config(args: argparse.Namespace):
    import atexit
    import shutil
    import tempfile
    from .lane import LaneConfig, LaneProfile

    profile = LaneProfile.load(args.lane)
    cache = Path(tempfile.mkdtemp(prefix="agentrun-cli-"))  # git fetches of this command only
    atexit.register(shutil.rmtree, cache, True)
    return LaneConfig.load(profile, args.lane_config, cache)


def _lane_session(args: argparse.Namespace):
    from .readers.session import LaneSession

    return LaneSession(_lane_config(args))


def _driver(args: argparse.Namespace, command: str, out=print):
    """The LaneDriver of a command the user confirmed (`_refuse_unconfirmed` ran first)."""
    from .drive.driver import DriveConsent, LaneDriver

    return LaneDriver(
        _lane_config(args),
        DriveConsent.of_command(command, args.confirm),
        out,
        getattr(args, "timeout", TIMEOUTS.drive),
    )  # mirror sync/flush wait for nothing


def _failed(exc: Exception) -> int:
    print(f"agentrun-lane: {exc}", file=sys.stderr)
    return ExitCode.USAGE if isinstance(exc, LaneConfigError) else ExitCode.NOT_FIT


def _print(rows: dict, output: str | bool) -> None:
    """`output`: "json", "yaml" or "text" (True/False: --json given or not)."""
    output = (
        {True: "json", False: "text"}.get(output, output) if isinstance(output, bool) else output
    )
    if output == "json":
        print(json.dumps(rows, indent=2, default=str))
        return
    if output == "yaml":
        import yaml

        print(yaml.safe_dump(rows, sort_keys=False, allow_unicode=True), end="")
        return
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        print(f"{key:<{width}}  {value}")


def _mirror(args: argparse.Namespace) -> int:
    if args.action in ("sync", "flush") and _refuse_unconfirmed(args, f"mirror {args.action}"):
        return ExitCode.USAGE
    try:
        if args.action == "status":
            _print(_lane_session(args).mirror.status().as_dict(), args.output)
        else:
            driver = _driver(args, f"mirror {args.action}")
            move = driver.sync() if args.action == "sync" else driver.flush()
            _print(move.as_dict(), args.output)
    except AgentrunError as exc:
        return _failed(exc)
    return 0


def _verify_signoff(args: argparse.Namespace) -> int:
    from .attestation import AttestationError, verify

    try:
        stmt = verify(args.file, args.key)
    except AttestationError as exc:
        print(f"agentrun-lane: NOT VERIFIED: {exc}", file=sys.stderr)
        return ExitCode.NOT_VERIFIED
    predicate = stmt["predicate"]
    result = predicate.get("verificationResult")
    rows = {
        "verified": True,
        "verificationResult": result,
        "timeVerified": predicate.get("timeVerified"),
        "policy": predicate.get("policy", {}).get("uri"),
        "resourceUri": predicate.get("resourceUri"),
        "subjects": [s.get("name") for s in stmt.get("subject", [])],
    }
    _print(rows, args.output)
    return ExitCode.FIT if result == "PASSED" else ExitCode.NOT_FIT


def _diff(args: argparse.Namespace) -> int:
    from .evidence.diff import diff, text

    try:
        result = diff(args.before, args.after)
    except (ValueError, OSError, KeyError) as exc:
        print(f"agentrun-lane: cannot diff: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    if args.output == "text":
        print("\n".join(text(result)))
    else:
        _print(result, args.output)
    return 0


def _refuse_unconfirmed(args: argparse.Namespace, what: str) -> bool:
    if not args.confirm:
        print(
            f"agentrun-lane: `{what}` changes the lane: run it again with --confirm",
            file=sys.stderr,
        )
    return not args.confirm


def _progress(args: argparse.Namespace):
    """Progress lines go to stderr with -o json/yaml, so that stdout is the document only."""
    if args.output != "text":
        return lambda line: print(line, file=sys.stderr, flush=True)
    return lambda line: print(line, flush=True)


def _run_rows(outcome) -> dict:
    return {
        "pipelineRun": f"{outcome.namespace}/{outcome.name}",
        "revision": outcome.revision,
        "succeeded": outcome.succeeded,
        "reason": outcome.reason,
        "planSummary": outcome.plan_summary,
        "seconds": round(outcome.seconds, 1),
        **{f"result {k}": v for k, v in outcome.results.items()},
    }


def _trigger_current(args: argparse.Namespace) -> int:
    from .drive.trigger import RunFailed, RunTimedOut

    if _refuse_unconfirmed(args, "trigger-current"):
        return ExitCode.USAGE
    triggered = None
    try:
        driver = _driver(args, "trigger-current", _progress(args))
        triggered = driver.trigger_current()
        if args.no_wait:
            _print(triggered.as_dict(), args.output)
            return 0
        outcome = driver.wait()
    except (RunFailed, RunTimedOut) as exc:  # the run's last state is still the answer on stdout
        _print_run(triggered, exc.outcome, args.output)
        print(f"agentrun-lane: {exc}", file=sys.stderr)
        return 1
    except AgentrunError as exc:
        return _failed(exc)
    _print_run(triggered, outcome, args.output)
    return 0


def _print_run(triggered, outcome, output: str) -> None:
    if output != "text":
        _print({"trigger": triggered.as_dict(), "run": outcome.as_dict()}, output)
        return
    _print(
        {
            "created": triggered.created,
            "mirrorSynced": bool(triggered.synced and triggered.synced["moved"]),
            **_run_rows(outcome),
        },
        False,
    )
    print("\n".join(outcome.table()))


def _promote(args: argparse.Namespace) -> int:
    import time
    from .drive.mirror_sync import live_heads
    from .errors import DriveError

    if _refuse_unconfirmed(args, "promote"):
        return ExitCode.USAGE
    started = time.monotonic()
    try:
        driver = _driver(args, "promote", _progress(args))
        config = driver.config
        name = args.run_name
        if name is None:
            head = live_heads(config)["githubV01"]
            if head is None:
                raise DriveError(
                    f"GitHub has no branch {config.profile.source_branch}: name the run with --run"
                )
            name = config.profile.pipeline_run_name(head)
        outcome = driver.wait(name=name)
        result = driver.follow(outcome, max(0.0, args.timeout - (time.monotonic() - started)))
    except AgentrunError as exc:
        return _failed(exc)
    rows = result.as_dict()
    if args.output == "text":
        rows["flushed"] = (
            f"{rows['flushed']['before']} -> {rows['flushed']['after']}"
            if rows["flushed"]["moved"]
            else f"nothing to flush ({rows['flushed']['after']})"
        )
        rows["workloads"] = "; ".join(rows["workloads"])
        rows["phases"] = ", ".join(f"{k} {v}s" for k, v in rows["phases"].items())
    _print(rows, args.output)
    return 0


def _output_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "-o",
        "--output",
        choices=["text", "json", "yaml"],
        default="text",
        help="output format on stdout (default text; progress goes to stderr for json/yaml)",
    )
    command.add_argument(
        "--json", dest="output", action="store_const", const="json", help="same as -o json"
    )


def _lane_options(command: argparse.ArgumentParser, confirm_help: str) -> None:
    command.add_argument(
        "--lane",
        default="v0.1",
        help="the lane (a profile in pytest_agentrun/lanes/; default v0.1)",
    )
    command.add_argument(
        "--lane-config", type=Path, help="the lane connection config (default: the lane profile)"
    )
    _output_options(command)
    command.add_argument("--confirm", action="store_true", help=confirm_help)


def parser() -> argparse.ArgumentParser:
    root = UsageParser(
        prog="agentrun-lane",
        description="Operate an AgentRun version lane.",
        epilog=exitcodes.help_text(exitcodes.CLI),
    )
    root.add_argument("--version", action="version", version=f"agentrun-lane {__version__}")
    commands = root.add_subparsers(dest="command", required=True, parser_class=UsageParser)
    commands.add_parser(
        "render-incluster",
        help="render the in-cluster verification Task, its RBAC and the "
        "patches that add it to the lane Pipeline and PipelineRun template",
        add_help=False,
    )
    commands.add_parser(
        "install-incluster",
        help="install the verification Task on the lane (only with --confirm)",
        add_help=False,
    )
    commands.add_parser(
        "settle",
        help="wait, bounded, for Argo CD Synced/Healthy at the GitOps head and no "
        "pending flush (the verification Task's first step)",
        add_help=False,
    )
    sandbox = commands.add_parser("sandbox", help="an embedded sandbox lane on this machine")
    actions = sandbox.add_subparsers(dest="action", required=True)
    up = actions.add_parser("up", help="start a sandbox lane that keeps running (detached)")
    up.add_argument(
        "--dir",
        type=Path,
        required=True,
        help="where the lane lives: lane.yaml, kubeconfig, pids, data",
    )
    up.add_argument("--lane", default="v0.1", help="the lane profile to seed (default v0.1)")
    up.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds to wait for the lane to be ready (default 60)",
    )
    up.add_argument(
        "--world",
        metavar="NAME",
        help="the sandbox world: default, argocd3, lived-in, ... "
        "(fixtures/agentrun_sandbox/worlds/; docs/sandbox-worlds.md)",
    )
    up.set_defaults(run=_sandbox_up)
    down = actions.add_parser(
        "down", help="stop the sandbox lane started in --dir (removes nothing else)"
    )
    down.add_argument("--dir", type=Path, required=True, help="the --dir the lane was started in")
    down.set_defaults(run=_sandbox_down)
    mirror = commands.add_parser(
        "mirror", help="git mirror status, sync (GitHub -> mirror) and flush (mirror -> GitHub)"
    )
    mirror.add_argument(
        "action",
        choices=["status", "sync", "flush"],
        help="status reads; sync and flush change the lane",
    )
    _lane_options(mirror, "allow sync/flush to change the lane")
    mirror.set_defaults(run=_mirror)
    trigger = commands.add_parser(
        "trigger-current",
        help="create (or reuse) the PipelineRun for GitHub's source head and wait for it (DR-02)",
    )
    _lane_options(trigger, "allow it to sync the mirror and create the PipelineRun")
    trigger.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUTS.drive,
        help=f"seconds to wait for the run (default {TIMEOUTS.drive:g})",
    )
    trigger.add_argument(
        "--no-wait", action="store_true", help="return once the run is created or found"
    )
    trigger.set_defaults(run=_trigger_current)
    promote = commands.add_parser(
        "promote", help="wait for a run, then follow its promotion to a ready runtime (DR-03)"
    )
    _lane_options(promote, "allow it to flush the GitOps branch to GitHub")
    promote.add_argument(
        "--run",
        dest="run_name",
        metavar="NAME",
        help="the PipelineRun (default: the run for GitHub's current source head)",
    )
    promote.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUTS.drive,
        help=f"seconds for the run and the whole promotion (default {TIMEOUTS.drive:g})",
    )
    promote.set_defaults(run=_promote)
    verify = commands.add_parser(
        "verify-signoff",
        help="verify a signed verification-summary.intoto.json (DSSE) "
        "with the public key; exit 0 only for a verified PASSED sign-off",
    )
    verify.add_argument(
        "file", type=Path, help="reports/verification-summary.intoto.json written with --sign-key"
    )
    verify.add_argument(
        "--key", type=Path, required=True, help="the PEM public key matching --sign-key"
    )
    _output_options(verify)
    verify.set_defaults(run=_verify_signoff)
    diff = commands.add_parser(
        "diff",
        help="what changed between two sign-offs (two evidence bundles): criteria "
        "whose status changed, commits, digests and recorded evidence",
    )
    diff.add_argument("before", type=Path, help="the earlier bundle (reports/evidence/<run>)")
    diff.add_argument("after", type=Path, help="the later bundle (e.g. reports/evidence/latest)")
    _output_options(diff)
    diff.set_defaults(run=_diff)
    return root


class UsageParser(argparse.ArgumentParser):
    """Usage errors exit 4, as the plugin's do (argparse's own is 2, pytest's 'interrupted')."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
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
        return args.run(args)
    except BrokenPipeError:  # `agentrun-lane ... | head`: the reader left; nothing more to say
        _quiet_stdout()
        return 0
    except AgentrunError as exc:
        return _failed(exc)
    except OSError as exc:
        print(
            f"agentrun-lane: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return ExitCode.NOT_FIT
    except KeyboardInterrupt:
        # Only the wait stops: a PipelineRun or a sync already started goes on in the lane, and
        # running the same command again finds it (trigger-current reuses the run of the commit).
        print(
            "agentrun-lane: interrupted; what was already started goes on in the lane: run the "
            "command again to follow it",
            file=sys.stderr,
        )
        return 130


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final
    flush stays silent."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
