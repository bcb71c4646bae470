"""The sandbox registry (fixtures/agentrun_sandbox/registry.py) against Debian's
docker-registry 2.8."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx
import pytest

try:
    import agentrun_sandbox  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from agentrun_sandbox.registry import (
    REGISTRY_BINARY,
    SCHEMA1_SIGNED,
    SCHEMA2,
    RegistryServer,
    delete_manifest,
    env_image,
    head_digest,
    list_tags,
    push_image,
)

pytestmark = pytest.mark.skipif(
    not Path(REGISTRY_BINARY).exists(), reason="docker-registry not installed"
)

REPO = "agentrun/agentrun-mgr-env"
BASE = "oven/bun:1.2.19-debian"
PACKAGES = ["git", "ca-certificates", "curl", "nodejs", "kubectl"]
BOOT = {"agentrun-boot.sh": b"#!/usr/bin/env bash\nset -euo pipefail\necho boot\n"}


def _pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    server = RegistryServer(tmp_path_factory.mktemp("registry")).start()
    try:
        yield server
    finally:
        server.stop()


def _image(identity: str = "e0a1b2c3d4e5"):
    return env_image(identity, base_image=BASE, packages=PACKAGES, boot_files=BOOT)


def test_start_writes_config_and_stop_ends_process(tmp_path):
    server = RegistryServer(tmp_path / "reg", schema1_compatibility=False)
    server.start()
    pid = server.pid
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert _pid_alive(pid)
        assert httpx.get(server.url + "/v2/").status_code == 200
        config = (tmp_path / "reg" / "config.yml").read_text()
        assert f'rootdirectory: "{tmp_path / "reg" / "data"}"' in config
        assert f"addr: 127.0.0.1:{server.port}" in config
        assert "enabled: false" in config.split("schema1:", 1)[1]
        assert server.startup_seconds is not None and server.startup_seconds < 10
    finally:
        server.stop()
    assert not _pid_alive(pid)
    assert not server.running
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/v2/", timeout=2)


def test_push_and_schema2_head(registry):
    config, layers = _image()
    digest = push_image(registry.url, REPO, "e0a1b2c3d4e5", config=config, layers=layers)
    assert digest.startswith("sha256:") and len(digest) == 71
    # by tag, schema2 Accept: the digest of the bytes that were pushed
    assert head_digest(registry.url, REPO, "e0a1b2c3d4e5") == (200, digest)
    # by digest, schema2 Accept: same
    assert head_digest(registry.url, REPO, digest) == (200, digest)
    # the manifest served is the one pushed, byte for byte
    r = httpx.get(f"{registry.url}/v2/{REPO}/manifests/{digest}", headers={"Accept": SCHEMA2})
    assert r.status_code == 200
    assert "sha256:" + hashlib.sha256(r.content).hexdigest() == digest
    manifest = r.json()
    assert manifest["mediaType"] == SCHEMA2
    # config blob is retrievable and is the env image config
    cfg = httpx.get(f"{registry.url}/v2/{REPO}/blobs/{manifest['config']['digest']}").json()
    assert cfg["config"]["Labels"]["agentrun.envIdentity"] == "e0a1b2c3d4e5"
    r = httpx.get(f"{registry.url}/v2/{REPO}/tags/list")
    assert r.status_code == 200
    assert r.json()["name"] == REPO
    assert "e0a1b2c3d4e5" in r.json()["tags"]
    assert "e0a1b2c3d4e5" in list_tags(registry.url, REPO)


def test_schema1_gotcha_digest_differs(registry):
    """G14: a HEAD without a schema2 Accept is answered with a converted schema1
    manifest's digest."""
    config, layers = _image("f00dfeed0001")
    digest = push_image(registry.url, REPO, "f00dfeed0001", config=config, layers=layers)
    status2, d2 = head_digest(registry.url, REPO, "f00dfeed0001", accept=SCHEMA2)
    status_none, d_none = head_digest(registry.url, REPO, "f00dfeed0001", accept=None)
    status1, d1 = head_digest(registry.url, REPO, "f00dfeed0001", accept=SCHEMA1_SIGNED)
    assert (status2, d2) == (200, digest)
    assert status_none == 200 and d_none and d_none != digest
    assert status1 == 200 and d1 == d_none
    r = httpx.get(
        f"{registry.url}/v2/{REPO}/manifests/f00dfeed0001", headers={"Accept": SCHEMA1_SIGNED}
    )
    assert r.headers["Content-Type"] == SCHEMA1_SIGNED
    assert r.json()["schemaVersion"] == 1
    assert r.headers["Docker-Content-Digest"] == d1


def test_no_history_no_accept_is_manifest_invalid(registry):
    """Without a `history` in the config the registry cannot convert: 400 (manifest invalid)."""
    config, layers = _image("0badc0ffee00")
    config = {k: v for k, v in config.items() if k != "history"}
    digest = push_image(registry.url, REPO, "no-history", config=config, layers=layers)
    assert head_digest(registry.url, REPO, "no-history") == (200, digest)
    assert head_digest(registry.url, REPO, "no-history", accept=None) == (400, None)


def test_env_image_is_deterministic(registry):
    a_cfg, a_layers = _image("1dd1dd1dd1dd")
    b_cfg, b_layers = _image("1dd1dd1dd1dd")
    assert a_cfg == b_cfg and a_layers == b_layers
    d1 = push_image(registry.url, REPO, "det-1", config=a_cfg, layers=a_layers)
    d2 = push_image(registry.url, "agentrun/other", "det-2", config=b_cfg, layers=b_layers)
    assert d1 == d2
    # any input change changes the digest
    c_cfg, c_layers = env_image(
        "1dd1dd1dd1dd", base_image=BASE, packages=PACKAGES + ["jq"], boot_files=BOOT
    )
    d3 = push_image(registry.url, REPO, "det-3", config=c_cfg, layers=c_layers)
    assert d3 != d1
    # packages are a set: order does not matter
    e_cfg, e_layers = env_image(
        "1dd1dd1dd1dd", base_image=BASE, packages=list(reversed(PACKAGES)), boot_files=BOOT
    )
    assert (e_cfg, e_layers) == (a_cfg, a_layers)


