"""The pytest plugin: options, markers, report hooks, and the fixtures registered from
`fixtures.py`. It wires; logic lives elsewhere."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from . import fixtures, masking, options
from .catalogue import explain
from .catalogue.criteria import use_lane
from .errors import LaneConfigError
from .evidence.bundle import RecordedEvidence
from .fixtures import DRIVE_DESELECTED, LANE_CONFIG, REPLAY, RUN_ID, bundle_dir, session_cache
from .lane import LaneConfig, LaneProfile
from .masking import redact_text
from .readers import preflight
from .readers.session import LaneSession
from .report import terminal
from .report.allure import write_run_metadata
from .report.collector import RunCollector
from .report.evidence import decorate_report
from .report.junit import junit_properties
from .report.labels import label_item, truth_order
from .report.summary import write_criteria_listing
from .verdict.end import RunEnd, RunSettings, finish, now
from .verdict.identity import identity
from .verdict.key import RUN_LOG, VERDICT
from .verdict.outcome import criteria_of
from .verdict.runlog import RunLog

RUN_END = pytest.StashKey[RunEnd]()
STARTED = pytest.StashKey[str]()
COLLECTOR = pytest.StashKey[RunCollector]()


def evidence_run_id(lane: str) -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + f"-{lane}-{os.getpid()}"


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "criterion(*ids): the criteria (criteria.md IDs) this test decides"
    )
    config.addinivalue_line(
        "markers", "drive: the test changes the lane; it runs only with --drive"
    )
    masking.mask_log_records()  # no log record reaches an output with a credential in it
    from .report import evidence_errors

    config.pluginmanager.register(evidence_errors, "agentrun-evidence-errors")
    config.pluginmanager.register(fixtures, "agentrun-fixtures")
    options.apply_ini(config)
    if config.pluginmanager.hasplugin("html"):
        from .report import html

        config.pluginmanager.register(html, "agentrun-html")
    if config.pluginmanager.hasplugin("allure_pytest"):
        from .report import allure_tests

        config.pluginmanager.register(allure_tests, "agentrun-allure-tests")
    config.stash[RUN_LOG] = RunLog()
    config.stash[COLLECTOR] = RunCollector(config.stash[RUN_LOG])
    config.pluginmanager.register(config.stash[COLLECTOR], "agentrun-run-collector")
    if config.getoption("lane") and not options.writes_no_report(config):
        options.check_run_options(config)
        _default_reports(config)
        _each_failure_once(config)
        worker = getattr(config, "workerinput", {})
        config.stash[RUN_ID] = worker.get("agentrun_run") or evidence_run_id(
            config.getoption("lane")
        )


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config):
    if config.getoption("explain"):  # a reading aid: no lane is reached and no report is touched
        return explain.main(config)
    return None


def _default_reports(config: pytest.Config) -> None:
    """Every lane run leaves JUnit, HTML and Allure results unless told otherwise."""
    reports: Path = config.getoption("agentrun_reports")
    opt = config.option
    if not getattr(opt, "xmlpath", None):
        opt.xmlpath = str(reports / "junit.xml")
    if hasattr(opt, "htmlpath") and not opt.htmlpath:
        opt.htmlpath = str(reports / "report.html")
        opt.self_contained_html = True
    if hasattr(opt, "allure_report_dir") and not opt.allure_report_dir:
        opt.allure_report_dir = str(reports / "allure-results")
        opt.clean_alluredir = True


def _each_failure_once(config: pytest.Config) -> None:
    """The verdict list gives each failure's first reason: pytest's short summary of failures would
    say it again (in full on CI, where pytest does not cut it). Errors stay; `-r` still rules."""
    if getattr(config.option, "reportchars", None) == "fE":  # pytest's default: nothing asked
        config.option.reportchars = "E"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(
    node,
) -> None:  # pytest-xdist: workers judge the lane the controller set up
    config = node.config
    if LANE_CONFIG in config.stash and config.stash[LANE_CONFIG].origin != "lane profile defaults":
        node.workerinput["agentrun_lane_config"] = config.stash[LANE_CONFIG].origin
    if RUN_ID in config.stash:
        node.workerinput["agentrun_run"] = config.stash[RUN_ID]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    config.stash[STARTED] = now()
    lane = config.getoption("lane")
    if not lane:
        if config.getoption("sandbox") or config.getoption("lane_config"):
            raise pytest.UsageError(
                "--sandbox and --lane-config need --lane (profiles: see pytest_agentrun/lanes/)"
            )
        return
    try:
        profile = LaneProfile.load(lane)
        use_lane(profile)  # the criterion texts carry this lane's names
        if options.writes_no_report(config) and not config.getoption("collectonly"):
            return  # nothing will run: no lane needs to be reached
        _refuse_drive_where_it_cannot_run(config)
        # The session's cache folder goes away with the session, also when a usage error ends it.
        cache_dir = LaneSession.default_cache_dir()
        config.add_cleanup(lambda: shutil.rmtree(cache_dir, ignore_errors=True))
        if config.getoption("replay"):
            lane_config = _replay_config(config, profile, cache_dir)
        else:
            path = _lane_config_path(config, profile)
            lane_config = LaneConfig.load(profile, path, cache_dir)
            if not config.getoption("collectonly"):
                preflight.check(lane_config, session_cache(config))
        if lane_config.cache_dir != cache_dir:  # the lane config named its own cacheDir
            config.add_cleanup(lambda: shutil.rmtree(lane_config.cache_dir, ignore_errors=True))
    except LaneConfigError as exc:
        raise pytest.UsageError(f"agentrun: {exc}") from None
    config.stash[LANE_CONFIG] = lane_config
    _show_lane_in_report_environment(config, lane_config)


def _refuse_drive_where_it_cannot_run(config: pytest.Config) -> None:
    if not config.getoption("drive"):
        return
    if config.getoption("replay"):
        raise LaneConfigError("--drive changes a live lane: it cannot be combined with --replay")
    if getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        # Drive tests must run before every passive test reads the lane; parallel workers
        # cannot promise that.
        raise LaneConfigError("--drive runs serially: drop -n / --numprocesses")


def _show_lane_in_report_environment(config: pytest.Config, lane_config: LaneConfig) -> None:
    """The HTML report's Environment table names the lane and how it was reached
    (no credentials)."""
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:
        return
    if metadata_key in config.stash:
        config.stash[metadata_key].update(
            {f"agentrun {k}": redact_text(v) for k, v in lane_config.describe().items()}
        )


def _replay_config(config: pytest.Config, profile: LaneProfile, cache_dir: Path) -> LaneConfig:
    """The recorded lane's connection, with its evidence opened for replay."""
    if config.getoption("sandbox") or config.getoption("lane_config"):
        raise LaneConfigError(
            "--replay judges recorded evidence: do not combine it with --sandbox or --lane-config"
        )
    directory: Path = config.getoption("replay")
    try:
        recorded = RecordedEvidence(directory)
    except (ValueError, OSError) as exc:
        raise LaneConfigError(f"cannot replay {directory}: {exc}") from None
    if recorded.manifest["lane"] != profile.lane:
        raise LaneConfigError(
            f"bundle {directory} records lane {recorded.manifest['lane']!r}, but --lane is "
            f"{profile.lane!r}"
        )
    config.stash[REPLAY] = recorded
    return LaneConfig._from_raw(
        profile, recorded.manifest["connection"], Path("/"), cache_dir, f"replay of {directory}"
    )


