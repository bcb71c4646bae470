"""Commits as values: what a criterion reads of one, and path patterns over their files."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

FULL_SHA = re.compile(r"[0-9a-f]{40}")  # a full commit SHA (SHA-1), lower-case hex


def is_full_sha(value: object) -> bool:
    """Exactly a full commit SHA: not abbreviated, no ref name, nothing around it."""
    return isinstance(value, str) and FULL_SHA.fullmatch(value) is not None


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    parents: tuple[str, ...]
    author: str
    author_email: str
    committer_email: str
    message: str
    files: tuple[str, ...]  # paths changed against the first parent (all paths for a root commit)

    @property
    def subject(self) -> str:
        """The message's first line; git allows an empty message (--allow-empty-message)."""
        return self.message.splitlines()[0] if self.message.strip() else "(no message)"


def matches_any(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)
