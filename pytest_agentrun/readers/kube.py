"""Read-only access to the Kubernetes API through the official client.

One `ApiClient` per session, configured from a kubeconfig (and context) or in-cluster. Objects
come back as plain dicts (the API's JSON), so checks never depend on client model classes.
`Kube`, the suite's reader, only ever sends GET: it has no write path. The transport under it
(`ApiTransport`) is shared with the drive helpers' uncached LiveKube.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import urllib3
import yaml
from kubernetes import client, config as kube_config
from kubernetes.client.rest import ApiException

from ..errors import EvidenceError, LaneConfigError
from ..evidence import EvidenceCache
from ..lane import LaneConfig
from .discovery import Discovery, Resource

TIMEOUT = (5, 30)  # connect, read seconds
# Ask a real API server for metadata only (values never cross the wire); one that ignores it sends
# the full list, whose values are dropped before anything keeps them.
METADATA_LIST = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"


@cache
def resource_table() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(resources.files("pytest_agentrun").joinpath("data/resources.yaml").read_text())


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


def object_ref(obj: dict[str, Any]) -> str:
    """How a reviewer finds an object: `Deployment agentrun-v01/agentrun-mgr`."""
    meta = obj.get("metadata", {})
    ns = meta.get("namespace")
    return f"{obj.get('kind', '?')} {ns + '/' if ns else ''}{meta.get('name', '?')}"


def build_api_client(cfg: LaneConfig) -> client.ApiClient:
    """The official client, configured exactly as kubectl would be. Raises LaneConfigError."""
    configuration = client.Configuration()
    try:
        if cfg.in_cluster:
            kube_config.load_incluster_config(client_configuration=configuration)
        else:
            if cfg.kubeconfig is None or not cfg.kubeconfig.is_file():
                raise LaneConfigError(f"kubeconfig {cfg.kubeconfig} does not exist (from {cfg.origin})")
            kube_config.load_kube_config(config_file=str(cfg.kubeconfig), context=cfg.context,
                                         client_configuration=configuration)
    except LaneConfigError:
        raise
    except Exception as exc:  # the client raises ConfigException and plain errors alike
        where = "in-cluster service account" if cfg.in_cluster else f"kubeconfig {cfg.kubeconfig}"
        raise LaneConfigError(f"cannot use {where}: {str(exc).splitlines()[0]}") from None
    configuration.retries = 0  # an unreachable server must fail fast, not after urllib3's retries
    return client.ApiClient(configuration)


class ApiUnreachable(Exception):
    """The API server did not answer (refused, TLS, timeout); the message is the reason, one line."""


class ApiTransport:
    """The official client configured for a lane (kubeconfig and context, or in-cluster), and one
    request through it (its auth, TLS and proxy settings). Readers and drive helpers build on it."""

    def __init__(self, cfg: LaneConfig):
        self._cfg = cfg
        self._api: client.ApiClient | None = None

    @property
    def api(self) -> client.ApiClient:
        if self._api is None:
            self._api = build_api_client(self._cfg)
        return self._api

    @property
    def server(self) -> str:
        return self.api.configuration.host

    def send(self, method: str, path: str, query: list[tuple[str, str]] | None = None,
             headers: dict[str, str] | None = None, body: Any = None) -> tuple[int, bytes]:
        """(status, body bytes) of one request; ApiUnreachable when no answer came."""
        try:
            method, full_url, headers, body, _ = self.api.param_serialize(
                method, path, query_params=query or [], header_params=headers or {}, body=body,
                auth_settings=["BearerToken"])
            response = self.api.call_api(method, full_url, header_params=headers, body=body, _request_timeout=TIMEOUT)
            return response.status, response.read() or b""
        except ApiException as exc:  # the client's own transport errors (TLS) arrive as status 0
            raise ApiUnreachable(f"API server unreachable ({exc.reason})") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ApiUnreachable(f"API server unreachable ({_reason(exc)})") from None

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None


class Kube(ApiTransport):
    """GET-only Kubernetes reader with the session's evidence cache."""

    def __init__(self, cfg: LaneConfig, cache: EvidenceCache):
        super().__init__(cfg)
        self._cache = cache
        self._discovery: Discovery | None = None

    def _call(self, path: str, query: list[tuple[str, str]] | None = None, accept: str = "application/json"):
        """One GET: (status, body bytes); no answer is missing evidence."""
        try:
            return self.send("GET", path, query, {"Accept": accept})
        except ApiUnreachable as exc:
            raise EvidenceError("kubernetes", path, self.server + path, str(exc)) from None

    def _get_json(self, path: str, query: list[tuple[str, str]] | None = None,
                  accept: str = "application/json") -> tuple[int, Any]:
        status, raw = self._call(path, query, accept)
        if status == 404:
            return 404, None
        body = raw.decode("utf-8", "replace")
        if status >= 300:
            raise EvidenceError("kubernetes", path, self.server + path, f"HTTP {status}: {_status_message(body)}")
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            raise EvidenceError("kubernetes", path, self.server + path, f"answer is not JSON: {body[:120]!r}") from None

    def version(self) -> dict[str, Any]:
        status, data = self._get_json("/version")
        if status != 200 or not isinstance(data, dict):
            raise EvidenceError("kubernetes", "/version", self.server + "/version", f"HTTP {status}")
        return data

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The object, or None when the API answers 404."""
        _refuse_secret_values(kind)
        path = resource_path(kind, namespace, name)
        def fetch() -> dict[str, Any] | None:
            status, data = self._get_json(path)
            return typed(kind, data) if status != 404 and data is not None else None
        return self._cache.get("kubernetes", path, fetch)

    def secret_keys(self, namespace: str, name: str) -> dict[str, Any] | None:
        """A Secret's metadata and key names, or None. Values are dropped before anything keeps them."""
        path = resource_path("Secret", namespace, name)
        def fetch() -> dict[str, Any] | None:
            status, data = self._get_json(path)
            if status == 404 or data is None:
                return None
            meta = {k: v for k, v in data.get("metadata", {}).items() if k != "managedFields"}
            meta.get("annotations", {}).pop("kubectl.kubernetes.io/last-applied-configuration", None)
            return {"metadata": meta, "type": data.get("type"),
                    "keys": sorted(set(data.get("data") or {}) | set(data.get("stringData") or {}))}
        return self._cache.get("kubernetes", path + "#keys", fetch)

    def list(self, kind: str, namespace: str | None = None, label_selector: str | None = None) -> list[dict[str, Any]]:
        _refuse_secret_values(kind)
        path = resource_path(kind, namespace)
        query = [("labelSelector", label_selector)] if label_selector else []
        def fetch() -> list[dict[str, Any]]:
            status, data = self._get_json(path, query)
            if status == 404:
                return []  # the namespace (or the resource kind) does not exist: no objects
            items = data.get("items", []) if isinstance(data, dict) else []
            return [typed(kind, item) for item in items]  # list items omit kind/apiVersion on real servers
        return self._cache.get("kubernetes", path + (f"?labelSelector={label_selector}" if label_selector else ""), fetch)

    @property
    def discovery(self) -> Discovery:
        """The server's kinds (legacy discovery), each document read once through the cache."""
        if self._discovery is None:
            self._discovery = Discovery(self._discovery_document)
        return self._discovery

    def _discovery_document(self, path: str) -> Any:
        def fetch() -> Any:
            status, data = self._get_json(path)
            return None if status == 404 else data
        return self._cache.get("kubernetes", path, fetch)

    def list_resource(self, resource: Resource, namespace: str | None) -> list[dict[str, Any]]:
        """Every object of a discovered resource; Secrets as metadata and key names only."""
        if (resource.group, resource.kind) == ("", "Secret"):
            return self.secrets_metadata(namespace)
        path = resource.path(namespace)
        def fetch() -> list[dict[str, Any]]:
            status, data = self._get_json(path)
            if status == 404:
                return []
            items = data.get("items") if isinstance(data, dict) else None
            return [_typed_as(resource, item) for item in items or [] if isinstance(item, dict)]
        return self._cache.get("kubernetes", path, fetch)

    def secrets_metadata(self, namespace: str | None) -> list[dict[str, Any]]:
        """The namespace's Secrets: metadata, type and key names; values dropped on arrival."""
        path = resource_path("Secret", namespace)
        def fetch() -> list[dict[str, Any]]:
            status, data = self._get_json(path, accept=METADATA_LIST)
            items = data.get("items") if status != 404 and isinstance(data, dict) else None
            return [_secret_metadata(item) for item in items or [] if isinstance(item, dict)]
        return self._cache.get("kubernetes", path + "#metadata", fetch)

    def proxy_get(self, namespace: str, service: str, port: int | str, path: str) -> tuple[int, str]:
        """GET through the API server's service proxy: (HTTP status, body excerpt)."""
        api_path = f"/api/v1/namespaces/{quote(namespace)}/services/{quote(service)}:{port}/proxy/{path.lstrip('/')}"
        def fetch() -> tuple[int, str]:
            status, raw = self._call(api_path, accept="*/*")
            body = raw.decode("utf-8", "replace")
            return status, (_status_message(body) if status >= 400 and body.startswith("{") else body[:300])
        return self._cache.get("kubernetes-proxy", api_path, fetch)


def typed(kind: str, obj: Any) -> dict[str, Any]:
    """The object with its kind and apiVersion set (list items and some answers leave them out)."""
    obj = obj if isinstance(obj, dict) else {}
    obj.setdefault("kind", kind)
    obj.setdefault("apiVersion", resource_table()[kind]["apiVersion"])
    return obj


def _typed_as(resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    obj.setdefault("kind", resource.kind)
    obj.setdefault("apiVersion", resource.api_version)
    return obj


def _secret_metadata(data: dict[str, Any]) -> dict[str, Any]:
    """A Secret reduced to what may be kept: metadata without the last-applied copy, type, key names."""
    meta = dict(data.get("metadata") or {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": data.get("type"),
            "keys": sorted(set(data.get("data") or {}) | set(data.get("stringData") or {}))}


def _refuse_secret_values(kind: str) -> None:
    # Secret values never enter the evidence: Secrets are read only through secret_keys().
    if kind == "Secret":
        raise ValueError("Secrets are read with Kube.secret_keys(), which keeps key names only")


def _status_message(body: Any) -> str:
    try:
        return json.loads(body).get("message", "")[:200]
    except (TypeError, ValueError, AttributeError):
        return str(body or "")[:200]


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return text.split(": ", 1)[-1][:160]
