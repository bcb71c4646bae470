"""Read-only access to the Kubernetes API through the official client.

One `ApiClient` per session, configured from a kubeconfig (and context) or in-cluster. Objects
come back as plain dicts (the API's JSON), so checks never depend on client model classes.
`Kube`, the suite's reader, only ever sends GET: it has no write path. The transport under it
(`ApiTransport`) is shared with the drive helpers' uncached LiveKube.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

import urllib3
from kubernetes import client, config as kube_config
from kubernetes.client.rest import ApiException
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from .. import yaml_text
from ..errors import EvidenceError, LaneConfigError
from ..evidence.cache import EvidenceCache
from ..lane import LaneConfig
from ..model.pod_logs import BOUNDS, LogBounds, LogRead, tail
from ..masking import redact_text
from . import shapes
from ..defaults import TIMEOUTS
from .breaker import Breaker
from .discovery import AGGREGATED_ACCEPT, Discovery
from ..model.objects import Resource

TIMEOUT = TIMEOUTS.kube  # connect, read seconds
# Ask a real API server for metadata only (values never cross the wire); one that ignores it sends
# the full list, whose values are dropped before anything keeps them.
METADATA_LIST = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
RETRIED_STATUSES = (429, 500, 502, 503, 504)
SOURCE_DOWN = (
    429,
    502,
    503,
    504,
)  # after the retries, these open the breaker (a 500 may be one object's)
MAX_RETRY_AFTER = 10.0  # seconds: a Retry-After beyond this is cut to it (the run has a deadline)
LOG_TIMEOUT = TIMEOUTS.kube_log


@cache
def resource_table() -> dict[str, dict[str, Any]]:
    return yaml_text.load(
        resources.files("pytest_agentrun").joinpath("data/resources.yaml").read_text()
    )


def resource_path(kind: str, namespace: str | None = None, name: str | None = None) -> str:
    spec = resource_table()[kind]
    api_version = spec["apiVersion"]
    root = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    path = root
    if spec["namespaced"] and namespace:
        path += f"/namespaces/{quote(namespace)}"
    path += f"/{spec['plural']}"
    if name:
        path += f"/{quote(name)}"
    return path


def build_api_client(cfg: LaneConfig) -> client.ApiClient:
    """The official client, configured exactly as kubectl would be. Raises LaneConfigError."""
    configuration = client.Configuration()
    try:
        if cfg.in_cluster:
            kube_config.load_incluster_config(client_configuration=configuration)
        else:
            if cfg.kubeconfig is None or not cfg.kubeconfig.is_file():
                raise LaneConfigError(
                    f"kubeconfig {cfg.kubeconfig} does not exist (from {cfg.origin})"
                )
            kube_config.load_kube_config(
                config_file=str(cfg.kubeconfig),
                context=cfg.context,
                client_configuration=configuration,
            )
    except LaneConfigError:
        raise
    except Exception as exc:  # the client raises ConfigException and plain errors alike
        where = "in-cluster service account" if cfg.in_cluster else f"kubeconfig {cfg.kubeconfig}"
        raise LaneConfigError(f"cannot use {where}: {str(exc).splitlines()[0]}") from None
    configuration.retries = read_retry()
    return client.ApiClient(configuration)


class LaneRetry(Retry):
    """urllib3's Retry with two bounds: a read that timed out is not sent again (the source's
    breaker takes over), and a Retry-After longer than MAX_RETRY_AFTER is cut to it."""

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ):
        if isinstance(error, ReadTimeoutError):
            raise MaxRetryError(_pool, url, error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_retry_after(self, response):
        after = super().get_retry_after(response)
        return None if after is None else min(after, MAX_RETRY_AFTER)


def read_retry() -> Retry:
    """Reads are idempotent: GET/HEAD are retried on 429 (after its Retry-After), 500, 502, 503, 504
    and a reset connection, with exponential backoff (0.25, 0.5, 1 s). Writes (the drive's POST and
    PATCH) are never sent twice; a refused connection is tried once more."""
    return LaneRetry(
        total=4,
        connect=1,
        read=2,
        status=3,
        backoff_factor=0.25,
        backoff_max=2.0,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class ApiUnreachable(Exception):
    """The API server did not answer (refused, TLS, timeout); the message is the
    reason, one line."""

    def __init__(self, reason: str, timed_out: bool = False):
        super().__init__(reason)
        self.timed_out = timed_out


class ApiTransport:
    """The official client configured for a lane (kubeconfig and context, or in-cluster), and one
    request through it (its auth, TLS and proxy settings). Readers and drive helpers build on it."""

    def __init__(self, cfg: LaneConfig):
        self._cfg = cfg
        self._api: client.ApiClient | None = None
        self._api_lock = threading.Lock()  # readers may start on several threads (prefetch.py)

    @property
    def api(self) -> client.ApiClient:
        with self._api_lock:
            if self._api is None:
                self._api = build_api_client(self._cfg)
            return self._api

    @property
    def server(self) -> str:
        return self.api.configuration.host

    def send(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> tuple[int, bytes]:
        """(status, body bytes) of one request; ApiUnreachable (its reason only)
        when no answer came."""
        try:
            method, full_url, headers, body, _ = self.api.param_serialize(
                method,
                path,
                query_params=query or [],
                header_params=headers or {},
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self.api.call_api(
                method, full_url, header_params=headers, body=body, _request_timeout=timeout
            )
            return response.status, response.read() or b""
        except ApiException as exc:  # the client's own transport errors (TLS) arrive as status 0
            raise ApiUnreachable(str(exc.reason)) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ApiUnreachable(_reason(exc), timed_out=_timed_out(exc)) from None

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None


class Kube(ApiTransport):
    """GET-only Kubernetes reader with the session's evidence cache, behind the API
    server's breaker."""

    def __init__(self, cfg: LaneConfig, cache: EvidenceCache, breaker: Breaker | None = None):
        super().__init__(cfg)
        self._cache = cache
        self.breaker = breaker or Breaker("kubernetes")
        # A container log that hangs or fails opens this one, never the API server's: logs are
        # evidence beside the status and must not cost a criterion its objects.
        self.log_breaker = Breaker("kubernetes logs", self.breaker.deadline)
        self._discovery: Discovery | None = None

    def _call(
        self,
        path: str,
        query: list[tuple[str, str]] | None = None,
        accept: str = "application/json",
    ):
        """One GET: (status, body bytes); no answer is missing evidence, and opens the breaker."""
        where = self.server + path
        self.breaker.check(path, where)
        connect, read = TIMEOUT
        try:
            return self.send(
                "GET",
                path,
                query,
                {"Accept": accept},
                timeout=(connect, self.breaker.timeout(read)),
            )
        except ApiUnreachable as exc:
            raise self.breaker.trip(
                EvidenceError("kubernetes", path, where, f"API server unreachable ({exc})")
            ) from None

    def _get_json(
        self,
        path: str,
        query: list[tuple[str, str]] | None = None,
        verb: str = "get",
        accept: str = "application/json",
    ) -> tuple[int, Any]:
        """(status, parsed JSON). A 404 comes back as (404, its Status body); every other error
        answer is an EvidenceError saying what the server refused, as one line."""
        status, raw = self._call(path, query, accept)
        body = raw.decode("utf-8", "replace")
        if status == 404:
            return 404, _json_or_none(body)
        if status >= 300:
            error = EvidenceError(
                "kubernetes", path, self.server + path, self._refusal(status, body, path, verb)
            )
            # Still unavailable or throttled after the retries: the server, not this
            # object, is failing.
            raise self.breaker.trip(error) if status in SOURCE_DOWN else error
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            raise EvidenceError(
                "kubernetes", path, self.server + path, f"answer is not JSON: {body[:120]!r}"
            ) from None

    def _refusal(self, status: int, body: str, path: str, verb: str) -> str:
        message = _status_message(body)
        if status == 401:
            who = (
                "the in-cluster service account"
                if self._cfg.in_cluster
                else f"kubeconfig {self._cfg.kubeconfig}"
            )
            return (
                f"unauthorised (HTTP 401): the API server refused the credentials of {who}: "
                f"{message}"
            )
        if status == 403:
            return (
                f"forbidden (HTTP 403): RBAC does not allow {verb} {_resource_of(path)}: {message}"
            )
        tried = " after retries" if status in RETRIED_STATUSES else ""
        return f"HTTP {status}{tried}: {message}"

    def answers(self) -> None:
        """Raise EvidenceError unless the API server answers: the core discovery document (/api),
        which the run reads anyway, so asking it first costs no request of its own."""
        if self._discovery_document("/api") is None:
            raise EvidenceError(
                "kubernetes", "/api", self.server + "/api", "HTTP 404: no core API group"
            )

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The object, or None when the API answers that it does not exist."""
        _refuse_secret_values(kind)
        path = resource_path(kind, namespace, name)

        def fetch() -> dict[str, Any] | None:
            data = self._object(kind, path, name)
            return (
                None
                if data is None
                else shapes.check_object(kind, typed(kind, data), self.server + path)
            )

        return self._cache.get("kubernetes", path, fetch)

    def _object(self, kind: str, path: str, name: str) -> Any:
        status, data = self._get_json(path)
        if status == 404:
            # A missing object is a Status naming it; any other 404 says the kind
            # itself is not served.
            details = data.get("details") if isinstance(data, dict) else None
            if isinstance(details, dict) and details.get("name") == name:
                return None
            raise EvidenceError(
                "kubernetes", f"{kind} {name}", self.server + path, not_served(kind)
            )
        return data

    def list(
        self, kind: str, namespace: str | None = None, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        _refuse_secret_values(kind)
        path = resource_path(kind, namespace)
        query = [("labelSelector", label_selector)] if label_selector else []

        def fetch() -> list[dict[str, Any]]:
            status, data = self._get_json(path, query, verb="list")
            if (
                status == 404
            ):  # a collection always exists where its kind is served (even in no namespace)
                raise EvidenceError(
                    "kubernetes", f"{kind} list", self.server + path, not_served(kind)
                )
            items = shapes.check_list(kind, data, self.server + path)
            # list items omit kind/apiVersion on real servers
            return [compact_managed_fields(typed(kind, item)) for item in items]

        return self._cache.get(
            "kubernetes",
            path + (f"?labelSelector={label_selector}" if label_selector else ""),
            fetch,
        )

    @property
    def discovery(self) -> Discovery:
        """The server's kinds (aggregated discovery, else legacy), each document read once
        through the cache."""
        if self._discovery is None:
            self._discovery = Discovery(self._discovery_document)
        return self._discovery

    def _discovery_document(self, path: str) -> Any:
        # /api and /apis ask for the aggregated form (one answer for every group); the recorded
        # answer, in whichever form the server gave it, is what a replay reads under the same key.
        accept = AGGREGATED_ACCEPT if path in ("/api", "/apis") else "application/json"

        def fetch() -> Any:
            status, data = self._get_json(path, accept=accept)
            return None if status == 404 else data

        return self._cache.get("kubernetes", path, fetch)

    def list_resource(self, resource: Resource, namespace: str | None) -> list[dict[str, Any]]:
        """Every object of a discovered resource; Secrets as metadata and key names only."""
        if (resource.group, resource.kind) == ("", "Secret"):
            return self.secrets_metadata(namespace)
        path = resource.path(namespace)

        def fetch() -> list[dict[str, Any]]:
            status, data = self._get_json(path, verb="list")
            if status == 404:  # discovered, yet not served (any more)
                raise EvidenceError(
                    "kubernetes",
                    f"{resource.kind} list",
                    self.server + path,
                    f"{resource.kind} ({resource.api_version}) is not served by the API server",
                )
            items = shapes.check_list(resource.kind, data, self.server + path)
            return [compact_managed_fields(_typed_as(resource, item)) for item in items]

        return self._cache.get("kubernetes", path, fetch)

    def secrets_metadata(self, namespace: str | None) -> list[dict[str, Any]]:
        """The namespace's Secrets: metadata, type and key names; values dropped on arrival."""
        path = resource_path("Secret", namespace)

        def fetch() -> list[dict[str, Any]]:
            status, data = self._get_json(path, verb="list", accept=METADATA_LIST)
            if status == 404:
                raise EvidenceError(
                    "kubernetes", "Secret list", self.server + path, not_served("Secret")
                )
            items = shapes.check_list("Secret", data, self.server + path)
            return [_secret_metadata(item) for item in items]

        return self._cache.get("kubernetes", path + "#metadata", fetch)

    def proxy_get(
        self, namespace: str, service: str, port: int | str, path: str
    ) -> tuple[int, str]:
        """GET through the API server's service proxy: (HTTP status, body excerpt)."""
        api_path = (
            f"/api/v1/namespaces/{quote(namespace)}/services/{quote(service)}:{port}/proxy/"
            f"{path.lstrip('/')}"
        )

        def fetch() -> tuple[int, str]:
            status, raw = self._call(api_path, accept="*/*")
            body = raw.decode("utf-8", "replace")
            return status, (
                _status_message(body) if status >= 400 and body.startswith("{") else body[:300]
            )

        return self._cache.get("kubernetes-proxy", api_path, fetch)

    def pod_log(self, namespace: str, read: LogRead, bounds: LogBounds = BOUNDS) -> str:
        """The tail of one container's log (`GET pods/<pod>/log`, bounded by tailLines and
        limitBytes), masked on arrival. EvidenceError says why it could not be read."""
        path = f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(read.pod)}/log"
        query = [
            ("container", read.container),
            ("previous", "true" if read.previous else "false"),
            ("tailLines", str(bounds.tail_lines)),
            ("limitBytes", str(bounds.limit_bytes)),
        ]
        key = f"{path}?{urlencode(query)}"
        what = f"log of {read.pod}/{read.container} ({read.instance})"

        def fetch() -> str:
            where = self.server + key
            self.breaker.check(what, where)
            self.log_breaker.check(what, where)
            read_timeout = self.breaker.timeout(LOG_TIMEOUT[1])
            try:
                status, raw = self.send(
                    "GET",
                    path,
                    query,
                    {"Accept": "text/plain, */*"},
                    timeout=(LOG_TIMEOUT[0], read_timeout),
                )
            except ApiUnreachable as exc:
                reason = f"API server unreachable ({exc})"
                error = EvidenceError("kubernetes", what, where, reason)
                raise self.log_breaker.trip(error) from None
            text = raw.decode("utf-8", "replace")
            if status != 200:
                reason = _log_refusal(status, text, namespace)
                error = EvidenceError("kubernetes", what, where, reason)
                raise self.log_breaker.trip(error) if status in SOURCE_DOWN else error
            return redact_text(tail(text, bounds))

        return self._cache.get("kubernetes-log", key, fetch)