def _lane_config_path(config: pytest.Config, profile: LaneProfile) -> Path | None:
    worker_path = getattr(config, "workerinput", {}).get("agentrun_lane_config")
    if worker_path:
        return Path(worker_path)
    given = config.getoption("lane_config")
    if config.getoption("sandbox_world") and not config.getoption("sandbox"):
        raise LaneConfigError("--sandbox-world chooses the world of --sandbox: pass --sandbox too")
    if config.getoption("sandbox"):
        if given:
            raise LaneConfigError(
                "--sandbox brings up its own lane: do not combine it with --lane-config"
            )
        from . import sandbox_session

        return sandbox_session.start(config, profile)
    return given


@pytest.hookimpl(tryfirst=True)  # before -k/-m: criterion IDs are keywords
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    spec_base = spec_url(config)
    for item in items:
        label_item(item, spec_base)
    coverage = config.stash[RUN_LOG].coverage
    coverage.collected.update({item.nodeid: criteria_of(item) for item in items})
    if config.getoption("lane"):
        _deselect(config, items, options.outside_criteria(config), "outside --criteria")
        items.sort(key=truth_order)  # the report lists findings in truth order (LG-02)
        if config.getoption("drive"):
            # Drive first, then judge: every passive criterion reads the lane as the drive left it
            # (evidence is read once per session, so it must not be read before the lane moves).
            items.sort(key=lambda item: item.get_closest_marker("drive") is None)
        elif not config.getoption("list_criteria"):
            _deselect_drive_tests(config, items)
    elif any(criteria_of(item) for item in items):
        raise pytest.UsageError(
            "agentrun: the acceptance suite judges a lane: pass --lane NAME "
            "(with --sandbox, or --lane-config PATH for a running lane)"
        )