def test_env_image_content():
    config, layers = _image("abcdef012345")
    assert len(layers) == 1
    raw = gzip.decompress(layers[0])
    assert config["rootfs"] == {
        "type": "layers",
        "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()],
    }
    assert config["architecture"] == "amd64" and config["os"] == "linux"
    assert len(config["history"]) == len(layers)
    assert config["config"]["Labels"]["agentrun.envIdentity"] == "abcdef012345"
    assert "AGENTRUN_ENV_IDENTITY=abcdef012345" in config["config"]["Env"]
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert tar.extractfile("etc/agentrun/env-identity").read() == b"abcdef012345\n"
        assert (
            tar.extractfile("opt/agentrun/boot/agentrun-boot.sh").read() == BOOT["agentrun-boot.sh"]
        )
    assert members["opt/agentrun/boot/agentrun-boot.sh"].mode == 0o755
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 for m in members.values())
    names = [m for m in members]
    assert names == sorted(names)
    # gzip header mtime is 0
    assert layers[0][4:8] == b"\x00\x00\x00\x00"
    json.dumps(config)  # serialisable


def test_delete_manifest(registry):
    config, layers = _image("de1e7ede1e7e")
    digest = push_image(registry.url, REPO, "to-delete", config=config, layers=layers)
    assert head_digest(registry.url, REPO, digest) == (200, digest)
    delete_manifest(registry.url, REPO, digest)
    assert head_digest(registry.url, REPO, digest)[0] == 404
    assert head_digest(registry.url, REPO, "to-delete")[0] == 404
    assert "to-delete" not in list_tags(registry.url, REPO)
    with pytest.raises(RuntimeError):
        delete_manifest(registry.url, REPO, digest)


def test_start_failure_reports_log_tail(tmp_path):
    # the port is held by a running registry: the second one cannot bind it
    first = RegistryServer(tmp_path / "a").start()
    try:
        second = RegistryServer(tmp_path / "b", port=first.port, start_timeout=5)
        with pytest.raises(RuntimeError, match="log tail"):
            second.start()
        assert not second.running
    finally:
        first.stop()


def test_registry_dies_with_its_parent(tmp_path):
    """PR_SET_PDEATHSIG(SIGTERM): when the process that started the registry dies, so does it."""
    fixtures = str(Path(__file__).parents[1] / "fixtures")
    code = (
        "import os, sys; sys.path.insert(0, sys.argv[1]);"
        "from pathlib import Path; from agentrun_sandbox.registry import RegistryServer;"
        "r = RegistryServer(Path(sys.argv[2])).start(); print(r.pid, flush=True); os._exit(0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, fixtures, str(tmp_path / "orphan")],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 5
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _pid_alive(pid)


def test_the_suite_reads_the_whole_tag_list(registry):
    """Debian's docker-registry 2.8 answers every tag in one page (it ignores `n`): the suite's
    reader gives the same list, and a repository never pushed has no tag (404)."""
    from pytest_agentrun.evidence.cache import EvidenceCache
    from pytest_agentrun.readers.registry import Registry

    config, layers = _image("pa9e0000001")
    pushed = {f"page-{n}" for n in range(5)}
    for tag in pushed:
        push_image(registry.url, REPO, tag, config=config, layers=layers)
    one_page = httpx.get(f"{registry.url}/v2/{REPO}/tags/list?n=2")
    assert pushed <= set(one_page.json()["tags"]) and "next" not in one_page.links
    reader = Registry(registry.url, EvidenceCache())
    try:
        assert reader.tag_list(f"127.0.0.1:5000/{REPO}") == list_tags(registry.url, REPO)
        assert reader.tag_list("127.0.0.1:5000/agentrun/never-pushed") == []
    finally:
        reader.close()


def paging_registry(tags: list[str], size: int):
    """A registry that pages its tag list as distribution's api.md "Pagination" shows, even unasked:
    `Link: </v2/<name>/tags/list?n=<n>&last=<last tag>>; rel="next"` (relative, as
    the spec's example)."""

    def answer(request: httpx.Request) -> httpx.Response:
        last = request.url.params.get("last")
        rest = [t for t in sorted(tags) if last is None or t > last]
        page = rest[:size]
        headers = {}
        if len(rest) > size:
            headers["Link"] = f'<{request.url.path}?n={size}&last={page[-1]}>; rel="next"'
        return httpx.Response(200, json={"name": REPO, "tags": page}, headers=headers)

    return httpx.MockTransport(answer)


def test_the_suite_follows_every_page_of_the_tag_list():
    from pytest_agentrun.errors import EvidenceError
    from pytest_agentrun.evidence.cache import EvidenceCache
    from pytest_agentrun.readers.registry import Registry

    tags = [f"env-{n:02d}" for n in range(7)]
    reader = Registry("http://127.0.0.1:5000", EvidenceCache())
    reader._http = httpx.Client(transport=paging_registry(tags, 3))
    assert reader.tag_list(f"127.0.0.1:5000/{REPO}") == tags
    assert len(reader.tags(f"127.0.0.1:5000/{REPO}")) == 3, (
        "the one-page read sees only the first page"
    )
    reader._http = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, text="<html>login</html>"))
    )
    with pytest.raises(EvidenceError, match="not JSON"):
        reader.tag_list("127.0.0.1:5000/agentrun/other")