def _log_refusal(status: int, body: str, namespace: str) -> str:
    message = _status_message(body)
    if status == 403:
        return (
            f"forbidden (HTTP 403): RBAC does not allow get pods/log in namespace {namespace}: "
            f"{message}"
        )
    return f"HTTP {status}: {message}"


def typed(kind: str, obj: Any) -> dict[str, Any]:
    """The object with its kind and apiVersion set (list items and some answers leave them out)."""
    obj = obj if isinstance(obj, dict) else {}
    obj.setdefault("kind", kind)
    obj.setdefault("apiVersion", resource_table()[kind]["apiVersion"])
    return obj


def compact_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """The object with each managedFields entry's fieldsV1 cut to its top-level fields
    ({"f:spec": {}, ...}): who manages it, how, when and which top-level fields is all RT-06 reads,
    and the full trees were most of a large lane's evidence in memory and in the
    bundle (issue 14)."""
    meta = obj.get("metadata")
    entries = meta.get("managedFields") if isinstance(meta, dict) else None
    if isinstance(entries, list):
        meta["managedFields"] = [_top_level_fields(entry) for entry in entries]
    return obj


def _top_level_fields(entry: Any) -> Any:
    if not isinstance(entry, dict) or not isinstance(entry.get("fieldsV1"), dict):
        return entry
    return {**entry, "fieldsV1": {field: {} for field in entry["fieldsV1"]}}


