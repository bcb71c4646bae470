"""The source worktree compared by content with its HEAD, past what `git status` prints (issue 20).

`git status` trusts the index: a file flagged assume-unchanged or skip-worktree is never looked
at, local ignore rules (`.git/info/exclude`, core.excludesFile) hide untracked files, a sparse
checkout leaves tracked paths off disk, refs/replace/ makes git show other objects. Here every
tracked path of HEAD is hashed from disk (`git hash-object --stdin-paths`, the filters `git add`
would apply) and compared with HEAD's tree and the index's entries, the untracked files are
listed against the committed `.gitignore` files only, and each flag and rule that would hide a
difference is named. Read-only: nothing is written to the repository or its index.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path

from ..errors import EvidenceError
from ..model import worktree as kinds
from ..model.worktree import FlaggedFile, HiddenDifference, WorktreeContent

# The reading process's own GIT_* variables could point git at another repository, index or
# object store (GIT_DIR, GIT_INDEX_FILE, GIT_REPLACE_REF_BASE...): left out. These three only
# say where the global and system config are, as HOME does: kept.
KEPT_ENV = {"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM"}
# Objects as they are stored, whatever refs/replace/ says; caches that could be stale, off.
PLUMBING = (
    "-c",
    "core.sparseCheckout=false",
    "-c",
    "core.untrackedCache=false",
    "-c",
    "core.fsmonitor=false",
)
FLAG_NAMES = {"assume-unchanged": kinds.ASSUME_UNCHANGED, "skip-worktree": kinds.SKIP_WORKTREE}
GITLINK, SYMLINK = "160000", "120000"


def reading_env() -> tuple[dict[str, str], tuple[str, ...]]:
    """(this process's environment without its GIT_* variables but KEPT_ENV, their names)."""
    ignored = tuple(sorted(k for k in os.environ if k.startswith("GIT_") and k not in KEPT_ENV))
    return {k: v for k, v in os.environ.items() if k not in ignored}, ignored


class _Git:
    """git in the worktree with a clean environment; a failure is missing evidence."""

    def __init__(self, path: Path):
        self.path = path
        self.env, self.ignored_env = reading_env()
        self.env |= {
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",
        }

    def __call__(
        self,
        *args: str,
        stdin: bytes | None = None,
        plumbing: bool = True,
        ok: tuple[int, ...] = (0,),
    ) -> bytes:
        """git's output; `plumbing=False` runs it as a person's `git` would see the repository."""
        command = ["git", "-C", str(self.path)]
        if plumbing:
            command += ["--work-tree", str(self.path), *PLUMBING]
        done = subprocess.run([*command, *args], input=stdin, capture_output=True, env=self.env)
        if done.returncode not in ok:
            reason = done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
            raise EvidenceError("worktree", f"content (git {args[0]})", str(self.path), reason)
        return done.stdout


def read_content(path: Path) -> WorktreeContent:
    git = _Git(path)
    head = _tree(git("ls-tree", "-r", "-z", "--full-tree", "HEAD"))
    index, unmerged = _index(git("ls-files", "-s", "-z"))
    flagged = _flagged(git("ls-files", "-v", "-z"))
    differences = [
        *_index_differences(head, index, unmerged),
        *_disk_differences(git, head, flagged),
        *_untracked(git),
        *_untracked_gitignores(git),
        *_sparse(git, flagged),
        *_replaced(git),
        *_core_worktree(git),
    ]
    return WorktreeContent(
        tracked=len(head),
        differences=tuple(differences),
        flagged=tuple(FlaggedFile(p, f) for p, f in sorted(flagged.items())),
        core_config=_core_config(git),
        ignored_env=git.ignored_env,
    )


def _nul_records(out: bytes) -> list[str]:
    return [r for r in out.decode("utf-8", errors="surrogateescape").split("\0") if r]


def _tree(out: bytes) -> dict[str, tuple[str, str]]:
    """path -> (mode, object id) of every entry of HEAD's tree (`ls-tree -r -z`)."""
    entries = {}
    for record in _nul_records(out):
        meta, name = record.split("\t", 1)
        mode, _, oid = meta.split(" ")
        entries[name] = (mode, oid)
    return entries


def _index(out: bytes) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """(path -> (mode, object id) of stage 0, paths with unmerged stages) (`ls-files -s -z`)."""
    entries, unmerged = {}, set()
    for record in _nul_records(out):
        meta, name = record.split("\t", 1)
        mode, oid, stage = meta.split(" ")
        if stage == "0":
            entries[name] = (mode, oid)
        else:
            unmerged.add(name)
    return entries, unmerged


def _flagged(out: bytes) -> dict[str, tuple[str, ...]]:
    """path -> its flags: `ls-files -v` tags a skip-worktree file S and an assume-unchanged one
    in lower case."""
    flagged = {}
    for record in _nul_records(out):
        tag, name = record.split(" ", 1)
        flags = (("assume-unchanged",) if tag.islower() else ()) + (
            ("skip-worktree",) if tag.upper() == "S" else ()
        )
        if flags:
            flagged[name] = flags
    return flagged


def _index_differences(head: dict, index: dict, unmerged: set[str]) -> list[HiddenDifference]:
    found = []
    for name in sorted(set(head) | set(index) | unmerged):
        if name in unmerged:
            detail = "unmerged in the index"
        elif name not in index:
            detail = "in HEAD, not in the index"
        elif name not in head:
            detail = "in the index, not in HEAD"
        elif index[name] != head[name]:
            detail = f"index {' '.join(index[name])}, HEAD {' '.join(head[name])}"
        else:
            continue
        found.append(HiddenDifference(kinds.INDEX, name, detail))
    return found


def _disk_differences(git: _Git, head: dict, flagged: dict) -> list[HiddenDifference]:
    """Each tracked file of HEAD whose content or mode on disk is not HEAD's."""
    details, to_hash = {}, []
    for name, (mode, oid) in head.items():
        if mode == GITLINK:  # a submodule's checkout is a worktree of its own
            continue
        details[name] = _disk_detail(git, name, mode, oid, to_hash)
    if to_hash:
        hashed = (
            git("hash-object", "--stdin-paths", stdin="".join(f"{n}\n" for n in to_hash).encode())
            .decode()
            .split()
        )
        for name, oid in zip(to_hash, hashed):
            if oid != head[name][1]:
                details[name] = details[name] or "content on disk differs from HEAD"
    found = []
    for name, detail in sorted(details.items()):
        if detail:
            kind = next((FLAG_NAMES[f] for f in flagged.get(name, ())), kinds.MODIFIED)
            found.append(HiddenDifference(kind, name, detail))
    return found


def _disk_detail(git: _Git, name: str, mode: str, oid: str, to_hash: list[str]) -> str | None:
    """What is wrong with the file's kind or mode on disk at once; files to hash join `to_hash`."""
    try:
        info = (git.path / name).lstat()
    except OSError:
        return "missing on disk"
    if mode == SYMLINK:
        if not stat.S_ISLNK(info.st_mode):
            return "not a symbolic link on disk"
        target = os.readlink(git.path / name).encode("utf-8", errors="surrogateescape")
        same = _blob_id(target, len(oid)) == oid
        return None if same else "link target on disk differs from HEAD"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file on disk"
    if "\n" in name:  # --stdin-paths takes one path a line
        return "name not comparable (a newline in it)"
    to_hash.append(name)
    executable = bool(info.st_mode & stat.S_IXUSR)
    if executable != (mode == "100755"):
        return f"mode {'100755' if executable else '100644'} on disk, {mode} in HEAD"
    return None


def _blob_id(data: bytes, hex_length: int) -> str:
    digest = hashlib.sha256() if hex_length == 64 else hashlib.sha1()
    digest.update(b"blob %d\0" % len(data) + data)
    return digest.hexdigest()


def _untracked(git: _Git) -> list[HiddenDifference]:
    """Untracked paths outside the committed ignore rules (the `.gitignore` files only), each
    with the local rule that hides it from `git status`, if any."""
    names = _nul_records(
        git("ls-files", "--others", "--directory", "-z", "--exclude-per-directory=.gitignore")
    )
    if not names:
        return []
    out = git(
        "check-ignore",
        "-v",
        "-n",
        "--no-index",
        "--stdin",
        "-z",
        plumbing=False,
        stdin="".join(f"{n}\0" for n in names).encode(),
        ok=(0, 1),
    )
    # -z -v -n: source, line, pattern, path per path, NUL-separated (empty when no rule matches)
    fields = out.decode("utf-8", errors="surrogateescape").split("\0")
    rules = {fields[i + 3]: fields[i] for i in range(0, len(fields) - 3, 4)}
    found = []
    for name in names:
        source = rules.get(name, "")
        if not source:
            found.append(HiddenDifference(kinds.UNTRACKED, name, "not ignored"))
        elif source.endswith("info/exclude"):
            found.append(HiddenDifference(kinds.LOCAL_EXCLUDE, name, f"hidden by {source}"))
        else:
            found.append(HiddenDifference(kinds.EXCLUDES_FILE, name, f"hidden by {source}"))
    return found


def _untracked_gitignores(git: _Git) -> list[HiddenDifference]:
    """`.gitignore` files the branch does not hold that ignore themselves (or one another): rules
    `git status` applies although no commit carries them. --directory lists a directory the
    committed rules ignore as a whole once, without what is in it (a virtualenv's
    own ignore files)."""
    ignored = _nul_records(
        git(
            "ls-files",
            "--others",
            "--ignored",
            "--directory",
            "-z",
            "--exclude-per-directory=.gitignore",
        )
    )
    return [
        HiddenDifference(kinds.UNTRACKED_GITIGNORE, n, "ignore rules no commit holds")
        for n in ignored
        if n.rsplit("/", 1)[-1] == ".gitignore"
    ]


def _sparse(git: _Git, flagged: dict) -> list[HiddenDifference]:
    on = git("config", "--bool", "core.sparseCheckout", plumbing=False, ok=(0, 1)).strip()
    outside = [n for n, f in flagged.items() if "skip-worktree" in f]
    if on != b"true" or not outside:
        return []
    detail = f"{len(outside)} tracked paths outside the checkout, e.g. {sorted(outside)[0]}"
    return [HiddenDifference(kinds.SPARSE, "core.sparseCheckout", detail)]


def _replaced(git: _Git) -> list[HiddenDifference]:
    refs = git("for-each-ref", "--format=%(refname) %(objectname)", "refs/replace/").decode()
    found = []
    for ref, replacement in (line.split(" ") for line in refs.splitlines() if line):
        shown = f"git shows {ref.rsplit('/', 1)[-1]} as {replacement}"
        found.append(HiddenDifference(kinds.REPLACE, ref, shown))
    grafts = git("rev-parse", "--git-path", "info/grafts").decode().strip()
    if (git.path / grafts).is_file():
        found.append(HiddenDifference(kinds.GRAFTS, grafts, "history is shown grafted"))
    return found


def _core_worktree(git: _Git) -> list[HiddenDifference]:
    """`git status` in the worktree reads the directory git takes for its top level."""
    shown = git("rev-parse", "--show-toplevel", plumbing=False, ok=(0, 128)).decode().strip()
    if shown and Path(shown).resolve() == git.path.resolve():
        return []
    return [
        HiddenDifference(
            kinds.CORE_WORKTREE, "core.worktree", f"git status reads {shown or 'no work tree'}"
        )
    ]


def _core_config(git: _Git) -> tuple[str, ...]:
    out = git("config", "--get-regexp", r"^core\.", plumbing=False, ok=(0, 1)).decode()
    return tuple(line.replace(" ", "=", 1) for line in out.splitlines() if line)
