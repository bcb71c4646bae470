"""The sandbox git smart-HTTP server (fixtures/agentrun_sandbox/gitserver.py) against real git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

try:
    import agentrun_sandbox  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from agentrun_sandbox.gitserver import GitHttpServer, GitRoute, init_bare_repo

REPO = "pikasTech/agentrun.git"

_GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Sandbox Dev",
    "GIT_AUTHOR_EMAIL": "dev@agentrun.invalid",
    "GIT_COMMITTER_NAME": "Sandbox Dev",
    "GIT_COMMITTER_EMAIL": "dev@agentrun.invalid",
}


def git(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, **_GIT_ENV)
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def commit(work: Path, name: str, content: bytes | str, message: str) -> str:
    p = work / name
    if isinstance(content, str):
        p.write_text(content)
    else:
        p.write_bytes(content)
    git("add", name, cwd=work)
    git("commit", "-q", "-m", message, cwd=work)
    return git("rev-parse", "HEAD", cwd=work).stdout.strip()


@pytest.fixture
def env(tmp_path: Path):
    root = tmp_path / "repos"
    bare = init_bare_repo(root / REPO)
    work = tmp_path / "work"
    git("init", "-q", "-b", "v0.1", str(work))
    first = commit(work, "README.md", "# agentrun\n", "first")
    second = commit(work, "VERSION", "0.1.0\n", "second")
    # seed the bare repo directly (no HTTP involved)
    git("push", "-q", str(bare), "v0.1", cwd=work)
    server = GitHttpServer(
        [GitRoute("/github", root, push=True), GitRoute("/mirror-read", root, push=False)],
        log=tmp_path / "git-http.jsonl",
    ).start()
    try:
        yield {
            "server": server,
            "bare": bare,
            "work": work,
            "first": first,
            "second": second,
            "tmp": tmp_path,
            "read": f"{server.url}/mirror-read/{REPO}",
            "write": f"{server.url}/github/{REPO}",
        }
    finally:
        server.stop()


def bare_refs(bare: Path) -> str:
    return git("for-each-ref", "--format=%(objectname) %(refname)", cwd=bare).stdout


def test_ls_remote_and_clone_over_read_route(env):
    out = git("ls-remote", env["read"]).stdout
    assert f"{env['second']}\trefs/heads/v0.1" in out
    dest = env["tmp"] / "clone"
    git("clone", "-q", "--branch", "v0.1", env["read"], str(dest))
    assert (dest / "VERSION").read_text() == "0.1.0\n"
    assert git("rev-parse", "HEAD", cwd=dest).stdout.strip() == env["second"]
    # the URL without .git reaches the same repository
    assert (
        f"{env['second']}\trefs/heads/v0.1" in git("ls-remote", env["read"][: -len(".git")]).stdout
    )
    reqs = env["server"].requests()
    assert reqs and all(r["route"] == "/mirror-read" for r in reqs)
    assert {r["service"] for r in reqs} == {"upload-pack"}
    assert env["server"].pushes() == []


@pytest.mark.parametrize("protocol", ["2", "0"])
def test_exact_sha_shallow_fetch(env, protocol):
    dest = env["tmp"] / f"boot-{protocol}"
    git("init", "-q", str(dest))
    git("remote", "add", "origin", env["read"], cwd=dest)
    # not a ref tip: needs uploadpack.allowReachableSHA1InWant/allowAnySHA1InWant on the server
    git(
        "-c",
        f"protocol.version={protocol}",
        "fetch",
        "-q",
        "--depth=1",
        "origin",
        env["first"],
        cwd=dest,
    )
    git("checkout", "-q", "--detach", "FETCH_HEAD", cwd=dest)
    assert git("rev-parse", "HEAD", cwd=dest).stdout.strip() == env["first"]
    assert (dest / ".git" / "shallow").read_text().strip() == env["first"]
    assert not (dest / "VERSION").exists()


def test_push_allowed_on_push_route(env):
    work = env["work"]
    third = commit(work, "CHANGELOG.md", "- third\n", "third")
    git("push", "-q", env["write"], "v0.1", cwd=work)
    assert f"{third} refs/heads/v0.1" in bare_refs(env["bare"])
    pushes = env["server"].pushes()
    assert len(pushes) == 1
    p = pushes[0]
    assert (p["method"], p["route"], p["service"], p["status"]) == (
        "POST",
        "/github",
        "receive-pack",
        200,
    )
    assert p["path"] == f"/github/{REPO}/git-receive-pack"
    # the JSON-lines log carries the same entries, flushed
    lines = [json.loads(x) for x in (env["tmp"] / "git-http.jsonl").read_text().splitlines()]
    assert [x for x in lines if x["method"] == "POST" and x["service"] == "receive-pack"] == pushes
    assert {"time", "method", "route", "path", "service", "status"} <= set(lines[0])


def test_push_refused_on_read_route(env):
    before = bare_refs(env["bare"])
    work = env["work"]
    commit(work, "CHANGELOG.md", "- refused\n", "refused")
    proc = git("push", env["read"], "v0.1", cwd=work, check=False)
    assert proc.returncode != 0
    assert "403" in proc.stderr
    assert bare_refs(env["bare"]) == before
    assert env["server"].pushes() == []
    refused = [r for r in env["server"].requests() if r["service"] == "receive-pack"]
    assert refused and all(r["status"] == 403 and r["route"] == "/mirror-read" for r in refused)
    # a receive-pack POST sent straight to the read route is refused too
    r = httpx.post(
        f"{env['read']}/git-receive-pack",
        content=b"0000",
        headers={"Content-Type": "application/x-git-receive-pack-request"},
    )
    assert r.status_code == 403
    assert bare_refs(env["bare"]) == before
    assert env["server"].pushes() == []


def test_pushes_records_only_pushes(env):
    server = env["server"]
    git("ls-remote", env["write"])  # upload-pack advertisement on the push route: not a push
    git("clone", "-q", env["write"], str(env["tmp"] / "c1"))
    assert server.pushes() == []
    work = env["work"]
    commit(work, "a.txt", "a\n", "a")
    git("push", "-q", env["write"], "v0.1", cwd=work)
    git("push", "-q", env["write"], "v0.1", cwd=work)  # up to date: no POST at all
    commit(work, "b.txt", "b\n", "b")
    git("push", "-q", env["write"], "HEAD:refs/heads/v0.1-gitops", cwd=work)
    pushes = server.pushes()
    assert len(pushes) == 2
    assert all(p["service"] == "receive-pack" and p["method"] == "POST" for p in pushes)
    assert len(server.requests()) > len(pushes)


def test_unknown_repo_is_404(env):
    url = env["server"].url
    for path in (
        "/mirror-read/pikasTech/nope.git/info/refs?service=git-upload-pack",
        "/github/pikasTech/nope.git/info/refs?service=git-receive-pack",
        "/unrouted/pikasTech/agentrun.git/info/refs?service=git-upload-pack",
        "/mirror-read/../repos/pikasTech/agentrun.git/info/refs?service=git-upload-pack",
        "/mirror-read/pikasTech/agentrun.git/config",
    ):
        r = httpx.get(url + path)
        assert r.status_code == 404, path
        assert "Traceback" not in r.text
    proc = git("ls-remote", f"{url}/mirror-read/pikasTech/nope.git", check=False)
    assert proc.returncode != 0
    assert "not found" in proc.stderr
    # the server is still healthy afterwards
    assert env["second"] in git("ls-remote", env["read"]).stdout


def test_chunked_push_of_large_commit(env):
    work = env["work"]
    big = commit(work, "blob.bin", os.urandom(1_500_000), "big binary")
    git("push", "-q", env["write"], "v0.1", cwd=work)
    assert f"{big} refs/heads/v0.1" in bare_refs(env["bare"])
    pushes = env["server"].pushes()
    assert len(pushes) == 1  # git's flush-packet probe before a chunked POST is not a push
    assert pushes[0]["chunked"] is True
    assert pushes[0]["bytes"] > 1_000_000
    dest = env["tmp"] / "verify"
    git("clone", "-q", "--branch", "v0.1", env["read"], str(dest))
    assert (dest / "blob.bin").stat().st_size == 1_500_000


def test_gzip_request_body(env):
    """Large upload-pack requests are gzip-encoded by git; git-http-backend inflates them."""
    bare = env["bare"]
    tree = git("write-tree", cwd=env["work"]).stdout.strip()
    for i in range(40):
        c = git(
            "commit-tree", tree, "-p", env["second"], "-m", f"branch {i}", cwd=bare
        ).stdout.strip()
        git("update-ref", f"refs/heads/topic-{i}", c, cwd=bare)
    git("clone", "-q", "--mirror", env["read"], str(env["tmp"] / "mirror.git"))
    posts = [r for r in env["server"].requests() if r["method"] == "POST"]
    assert any(r.get("encoding") == "gzip" and r["status"] == 200 for r in posts)


def test_bad_requests_do_not_kill_the_server(env):
    url = env["server"].url
    r = httpx.post(
        f"{env['read']}/git-upload-pack",
        content=b"this is not pkt-line",
        headers={"Content-Type": "application/x-git-upload-pack-request"},
    )
    assert r.status_code < 600 and "Traceback" not in r.text
    r = httpx.put(f"{env['read']}/info/refs", content=b"x")
    assert r.status_code == 404
    assert env["second"] in git("ls-remote", env["read"]).stdout
    assert env["server"].errors == 0
    assert url == env["server"].url


def test_stop_releases_port(tmp_path):
    root = tmp_path / "r"
    init_bare_repo(root / REPO)
    server = GitHttpServer([GitRoute("/mirror-read", root, push=False)]).start()
    url = server.url
    assert (
        httpx.get(f"{url}/mirror-read/{REPO}/info/refs?service=git-upload-pack").status_code == 200
    )
    server.stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/mirror-read/{REPO}/info/refs?service=git-upload-pack", timeout=2)


SOURCE_TREE = Path(__file__).parents[1] / "fixtures" / "agentrun_sandbox" / "source_tree"


def test_source_tree_template_is_consistent():
    import re

    # deploy/deploy.json is written by the lead, not part of this template's checks
    files = [
        p
        for p in SOURCE_TREE.rglob("*")
        if p.is_file() and p.relative_to(SOURCE_TREE).as_posix() != "deploy/deploy.json"
    ]
    assert sum(p.stat().st_size for p in files) < 40_000
    rel = {p.relative_to(SOURCE_TREE).as_posix() for p in files}
    for required in (
        "package.json",
        "bun.lock",
        "tsconfig.json",
        ".gitignore",
        "README.md",
        "AGENTS.md",
        "src/index.ts",
        "src/manager/server.ts",
        "src/manager/queue.ts",
        "src/aipod/image-ref.ts",
        "src/cli/main.ts",
        "src/runner/codex-home.ts",
        "deploy/runtime/env/Containerfile",
        "deploy/runtime/boot/agentrun-boot.sh",
    ):
        assert required in rel, required
    pkg = json.loads((SOURCE_TREE / "package.json").read_text())
    assert pkg["name"] == "agentrun" and pkg["type"] == "module"
    assert {"check", "test", "build"} <= set(pkg["scripts"])
    # bun.lock is JSONC (trailing commas): its root workspace mirrors package.json
    text = (SOURCE_TREE / "bun.lock").read_text()
    lock = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))
    assert lock["lockfileVersion"] == 1
    ws = lock["workspaces"][""]
    assert ws["name"] == pkg["name"]
    assert ws["dependencies"] == pkg["dependencies"]
    assert ws["devDependencies"] == pkg["devDependencies"]
    for name, version in {**pkg["dependencies"], **pkg["devDependencies"]}.items():
        assert lock["packages"][name][0] == f"{name}@{version}"
    for entry in lock["packages"].values():
        for dep in entry[2].get("dependencies", {}):
            assert dep in lock["packages"], dep
    containerfile = (SOURCE_TREE / "deploy/runtime/env/Containerfile").read_text()
    assert containerfile.startswith("#") and "FROM oven/bun:1.2.19-debian" in containerfile
    assert "bun install --production --frozen-lockfile" in containerfile
    assert "COPY deploy/runtime/boot/ /opt/agentrun/boot/" in containerfile
    assert "COPY src" not in containerfile
    # no legacy or forbidden targets outside the deprecation note of AGENTS.md
    for p in files:
        body = p.read_text()
        assert "D601" not in body and "/root/agentrun/" not in body, p
        if p.name != "AGENTS.md":
            assert "agentrun_dev" not in body and "agentrun_prod" not in body, p
    assert os.access(SOURCE_TREE / "deploy/runtime/boot/agentrun-boot.sh", os.X_OK)


def test_boot_script_fetches_exact_commit_over_read_route(env):
    """The template's boot script against the server: exact-SHA shallow fetch,
    refusal of non-SHA."""
    tmp = env["tmp"]
    fake_bin = tmp / "bin"
    fake_bin.mkdir()
    (fake_bin / "bun").write_text('#!/bin/sh\necho "bun $* in $(pwd)"\n')
    (fake_bin / "bun").chmod(0o755)
    (tmp / "envdir" / "node_modules").mkdir(parents=True)
    boot_env = dict(
        os.environ,
        **_GIT_ENV,
        PATH=f"{fake_bin}:{os.environ['PATH']}",
        AGENTRUN_GIT_MIRROR_URL=env["read"],
        AGENTRUN_ENV_DIR=str(tmp / "envdir"),
        AGENTRUN_SRC_DIR=str(tmp / "src"),
    )
    script = str(SOURCE_TREE / "deploy/runtime/boot/agentrun-boot.sh")
    ok = subprocess.run(
        ["bash", script, "manager"],
        env=dict(boot_env, AGENTRUN_BOOT_COMMIT=env["first"]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"bun src/index.ts manager in {tmp / 'src'}"
    assert git("rev-parse", "HEAD", cwd=tmp / "src").stdout.strip() == env["first"]
    assert (tmp / "src" / "node_modules").resolve() == (tmp / "envdir" / "node_modules").resolve()
    for bad in (env["first"][:12], "v0.1", env["first"].upper(), ""):
        r = subprocess.run(
            ["bash", script],
            env=dict(boot_env, AGENTRUN_BOOT_COMMIT=bad),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 64, bad
        assert "bun" not in r.stdout
