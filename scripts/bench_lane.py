"""Lanes for the benchmark (scripts/benchmark.py): a recorded conforming lane scaled to N services,
a sandbox lane with extra releases on its GitOps branch, and a lane reached through proxies that
add latency to every request. Nothing here asserts; it only builds what the benchmark measures."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from pytest_agentrun.evidence.bundle import write_manifest
from pytest_agentrun import yaml_text

# -- a recorded lane scaled to N services ------------------------------------------------------
# The sandbox's manager service is cloned: agentrun-mgr -> agentrun-svc0001 ... (not the env image
# repository agentrun-mgr-env, which every service shares, as on the real lane).
SERVICE = re.compile(r"agentrun-mgr(?!-env)")


def clone_name(i: int) -> str:
    return f"agentrun-svc{i:04d}"


# Object uids of a clone differ from the original's (owner references match by uid), consistently
# across entries: the clone's last four hex digits are its number.
UID = re.compile(r"\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{8})[0-9a-f]{4}\b")


def _clone_text(text: str, i: int) -> str:
    return UID.sub(lambda m: f"{m.group(1)}{i:04x}", SERVICE.sub(clone_name(i), text))


def _clones(item, n: int) -> list:
    text = json.dumps(item)
    return [json.loads(_clone_text(text, i)) for i in range(1, n)] if SERVICE.search(text) else []


def _scale_list(items: list, n: int) -> list:
    return items + [c for item in items for c in _clones(item, n)]


def _scale_value(value, n: int):
    if isinstance(value, list) and all(isinstance(v, str) for v in value):  # file lists
        return sorted(_scale_list(value, n))
    if isinstance(value, list) and all(
        isinstance(v, dict) and "metadata" in v for v in value
    ):  # API lists
        return [_scale_application(v, n) for v in _scale_list(value, n)]
    if isinstance(value, str) and value.lstrip().startswith("{"):  # catalog, deploy.json
        try:
            data = json.loads(value)
        except ValueError:
            return value
        if isinstance(data, dict) and isinstance(data.get("services"), list):
            data["services"] = _scale_list(data["services"], n)
            return json.dumps(data, indent=2) + "\n"
    return value


def _scale_application(obj: dict, n: int) -> dict:
    """An Argo CD Application lists the resources it manages: the clones are managed too."""
    if obj.get("kind") != "Application":
        return obj
    status = obj.get("status") or {}
    if isinstance(status.get("resources"), list):
        status["resources"] = _scale_list(status["resources"], n)
    result = (status.get("operationState") or {}).get("syncResult") or {}
    if isinstance(result.get("resources"), list):
        result["resources"] = _scale_list(result["resources"], n)
    return obj


def scale_bundle(source: Path, target: Path, n: int) -> int:
    """Copy a recorded bundle with its manager service cloned to n services; the entries written."""
    target.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((source / "manifest.json").read_text())
    count = 0
    for part in sorted(source.glob("evidence-*.jsonl")):
        with (target / part.name).open("w") as out:
            for line in part.read_text().splitlines():
                entry = json.loads(line)
                if "value" in entry and not entry["key"].startswith("history "):
                    entry["value"] = _scale_value(entry["value"], n)
                entries = [entry] + (_clones(entry, n) if SERVICE.search(entry["key"]) else [])
                for e in entries:
                    out.write(json.dumps(e, sort_keys=True) + "\n")
                count += len(entries)
    write_manifest(target, manifest["lane"], manifest["connection"], manifest["run"])
    return count


# -- extra releases on the GitOps branch -------------------------------------------------------
def add_releases(
    bares: list[Path], branch: str, catalog_path: str, count: int, ci: tuple[str, str]
) -> str:
    """`count` re-promotions of the head's source commit (catalog generatedAt moves on), written
    with git fast-import into the first bare repository and pushed to the others; the new head."""
    first = bares[0]
    head = _git(first, "rev-parse", f"refs/heads/{branch}")
    catalog = json.loads(_git(first, "show", f"{head}:{catalog_path}"))
    stamp = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=count + 60)
    chunks = []
    for i in range(count):
        when = stamp + timedelta(seconds=i)
        catalog["generatedAt"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        data = (json.dumps(catalog, indent=2) + "\n").encode()
        message = (
            f"promote {catalog['lane']} {catalog['sourceCommit'][:12]}: build=0 reuse=1 "
            "unsafeReuse=0\n"
        ).encode()
        stamp_s = int(when.timestamp())
        chunks.append(
            b"commit refs/heads/"
            + branch.encode()
            + b"\n"
            + f"author {ci[0]} <{ci[1]}> {stamp_s} +0000\n".encode()
            + f"committer {ci[0]} <{ci[1]}> {stamp_s} +0000\n".encode()
            + f"data {len(message)}\n".encode()
            + message
            + (f"from {head}\n".encode() if i == 0 else b"")
            + f"M 100644 inline {catalog_path}\ndata {len(data)}\n".encode()
            + data
            + b"\n"
        )
    subprocess.run(
        ["git", "fast-import", "--quiet", "--force"], cwd=first, input=b"".join(chunks), check=True
    )
    new_head = _git(first, "rev-parse", f"refs/heads/{branch}")
    for other in bares[1:]:
        _git(first, "push", "-q", str(other), f"refs/heads/{branch}:refs/heads/{branch}")
    return new_head


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def wait_synced(config, revision: str, timeout: float = 60.0) -> float:
    """Ask the sandbox's Argo CD to refresh, then wait until the Application is Synced and Healthy
    at revision and the runtime's pods are ready again; the seconds it took."""
    from pytest_agentrun.readers.kube_live import LiveKube

    profile, kube = config.profile, LiveKube(config)
    started = time.monotonic()
    kube.merge_patch(
        "Application",
        profile.argocd_namespace,
        profile.application,
        {"metadata": {"annotations": {"argocd.argoproj.io/refresh": "normal"}}},
        profile.trigger_field_manager,
    )
    while time.monotonic() - started < timeout:
        app = kube.get("Application", profile.argocd_namespace, profile.application) or {}
        status = app.get("status") or {}
        if (
            (status.get("sync") or {}).get("revision") == revision
            and (status.get("sync") or {}).get("status") == "Synced"
            and (status.get("health") or {}).get("status") == "Healthy"
            and (status.get("operationState") or {}).get("phase") == "Succeeded"
        ):
            pods = kube.list("Pod", profile.runtime_namespace)
            if pods and all(
                c.get("ready")
                for p in pods
                if (p.get("status") or {}).get("phase") == "Running"
                for c in (p.get("status") or {}).get("containerStatuses") or []
            ):
                kube.close()
                return time.monotonic() - started
        time.sleep(0.2)
    kube.close()
    raise RuntimeError(f"Argo CD did not sync {revision} within {timeout:.0f}s")


