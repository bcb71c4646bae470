"""The fixtures the acceptance suite holds: `lane` (one reader per source of truth behind it),
the readers themselves, `driver` (only with --drive) and `verdict`.

The plugin wires (options, hooks) and registers this module; what a run keeps about the lane it
judges lives in the stash keys below, set by the plugin as the session starts and read here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from .evidence.bundle import BundleWriter, RecordedEvidence
from .evidence.cache import EvidenceCache
from .lane import LaneConfig
from .masking import redact_text
from .model.documents import line_index
from .readers.session import LaneSession
from .report.evidence import attach_to_allure
from .verdict.identity import identity
from .verdict.key import RUN_LOG
from .verdict.outcome import criteria_of, decide

LANE_CONFIG = pytest.StashKey[LaneConfig]()
RUN_ID = pytest.StashKey[str]()
REPLAY = pytest.StashKey[RecordedEvidence]()
SESSION = pytest.StashKey[LaneSession]()
EVIDENCE_CACHE = pytest.StashKey[EvidenceCache]()
DRIVE_DESELECTED = pytest.StashKey[int]()  # drive tests left out of a run without --drive


@pytest.fixture(scope="session")
def lane(request: pytest.FixtureRequest) -> Iterator[LaneSession]:
    """The lane under judgement: its profile, its connection, every evidence reader (read-only)."""
    config = request.config
    if LANE_CONFIG not in config.stash:
        raise pytest.UsageError("agentrun: no lane selected: pass --lane NAME")
    session = LaneSession(
        config.stash[LANE_CONFIG],
        session_cache(config),
        config.getoption("evidence_deadline") or None,
    )
    config.stash[SESSION] = session
    # Not with --drive (the passive evidence is read after the drive), not on replay (nothing to
    # wait for), not in xdist workers (each would read the whole set), not for some criteria
    # only (--criteria, -k: the whole set is more than their tests read).
    if not (
        config.getoption("drive")
        or REPLAY in config.stash
        or hasattr(config, "workerinput")
        or not _runs_every_passive_test(config)
    ):
        session.prefetch(config.getoption("prefetch_workers"))
    yield session
    # What the verdict is given on, read while the readers are open (cached: nothing is read twice).
    config.stash[RUN_LOG].identity = identity(session, config.getoption("lane"))
    session.close()
    _release_evidence(config, session)


def _runs_every_passive_test(config: pytest.Config) -> bool:
    coverage = config.stash[RUN_LOG].coverage
    left_out = len(coverage.collected) - len(coverage.selected)
    return left_out <= config.stash.get(DRIVE_DESELECTED, 0)


def _release_evidence(config: pytest.Config, session: LaneSession) -> None:
    """The tests are done: what they read goes before the reports are written (on a large lane
    the evidence and the documents parsed from it are the run's largest part, issue 14)."""
    session.cache.release()
    line_index.cache_clear()
    del config.stash[SESSION]


def session_cache(config: pytest.Config) -> EvidenceCache:
    """One evidence cache per session: the preflight's question is the run's first evidence."""
    if EVIDENCE_CACHE not in config.stash:
        config.stash[EVIDENCE_CACHE] = _evidence_cache(config)
    return config.stash[EVIDENCE_CACHE]


def _evidence_cache(config: pytest.Config) -> EvidenceCache:
    """Replay a bundle, or record this run's evidence into a new one."""
    if REPLAY in config.stash:
        return EvidenceCache(replay=config.stash[REPLAY])
    part = getattr(config, "workerinput", {}).get("workerid", "main")
    return EvidenceCache(recorder=BundleWriter(bundle_dir(config), part))


def bundle_dir(config: pytest.Config) -> Path:
    return config.getoption("agentrun_reports") / "evidence" / config.stash[RUN_ID]


@pytest.fixture(scope="session")
def cluster(lane: LaneSession):
    """Live runtime objects of the lane's runtime namespace (Kubernetes API, GET only)."""
    return lane.cluster


@pytest.fixture(scope="session")
def tekton(lane: LaneSession):
    """The lane's Tekton Pipeline, Tasks, PipelineRuns and TaskRuns (Kubernetes API)."""
    return lane.tekton


@pytest.fixture(scope="session")
def argo(lane: LaneSession):
    """The lane's Argo CD AppProject and Application (Kubernetes API)."""
    return lane.argo


@pytest.fixture(scope="session")
def gitops(lane: LaneSession):
    """The GitOps branch read through the mirror: head, catalog, runtime manifests, history."""
    return lane.gitops


@pytest.fixture(scope="session")
def catalog(gitops):
    """The artifact catalog at the head of the GitOps branch (parsed; a broken file
    carries its error)."""
    return gitops.catalog


@pytest.fixture(scope="session")
def mirror(lane: LaneSession):
    """The git mirror: `mirror.status()` gives localV01, githubV01, localGitops, githubGitops,
    pendingFlush, sourceInSync and exactFetch (ls-remote of both sides, a real shallow fetch
    of the full SHA)."""
    return lane.mirror


@pytest.fixture(scope="session")
def registry(lane: LaneSession):
    """The env image registry (HTTP API v2, schema2 Accept)."""
    return lane.registry


@pytest.fixture(scope="session")
def worktree(lane: LaneSession):
    """The fixed source worktree (git status, ignore rules; never fetched into)."""
    return lane.worktree


@pytest.fixture(scope="session")
def source(lane: LaneSession):
    """The source repository (GitHub, or what the lane config names), read with
    ls-remote and fetch."""
    return lane.source


def _drive_output(config: pytest.Config):
    """Drive progress lines go to the terminal as they happen (not captured until the test ends)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return lambda line: print(redact_text(line), flush=True)

    def out(line: str) -> None:
        with capture.global_and_fixture_disabled():
            if getattr(reporter._tw, "width_of_current_line", 0):  # off the line of progress dots
                reporter.write("\n")
            reporter.write_line("  " + redact_text(line))

    return out


@pytest.fixture(scope="session")
def driver(lane: LaneSession, pytestconfig: pytest.Config):
    """Drive (only with --drive; without it the fixture refuses): the LaneDriver of this lane.
    `driver.sync()`/`flush()` settle the mirror; `driver.trigger_current()` syncs the mirror when
    behind and creates or reuses the PipelineRun agentrun-v01-ci-<short12> of GitHub's current head;
    `driver.wait(timeout)` follows it task by task and returns its outcome (RunFailed/RunTimedOut);
    `driver.follow(outcome)` waits for its catalog on the GitOps branch, flushes it to GitHub, and
    waits for Argo CD Synced/Healthy and the runtime on its digest."""
    from .drive.driver import DriveConsent, LaneDriver

    consent = DriveConsent.of_pytest(pytestconfig.getoption("drive"))
    return LaneDriver(
        lane.config, consent, _drive_output(pytestconfig), pytestconfig.getoption("drive_timeout")
    )


@pytest.fixture
def verdict(request: pytest.FixtureRequest):
    """verdict(findings): pass only if every finding passed; attaches the
    findings to the reports."""

    def _decide(findings) -> None:
        findings = list(findings)
        attach_to_allure(findings, "findings: " + ", ".join(criteria_of(request.node)))
        decide(request.node, findings)

    return _decide
