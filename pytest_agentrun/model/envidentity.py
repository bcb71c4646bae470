"""The suite's own reading of what an env identity depends on (TK-09, TK-10).

The lane's planner hashes its inputs into an envIdentity; the suite never reuses that hashing.
It decides from the source itself whether an input changed between two catalog source commits:
a changed file matching the profile's `envIdentityInputs.files` (the Containerfile carries the Bun
base image and the system package list), the Dockerfile an imageRef names, or a differing imageRef
field (repoUrl, commitId, dockerfilePath).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..lane import LaneProfile
from .commits import matches_any


@dataclass(frozen=True)
class InputChanges:
    files: tuple[str, ...]  # changed files that are env-identity inputs
    image_ref: tuple[str, ...]  # imageRef fields that differ, as `field old -> new`
    other: tuple[str, ...]  # changed files that are not inputs

    @property
    def changed(self) -> bool:
        return bool(self.files or self.image_ref)

    def describe(self) -> str:
        if self.changed:
            return "env-identity inputs changed: " + ", ".join(
                (*self.files, *(f"imageRef.{f}" for f in self.image_ref))
            )
        others = ", ".join(self.other[:5]) + (
            f" and {len(self.other) - 5} more" if len(self.other) > 5 else ""
        )
        return "no env-identity input changed" + (
            f" (only {others})" if others else " (no file changed)"
        )


def input_patterns(profile: LaneProfile, *image_refs: dict[str, Any] | None) -> list[str]:
    """The input file patterns of the profile, plus the Dockerfile each imageRef names."""
    named = [
        ref["dockerfilePath"]
        for ref in image_refs
        if isinstance(ref, dict) and isinstance(ref.get("dockerfilePath"), str)
    ]
    return list(dict.fromkeys([*profile.env_identity_inputs["files"], *named]))


def classify(
    profile: LaneProfile,
    changed_files: list[str],
    old_ref: dict[str, Any] | None,
    new_ref: dict[str, Any] | None,
) -> InputChanges:
    """Which changes between two source commits (and their catalogs' imageRefs) are
    env-identity inputs."""
    patterns = input_patterns(profile, old_ref, new_ref)
    inputs = tuple(f for f in changed_files if matches_any(f, patterns))
    fields = profile.env_identity_inputs["imageRefFields"]
    old, new = old_ref or {}, new_ref or {}
    differing = tuple(
        f"{name} {old.get(name)!r} -> {new.get(name)!r}"
        for name in fields
        if old.get(name) != new.get(name)
    )
    return InputChanges(inputs, differing, tuple(f for f in changed_files if f not in inputs))


def classify_release(
    profile: LaneProfile, changed_files: list[str], previous: Any, current: Any
) -> InputChanges:
    """The same over every service of two catalogs (documents.Catalog): an input changed for any
    service counts, as a release rebuilds if any of its env images must change."""
    per_service = [
        classify(
            profile,
            changed_files,
            (previous.service(e.get("serviceId")) or {}).get("imageRef"),
            e.get("imageRef"),
        )
        for e in current.services()
    ] or [classify(profile, changed_files, None, None)]
    files = tuple(dict.fromkeys(f for c in per_service for f in c.files))
    fields = tuple(dict.fromkeys(f for c in per_service for f in c.image_ref))
    return InputChanges(files, fields, tuple(f for f in changed_files if f not in files))
