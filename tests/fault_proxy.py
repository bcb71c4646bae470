"""A small HTTP fault proxy on 127.0.0.1, in front of one sandbox server (API
server, git, registry).

It forwards every request to its upstream unless a `Fault` matches the request (method and a regex
on path+query), which then answers instead: a status with headers and body, a hang, a reset
connection, a delay, a truncated or rewritten answer. A fault may apply to its first `times`
matching requests only (a transient fault). Every answer closes its connection, so no client
reuses a connection a fault has broken.
"""

from __future__ import annotations

import base64
import http.client
import ssl
import tempfile
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import yaml

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
    "content-length",
    "host",
}


@dataclass
class Fault:
    path: str = ""  # regex searched in path+query
    method: str | None = None
    status: int | None = None  # answer this instead of forwarding
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    times: int | None = None  # only the first N matching requests
    hang: bool = False  # hold the request until the proxy stops or is cleared
    reset: bool = False  # close the connection with a TCP reset
    delay: float = 0.0  # forward, but answer this much later
    truncate: int | None = None  # forward, but send only this many body bytes
    rewrite: Callable[[bytes], bytes] | None = (
        None  # forward, and answer this of the upstream's body
    )
    drop_headers: tuple[
        str, ...
    ] = ()  # request headers not forwarded (Git-Protocol: refs come in info/refs)
    hits: int = 0

    def matches(self, method: str, target: str) -> bool:
        if self.method and self.method != method:
            return False
        return bool(re.search(self.path, target)) and (self.times is None or self.hits < self.times)


class FaultProxy:
    def __init__(self, upstream: str, tls: ssl.SSLContext | None = None):
        """`tls`: for an https upstream, the context it is reached with (its CA, the client's
        certificate): the proxy's clients speak plain HTTP to it and are the upstream's user."""
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.tls = tls
        self.faults: list[Fault] = []
        self.released = threading.Event()
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FaultProxy":
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        ).start()
        return self

    def set(self, *faults: Fault) -> None:
        with self._lock:
            self.released.set()  # a hang of the previous case ends now
            self.released = threading.Event()
            self.faults = list(faults)
            self.requests = []

    def clear(self) -> None:
        self.set()

    def take(self, method: str, target: str) -> Fault | None:
        with self._lock:
            self.requests.append(f"{method} {target}")
            for fault in self.faults:
                if fault.matches(method, target):
                    fault.hits += 1
                    return fault
        return None

    def stop(self) -> None:
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"
    # A response's headers and body are two writes: without TCP_NODELAY the body waits for the
    # client's delayed ACK of the headers (40 ms a request on a kept-alive connection).
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _handle(self) -> None:
        body = self._request_body()
        fault = self.owner.take(self.command, self.path)
        if fault is not None and fault.hang:
            self.owner.released.wait(120)
            self._reset()
            return
        if fault is not None and fault.reset:
            self._reset()
            return
        if fault is not None and fault.status is not None:
            self._answer(fault.status, fault.headers, fault.body)
            return
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        dropped = {h.lower() for h in fault.drop_headers} if fault is not None else set()
        status, headers, content = self._forward(body, dropped)
        if fault is not None and fault.rewrite is not None:
            content = fault.rewrite(content)
        if fault is not None and fault.truncate is not None:
            self._answer(status, headers, content, cut=fault.truncate)
            return
        self._answer(status, headers, content)

    def _request_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self, body: bytes, dropped: set[str]) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.owner.tls is not None:
            connection = http.client.HTTPSConnection(
                *self.owner.upstream, timeout=60, context=self.owner.tls
            )
        else:
            connection = http.client.HTTPConnection(*self.owner.upstream, timeout=60)
        try:
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | dropped
            }
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            content = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, kept, content
        finally:
            connection.close()

    def _answer(self, status: int, headers, content: bytes, cut: int | None = None) -> None:
        self.send_response(status)
        for key, value in headers.items() if isinstance(headers, dict) else headers:
            self.send_header(key, value)
        if status not in (204, 304) and not (100 <= status < 200):
            self.send_header("Content-Length", str(len(content)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content if cut is None else content[:cut])
        self.wfile.flush()
        if cut is not None:
            self._reset()
        self.close_connection = True

    def _reset(self) -> None:
        try:  # SO_LINGER 0: close() sends RST, as a crashed peer or a middlebox does
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True


def tls_from_kubeconfig(path: Path) -> ssl.SSLContext:
    """The TLS a kubeconfig's current user reaches its cluster with (CA and client certificate)."""
    config = yaml.safe_load(path.read_text())
    cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
    context = ssl.create_default_context(
        cadata=base64.b64decode(cluster["certificate-authority-data"]).decode()
    )
    with tempfile.TemporaryDirectory() as scratch:  # load_cert_chain reads files only
        cert, key = Path(scratch) / "client.crt", Path(scratch) / "client.key"
        cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
        key.write_bytes(base64.b64decode(user["client-key-data"]))
        context.load_cert_chain(cert, key)
    return context


def hide_refs(path: str, pattern: str) -> Fault:
    """A fault on git's smart-HTTP ref advertisement: the refs matching pattern are left out (the
    branch is then missing on that remote). Protocol v2 lists refs in a later POST, so the client's
    Git-Protocol header is dropped: the server answers protocol v0, refs in info/refs."""
    return Fault(
        path + r".*/info/refs", rewrite=_without_refs(pattern), drop_headers=("Git-Protocol",)
    )


def _without_refs(pattern: str) -> Callable[[bytes], bytes]:
    """The pkt-line rewrite: the capabilities of a hidden first ref move to the next one."""
    wanted = re.compile(pattern.encode())

    def rewrite(content: bytes) -> bytes:
        lines, rest = [], content
        while rest:
            size = int(rest[:4], 16)
            lines.append(rest[4:size] if size else None)
            rest = rest[max(size, 4) :]
        out, capabilities = [], b""
        for line in lines:
            if (
                line is not None
                and b" refs/" in line
                and wanted.search(line.split(b" ", 1)[1].split(b"\0")[0])
            ):
                if b"\0" in line:
                    capabilities = b"\0" + line.split(b"\0", 1)[1]
                continue
            if line is not None and capabilities and b" refs/" in line and b"\0" not in line:
                line, capabilities = line.rstrip(b"\n") + capabilities, b""
            out.append(line)
        return b"".join(
            b"0000" if line is None else b"%04x%s" % (len(line) + 4, line) for line in out
        )

    return rewrite
