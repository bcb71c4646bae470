"""The plugin's command-line and ini options, and the questions the plugin asks of them.

ini keys (pytest.ini / pyproject's [tool.pytest.ini_options]) stand in for --lane, --lane-config
and --agentrun-reports; the command line wins. `--replay-evidence` was `--replay`, which clashes
with pytest-replay: the old spelling stays as an alias when pytest-replay is not installed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from .defaults import DEFAULTS, TIMEOUTS
from .verdict import exitcodes
from .catalogue.criteria import catalogue

DEFAULT_REPORTS = Path("reports")


def add(parser: pytest.Parser) -> None:
    codes = exitcodes.help_text(exitcodes.LANE_RUN)  # generated from the one table of exit codes
    group = parser.getgroup("agentrun", f"AgentRun lane acceptance ({codes})")
    group.addoption(
        "--lane",
        metavar="NAME",
        help=(
            "the lane to judge, e.g. v0.1 (a profile in pytest_agentrun/lanes/; ini: agentrun_lane)"
        ),
    )
    group.addoption(
        "--lane-config",
        metavar="PATH",
        type=Path,
        help=(
            "lane connection config (kubeconfig/context or in-cluster, repo, mirror and registry "
            "URLs, worktree); every key defaults to the lane profile (ini: agentrun_lane_config)"
        ),
    )
    group.addoption(
        "--sandbox",
        action="store_true",
        help=(
            "bring up an embedded sandbox lane for this session and judge it (torn down at the end)"
        ),
    )
    group.addoption(
        "--sandbox-world",
        metavar="NAME",
        default=None,
        help=(
            "with --sandbox: the sandbox world to bring up (docs/sandbox-worlds.md; default: "
            "default)"
        ),
    )
    group.addoption(
        "--drive",
        action="store_true",
        help="allow tests marked `drive` to CHANGE the lane (mirror sync/flush, PipelineRuns); "
        "without it they are deselected and DR-01..DR-04 are not judged",
    )
    group.addoption(
        "--drive-timeout",
        metavar="SECONDS",
        type=float,
        default=TIMEOUTS.drive,
        help="how long a drive waits for a PipelineRun, and then for its promotion "
        f"(default {TIMEOUTS.drive:g})",
    )
    group.addoption(
        "--prefetch-workers",
        metavar="N",
        type=int,
        default=DEFAULTS.prefetch_workers,
        help="read the known evidence at session start on N threads "
        f"(default {DEFAULTS.prefetch_workers}; 0 reads sequentially; "
        "never with --drive, when replaying, or in xdist workers)",
    )
    group.addoption(
        "--list-criteria",
        action="store_true",
        help="print every criterion of the catalogue with the tests that cover it, run nothing",
    )
    group.addoption(
        "--criteria",
        metavar="IDS",
        default=None,
        help="judge only these criteria (comma-separated, e.g. RT-02,AR-03): the verdict is "
        "'partial', never a sign-off (criterion IDs are also -k keywords: -k RT-02)",
    )
    group.addoption(
        "--explain",
        metavar="ID",
        default=None,
        help="print a criterion: its spec section (Chinese source and restatement), the evidence "
        "it reads, where its check lives and the scenarios that make it fail; run nothing",
    )
    replay = ["--replay-evidence"] + ([] if _pytest_replay_installed() else ["--replay"])
    group.addoption(
        *replay,
        dest="replay",
        metavar="BUNDLE",
        type=Path,
        help="judge the lane offline from a recorded evidence bundle (reports/evidence/<run>, or "
        "reports/evidence/latest), reading nothing live (alias: --replay)",
    )
    group.addoption(
        "--sign-key",
        metavar="KEY",
        type=Path,
        default=None,
        help="sign reports/verification-summary.intoto.json as a DSSE envelope with this PEM "
        "private key (verify: agentrun-lane verify-signoff FILE --key PUB)",
    )
    group.addoption(
        "--spec-url",
        metavar="URL",
        default=None,
        help="where reports link each criterion to (criteria.md, e.g. an https URL); "
        "default: the copy in the package",
    )
    group.addoption(
        "--evidence-deadline",
        metavar="SECONDS",
        type=float,
        default=TIMEOUTS.evidence_deadline,
        help=(
            "how long reading all the lane's evidence may take; what is not read by then cannot "
            f"be decided (default {TIMEOUTS.evidence_deadline:g}; 0 for no deadline)"
        ),
    )
    group.addoption(
        "--agentrun-reports",
        metavar="DIR",
        type=Path,
        default=None,
        help="where the JUnit, HTML, Allure, verdict and attestation reports go when a lane is "
        "judged (default: reports; ini: agentrun_reports)",
    )
    parser.addini("agentrun_lane", "the lane to judge when --lane is not given")
    parser.addini(
        "agentrun_lane_config",
        "the lane connection config when --lane-config is not given (relative to the ini file)",
    )
    parser.addini("agentrun_reports", "the reports directory when --agentrun-reports is not given")


def _pytest_replay_installed() -> bool:
    return importlib.util.find_spec("pytest_replay") is not None


def apply_ini(config: pytest.Config) -> None:
    """Fill options the command line left out from the ini file (paths relative to the ini file)."""
    base = config.inipath.parent if config.inipath else config.rootpath
    opt = config.option
    if not opt.lane and config.getini("agentrun_lane"):
        opt.lane = config.getini("agentrun_lane")
    if opt.lane_config is None and config.getini("agentrun_lane_config"):
        opt.lane_config = base / config.getini("agentrun_lane_config")
    if opt.agentrun_reports is None:
        ini = config.getini("agentrun_reports")
        opt.agentrun_reports = base / ini if ini else DEFAULT_REPORTS


def writes_no_report(config: pytest.Config) -> bool:
    """Runs that only list or explain: they reach no lane and write (or clean) no report."""
    opt = config.option
    return bool(
        getattr(opt, "collectonly", False)
        or opt.list_criteria
        or getattr(opt, "showfixtures", False)
        or getattr(opt, "markers", False)
        or opt.explain
        or getattr(opt, "help", False)
        or getattr(opt, "version", False)
    )


def criteria(config: pytest.Config) -> list[str] | None:
    given = config.getoption("criteria")
    if not given:
        return None
    return [c.strip() for c in given.split(",") if c.strip()]


def outside_criteria(config: pytest.Config):
    chosen = criteria(config)
    if not chosen:
        return lambda item: False
    from .verdict.outcome import criteria_of

    return lambda item: not set(criteria_of(item)) & set(chosen)


def _check_reports_dir(reports: Path) -> None:
    """The reports directory must be writable before the run, not discovered
    unwritable at its end."""
    try:
        reports.mkdir(parents=True, exist_ok=True)
        probe = reports / ".agentrun-write-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise pytest.UsageError(
            f"agentrun: reports directory {reports} is not writable: {exc.strerror or exc}"
        ) from None


def check_run_options(config: pytest.Config) -> None:
    """Usage errors before anything runs: unknown criterion IDs, a signing key that cannot sign."""
    chosen = criteria(config)
    if config.getoption("criteria") is not None and not chosen:
        raise pytest.UsageError(
            "agentrun: --criteria needs criterion IDs, e.g. --criteria RT-02,AR-03"
        )
    unknown = [c for c in chosen or [] if c not in catalogue()]
    if unknown:
        raise pytest.UsageError(
            f"agentrun: --criteria: unknown criterion {', '.join(unknown)} (see --list-criteria)"
        )
    _check_reports_dir(config.getoption("agentrun_reports"))
    key = config.getoption("sign_key")
    if key is not None:
        from .attestation import AttestationError, signer

        try:
            signer(key)
        except AttestationError as exc:
            raise pytest.UsageError(f"agentrun: {exc}") from None