# -- latency on every source --------------------------------------------------------------------
class DelayProxy:
    """A TCP proxy that holds each request for `delay` seconds before passing it on: the first bytes
    a client sends after the server last answered start a request (keep-alive included)."""

    def __init__(self, target: str, delay: float):
        parts = urlsplit(target)
        self.host, self.port, self.delay = parts.hostname, parts.port, delay
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.listen_port = self.server.sockets[0].getsockname()[1]
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def url(self, original: str) -> str:
        parts = urlsplit(original)
        return urlunsplit(parts._replace(netloc=f"127.0.0.1:{self.listen_port}"))

    async def _handle(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.close()
            return
        turn = {"request": True}

        async def upstream() -> None:
            while data := await reader.read(65536):
                if turn["request"]:
                    turn["request"] = False
                    await asyncio.sleep(self.delay)
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()

        async def downstream() -> None:
            while data := await up_reader.read(65536):
                turn["request"] = True
                writer.write(data)
                await writer.drain()
            writer.close()

        await asyncio.gather(upstream(), downstream(), return_exceptions=True)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)


def delayed_lane_config(
    lane_config: Path, delay: float, directory: Path
) -> tuple[Path, list[DelayProxy]]:
    """A copy of a sandbox lane config (and its kubeconfig) that reaches the API server, the git
    server and the registry through DelayProxy; the proxies to close."""
    raw = yaml_text.load(lane_config.read_text())
    kubeconfig = yaml_text.load((lane_config.parent / raw["kubernetes"]["kubeconfig"]).read_text())
    api = DelayProxy(kubeconfig["clusters"][0]["cluster"]["server"], delay)
    git = DelayProxy(raw["source"]["repoUrl"], delay)
    registry = DelayProxy(raw["registry"]["url"], delay)
    kubeconfig["clusters"][0]["cluster"]["server"] = api.url(
        kubeconfig["clusters"][0]["cluster"]["server"]
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kubeconfig").write_text(yaml.safe_dump(kubeconfig))
    raw["kubernetes"]["kubeconfig"] = str(directory / "kubeconfig")
    for section, key in (("source", "repoUrl"), ("mirror", "readUrl"), ("mirror", "writeUrl")):
        raw[section][key] = git.url(raw[section][key])
    raw["registry"]["url"] = registry.url(raw["registry"]["url"])
    raw["source"]["worktree"] = str((lane_config.parent / raw["source"]["worktree"]).resolve())
    raw.pop("sandbox", None)
    path = directory / "lane.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path, [api, git, registry]
