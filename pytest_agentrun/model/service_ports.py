"""Which port of a Service reaches a container port, as kube-proxy and the API server's service
proxy resolve it (Kubernetes docs, "Service" > "Port definitions"): a Service port's targetPort is
a number, the name of a container port of the selected Pods, or absent (then equal to its port).

deploy.json names the container port a service's health path listens on; the service proxy
(`/services/<name>:<port>/proxy`) takes only a port of the Service, by name or number.
"""

from __future__ import annotations

from typing import Any


def container_ports(workload: dict[str, Any] | None) -> dict[str, int]:
    """Named container ports of a workload's pod template: name -> containerPort."""
    template = ((workload or {}).get("spec") or {}).get("template") or {}
    containers = (template.get("spec") or {}).get("containers") or []
    return {
        p["name"]: p.get("containerPort")
        for c in containers
        if isinstance(c, dict)
        for p in c.get("ports") or []
        if isinstance(p, dict) and p.get("name")
    }


def service_port_for(
    service: dict[str, Any] | None, workload: dict[str, Any] | None, container_port: int | str
) -> int | str | None:
    """The Service port whose traffic reaches `container_port`, else a Service port equal to it
    (a deploy.json that names the Service port itself); None when no port of the Service does."""
    ports = [
        p for p in ((service or {}).get("spec") or {}).get("ports") or [] if isinstance(p, dict)
    ]
    named = container_ports(workload)
    for port in ports:
        target = port.get("targetPort", port.get("port"))
        if target == container_port or (
            isinstance(target, str) and named.get(target) == container_port
        ):
            return port.get("port")
    return next((p.get("port") for p in ports if p.get("port") == container_port), None)
