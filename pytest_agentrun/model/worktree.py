"""The source worktree as values: its state against its upstream, what it holds read past
`git status` (issue 20), and the rule that ignores a path."""

from __future__ import annotations

from dataclasses import dataclass

# The kinds of difference between a worktree and its HEAD that the content reading names. The
# first group is also what `git status` prints; the others it leaves out.
MODIFIED = "modified"  # a tracked file differs on disk (or is missing)
INDEX = "index differs from HEAD"  # staged, added, removed or unmerged in the index
UNTRACKED = "untracked"  # outside every ignore rule
ASSUME_UNCHANGED = "assume-unchanged"  # flagged file whose content differs
SKIP_WORKTREE = "skip-worktree"  # flagged file whose content differs (or is missing)
LOCAL_EXCLUDE = "untracked, excluded by .git/info/exclude"
EXCLUDES_FILE = "untracked, excluded by core.excludesFile"
UNTRACKED_GITIGNORE = "untracked .gitignore"  # an ignore file the branch does not hold
SPARSE = "sparse checkout"  # core.sparseCheckout hides tracked paths
REPLACE = "replace ref"  # refs/replace/ makes git show other objects
GRAFTS = "grafts file"  # .git/info/grafts rewrites history as git shows it
CORE_WORKTREE = "core.worktree"  # git status reads another directory
SHOWN_BY_STATUS = (MODIFIED, INDEX, UNTRACKED)


@dataclass(frozen=True)
class HiddenDifference:
    """One way the worktree is not its HEAD: kind, the path (or ref, or config key), detail."""

    kind: str
    path: str
    detail: str


@dataclass(frozen=True)
class FlaggedFile:
    """A tracked file with index flags that tell git not to look at it (`git ls-files -v`)."""

    path: str
    flags: tuple[str, ...]  # "assume-unchanged", "skip-worktree"


@dataclass(frozen=True)
class WorktreeContent:
    """The worktree compared by content with its HEAD, whatever index flags, local ignore rules,
    sparse checkout, replace refs or the reading process's GIT_* variables say."""

    tracked: int  # tracked paths of HEAD compared
    differences: tuple[HiddenDifference, ...]
    flagged: tuple[FlaggedFile, ...]
    core_config: tuple[str, ...]  # the repository's `core.*` settings, key=value
    ignored_env: tuple[str, ...] = ()  # GIT_* variables of the reading process left out

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(d.kind for d in self.differences))


@dataclass(frozen=True)
class WorktreeState:
    path: str
    branch: str | None  # None when HEAD is detached
    head: str
    upstream: str | None  # e.g. origin/v0.1
    upstream_head: str | None
    ahead: int
    behind: int
    changes: tuple[str, ...]  # `git status --porcelain` lines: modified, staged and untracked
    # None in bundles written before issue 20: the content was not read then.
    content: WorktreeContent | None = None


@dataclass(frozen=True)
class IgnoreRule:
    """The exclude pattern that decides a path (`git check-ignore -v`)."""

    source: str  # file holding it: `.gitignore`, `sub/.gitignore`, `.git/info/exclude` or absolute
    line: int
    pattern: str

    @property
    def negated(self) -> bool:  # `!pattern` re-includes the path
        return self.pattern.startswith("!")