def spec_url(config: pytest.Config) -> str:
    given = config.getoption("spec_url")
    if given:
        return given
    # The spec travels with the package (data/spec/, copied from the lane spec): nothing
    # is read outside it.
    return (Path(__file__).resolve().parent / "data" / "spec" / "criteria.md").as_uri()


def _deselect_drive_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Nothing mutates a lane unless the user asked for it with --drive."""
    drive = _deselect(
        config, items, lambda item: item.get_closest_marker("drive"), "judged only with --drive"
    )
    config.stash[DRIVE_DESELECTED] = len(drive)


def _deselect(
    config: pytest.Config, items: list[pytest.Item], which, why: str
) -> list[pytest.Item]:
    chosen = [item for item in items if which(item)]
    if chosen:
        config.stash[RUN_LOG].coverage.deselected.update({item.nodeid: why for item in chosen})
        config.hook.pytest_deselected(items=chosen)
        items[:] = [item for item in items if not which(item)]
    return chosen


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[RUN_LOG].coverage.selected = [item.nodeid for item in session.items]
    if session.config.getoption("list_criteria"):
        write_criteria_listing(session.config, session.items)


def pytest_runtestloop(session: pytest.Session):
    if session.config.getoption("list_criteria"):
        return True  # listing only: run nothing
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    decorate_report(item, call, report)
    return report


@pytest.hookimpl(tryfirst=True)  # before pytest-html and JUnit write: they carry the verdict
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not config.getoption("lane") or options.writes_no_report(config):
        return
    log = config.stash[RUN_LOG]
    if hasattr(config, "workerinput"):
        config.workeroutput["agentrun_coverage"] = log.coverage.as_dict()
        config.workeroutput["agentrun_identity"] = log.identity
        return
    log.identity = log.identity or identity(None, config.getoption("lane"))
    end = finish(log, _run_settings(config))
    config.stash[RUN_END] = end
    config.stash[VERDICT] = end.verdict  # how the reporters get it (verdict/key.py)
    allure_dir = getattr(config.option, "allure_report_dir", None)
    if allure_dir:
        write_run_metadata(Path(allure_dir), log.identity, end.verdict)
    junit_properties(config)
    if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = end.verdict.exit_code


def _run_settings(config: pytest.Config) -> RunSettings:
    recorded = RUN_ID in config.stash and REPLAY not in config.stash
    return RunSettings(
        lane=config.getoption("lane"),
        drive=config.getoption("drive"),
        subset=options.criteria(config),
        reports=config.getoption("agentrun_reports"),
        sign_key=config.getoption("sign_key"),
        started=config.stash.get(STARTED, now()),
        bundle_dir=bundle_dir(config) if recorded else None,
        connection=config.stash[LANE_CONFIG].to_raw() if LANE_CONFIG in config.stash else None,
        run_id=config.stash.get(RUN_ID, None),
    )


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    end = config.stash.get(RUN_END, None)
    if end is None:
        return
    terminal.write_criteria(terminalreporter, end.verdict)
    if config.stash.get(DRIVE_DESELECTED, 0):
        terminalreporter.write_line(
            f"{config.stash[DRIVE_DESELECTED]} drive tests deselected: pass --drive to let them "
            "change the lane"
        )
    for path in end.written:
        terminalreporter.write_line(f"wrote {path}")
    if end.bundle:
        terminalreporter.write_line(
            f"evidence bundle: {end.bundle} (replay: --replay-evidence {end.bundle})"
        )
    if end.problem:
        terminalreporter.write_line(end.problem, red=True)
