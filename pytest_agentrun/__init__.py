"""pytest-agentrun: decide whether an AgentRun release lane is fit to sign off.

The public facade: what the acceptance suite judges with, imported from here
(`from pytest_agentrun import runtime_checks`) and never from the package's rooms, so the rooms
can move without the suite that release engineers read changing. Each criterion's checks are a
module (`<room>_checks`), the rest are the few values and errors a test gathers evidence with.

Names are resolved on first use (PEP 562): every module of the package imports this one, and
importing a check must not load the drive's client libraries (tests/test_layering.py).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# name -> the module it is, or "module:attribute" for a name defined in a module
PUBLIC = {
    "aipod_checks": "pytest_agentrun.checks.aipod",
    "argo_checks": "pytest_agentrun.checks.argo",
    "catalog_checks": "pytest_agentrun.checks.catalog",
    "drive_checks": "pytest_agentrun.checks.drive",
    "gitops_checks": "pytest_agentrun.checks.gitops",
    "legacy_checks": "pytest_agentrun.checks.legacy",
    "mirror_checks": "pytest_agentrun.checks.mirror",
    "registry_checks": "pytest_agentrun.checks.registry",
    "runtime_checks": "pytest_agentrun.checks.runtime",
    "runtime_object_checks": "pytest_agentrun.checks.runtime_objects",
    "source_checks": "pytest_agentrun.checks.source",
    "tekton_checks": "pytest_agentrun.checks.tekton",
    "AgentrunError": "pytest_agentrun.errors:AgentrunError",
    "CannotBeDecided": "pytest_agentrun.errors:CannotBeDecided",
    "DeployIntent": "pytest_agentrun.model.documents:DeployIntent",
    "Examined": "pytest_agentrun.model.forbidden:Examined",
    "ForbiddenTargets": "pytest_agentrun.model.forbidden:ForbiddenTargets",
    "criteria_catalogue": "pytest_agentrun.catalogue.criteria:catalogue",
    "classify_release": "pytest_agentrun.model.envidentity:classify_release",
    "criteria_of": "pytest_agentrun.verdict.outcome:criteria_of",
    "drive_release": "pytest_agentrun.drive.release:drive_release",
    "live_heads": "pytest_agentrun.drive.mirror_sync:live_heads",
    "live_tags": "pytest_agentrun.drive.release:live_tags",
    "object_ref": "pytest_agentrun.model.objects:object_ref",
    "rollout_problems": "pytest_agentrun.model.rollout_state:rollout_problems",
}
__all__ = sorted(PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attribute = PUBLIC[name].partition(":")
    value = import_module(module)
    value = getattr(value, attribute) if attribute else value
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
