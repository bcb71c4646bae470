"""The end of a lane run: the verdict over the catalogue, and the files that carry it.

Writes reports/verdict.json and summary.md, the in-toto verification summary (signed with
--sign-key), records the verdict in the evidence bundle and points evidence/latest at it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .. import attestation
from ..evidence import bundle
from . import files
from .runlog import RunLog
from .run import Scope, Verdict, decide_run


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RunEnd:
    verdict: Verdict
    written: list[Path]
    bundle: Path | None
    problem: str = ""  # why a report could not be written (the verdict stands)


@dataclass
class RunSettings:
    lane: str
    drive: bool
    subset: list[str] | None
    reports: Path
    sign_key: Path | None
    started: str
    bundle_dir: Path | None  # this run's bundle, when it recorded one
    connection: dict | None  # for the bundle's manifest
    run_id: str | None


def judge(log: RunLog, settings: RunSettings) -> Verdict:
    scope = Scope.of_run(settings.drive, settings.subset)
    results = log.results(scope, settings.drive)
    return decide_run(settings.lane, results, scope, log.identity, log.coverage.errors)


def finish(log: RunLog, settings: RunSettings) -> RunEnd:
    verdict = judge(log, settings)
    recorded = settings.bundle_dir if settings.bundle_dir and settings.bundle_dir.is_dir() else None
    doc = files.document(
        verdict,
        {"started": settings.started, "finished": now()},
        str(recorded) if recorded else None,
    )
    written: list[Path] = []
    try:
        path = files.write(settings.reports, doc)
        written += [path, settings.reports / files.SUMMARY_FILE]
        digest = None
        if recorded:
            manifest = bundle.write_manifest(
                recorded,
                settings.lane,
                settings.connection or {},
                settings.run_id or recorded.name,
                doc,
            )
            digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
            bundle.mark_latest(recorded)
        written.append(attestation.write(settings.reports, doc, digest, settings.sign_key, path))
    except (OSError, ValueError, attestation.AttestationError) as exc:  # ValueError: off its schema
        return RunEnd(
            verdict, written, recorded, f"agentrun: cannot write the verdict reports: {exc}"
        )
    return RunEnd(verdict, written, recorded)