def _typed_as(resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    obj.setdefault("kind", resource.kind)
    obj.setdefault("apiVersion", resource.api_version)
    return obj


def _secret_metadata(data: dict[str, Any]) -> dict[str, Any]:
    """A Secret reduced to what may be kept: metadata without the last-applied
    copy, type, key names.

    A real API server's metadata-only list (PartialObjectMetadataList) carries neither `data` nor
    `type`: the key names are then those its managedFields record (`f:data` / `f:stringData`),
    which name every key a write set and drop a key removed since (found on the sandbox's real
    kube-apiserver; the emulator used to send the values along)."""
    meta = dict(data.get("metadata") or {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    meta["annotations"] = annotations
    keys = (
        set(data.get("data") or {}) | set(data.get("stringData") or {}) | _managed_data_keys(meta)
    )
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta,
        "type": data.get("type"),
        "keys": sorted(keys),
    }


def _managed_data_keys(meta: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    for entry in meta.get("managedFields") or []:
        fields = entry.get("fieldsV1") if isinstance(entry, dict) else None
        if not isinstance(fields, dict):
            continue
        for section in ("f:data", "f:stringData"):
            names = fields.get(section)
            if isinstance(names, dict):
                keys |= {
                    name[2:] for name in names if isinstance(name, str) and name.startswith("f:")
                }
    return keys


def _refuse_secret_values(kind: str) -> None:
    # Secret values never enter the evidence: Secrets are read only through secrets_metadata().
    if kind == "Secret":
        raise ValueError(
            "Secrets are read with Kube.secrets_metadata(), which keeps key names only"
        )


def not_served(kind: str) -> str:
    spec = resource_table()[kind]
    return f"{kind} ({spec['plural']}, {spec['apiVersion']}) is not served by the API server"


def _resource_of(path: str) -> str:
    """`/apis/tekton.dev/v1/namespaces/ci/pipelineruns` -> `pipelineruns.tekton.dev
    in namespace ci`."""
    parts = path.strip("/").split("/")
    group = parts[1] if parts[0] == "apis" else ""
    rest = parts[3:] if parts[0] == "apis" else parts[2:]
    namespace = rest[1] if rest[:1] == ["namespaces"] and len(rest) > 2 else None
    resource = rest[2] if namespace else (rest[0] if rest else path)
    return ".".join(filter(None, (resource, group))) + (
        f" in namespace {namespace}" if namespace else ""
    )


def _json_or_none(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _status_message(body: Any) -> str:
    try:
        return json.loads(body).get("message", "")[:200]
    except (TypeError, ValueError, AttributeError):
        return str(body or "")[:200]


def _timed_out(exc: Exception) -> bool:
    reason = getattr(exc, "reason", None) or exc
    return isinstance(reason, (ReadTimeoutError, ConnectTimeoutError, TimeoutError))


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if isinstance(reason, ReadTimeoutError):
        return f"no answer within the read timeout ({text.rsplit('=', 1)[-1].rstrip(')')} s)"
    if "reset" in text.lower() or "RemoteDisconnected" in text or "aborted" in text.lower():
        return "connection reset by the server"
    return text.split(": ", 1)[-1][:160]
