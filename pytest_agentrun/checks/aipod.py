"""Aipod env image reuse checks: AP-*.

The workloads judged are the runtime namespace's runner Jobs and Aipod workloads, chosen by the lane
profile's `runnerWorkloads` (lane.RunnerSelectors): the objects of the runner kinds (every Job), the
Pods such an object owns, and Pods/Deployments/StatefulSets with the Aipod labels. Workloads of any
other namespace are none of this lane's business. With none to judge, AP-01 and AP-02 cannot be
decided: neither criterion's text has a case in which it does not apply, and a lane whose runtime
declares a runner Job should show one.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..model.documents import Catalog, line_of
from ..finding import Finding, failed, judge, undecided
from ..model.forbidden import members
from ..lane import RunnerSelectors
from ..model.objects import object_ref
from ..model.secrets_scan import credential_kind
from .gitops import containers
from .judges import judges

# Installing the environment at run time: package managers of the OS and of JavaScript.
INSTALLS = re.compile(
    r"\b(?:apt(?:-get)?|apk|yum|dnf|bun|npm|pnpm|yarn)\s+(?:-\S+\s+)*"
    r"(?:install|add|update|upgrade|ci|i)\b"
)
REUSE_STATUSES = ("built", "reused")
# Keys (lower-case, without `-_.`) that carry a credential or provider config: never
# in a catalog entry.
CREDENTIAL_KEYS = {
    "secretref",
    "secretrefs",
    "secretname",
    "secretkeyref",
    "stringdata",
    "token",
    "accesstoken",
    "password",
    "kubeconfig",
    "sshkey",
    "privatekey",
    "apikey",
    "credentials",
    "auth",
    "authjson",
    "configtoml",
    "provider",
    "providers",
    "providerconfig",
}


def runner_workloads(
    selectors: RunnerSelectors, runners: list[dict], pods: list[dict], controllers: list[dict]
) -> list[dict[str, Any]]:
    """Runner Jobs and Aipod workloads among the runtime namespace's objects: `runners` are the
    objects of the runner kinds, `controllers` the Deployments and StatefulSets."""

    def runner_owned(pod: dict) -> bool:
        owners = (pod.get("metadata") or {}).get("ownerReferences") or []
        return any(isinstance(o, dict) and o.get("kind") in selectors.runner_kinds for o in owners)

    return [
        *runners,
        *(p for p in pods if runner_owned(p) or selectors.is_aipod(p)),
        *(c for c in controllers if selectors.is_aipod(c)),
    ]


def nothing_to_judge(namespace: str, selectors: RunnerSelectors | None, expected: str) -> Finding:
    chosen = selectors.describe() if selectors else "the lane profile's runnerWorkloads"
    return undecided(
        f"runner Jobs and Aipod workloads in {namespace}",
        expected,
        f"nothing to judge: no runner Job or Aipod workload ({chosen})",
        f"Namespace {namespace}",
    )


def _each_container(workloads: list[dict]):
    for obj in workloads:
        for field, container in containers(obj):
            yield obj, f"{object_ref(obj)} {field}[{container.get('name')}]", container


@judges("AP-01")
def env_images_from_catalog(
    workloads: list[dict],
    catalog: Catalog,
    namespace: str,
    selectors: RunnerSelectors | None = None,
) -> list[Finding]:
    """AP-01: every runner/Aipod container runs a digest-pinned env image that
    the catalog records."""
    images = [s.get("image") for s in catalog.services()]
    pinned = sorted({i.get("repositoryDigest") for i in images if isinstance(i, dict)} - {None})
    findings = [
        judge(
            container.get("image") in pinned,
            subject,
            "a catalog repositoryDigest (" + ", ".join(pinned) + f") from {catalog.where}",
            repr(container.get("image")),
            object_ref(obj),
        )
        for obj, subject, container in _each_container(workloads)
    ]
    return findings or [nothing_to_judge(namespace, selectors, "digest-pinned catalog images")]


@judges("AP-02")
def no_runtime_install(
    workloads: list[dict], namespace: str, selectors: RunnerSelectors | None = None
) -> list[Finding]:
    """AP-02: no runner/Aipod container command or args installs its environment (apt, apk,
    bun/npm install)."""
    findings = []
    for obj, subject, container in _each_container(workloads):
        line = " ".join(
            str(a) for a in [*(container.get("command") or []), *(container.get("args") or [])]
        )
        match = INSTALLS.search(line)
        findings.append(
            judge(
                match is None,
                f"{subject} command",
                "no package installation at run time",
                f"installs with {match[0]!r} in {line!r}" if match else repr(line),
                object_ref(obj),
            )
        )
    return findings or [nothing_to_judge(namespace, selectors, "no run-time installation")]


@judges("AP-03")
def catalog_image_refs_reusable(catalog: Catalog) -> list[Finding]:
    """AP-03: every catalog imageRef entry is built or reused and carries no SecretRef, token, SSH
    key or provider config."""
    text = catalog.text or ""
    findings = []
    for entry in catalog.services():
        sid = entry.get("serviceId", "?")
        start = line_of(text, f'"serviceId": "{sid}"') or 1

        def where(needle: str, start: int = start) -> str:  # this entry's lines, not the last one's
            return f"{catalog.where}:{line_of(text, needle, start) or start}"

        status = entry.get("status")
        findings.append(
            judge(
                status in REUSE_STATUSES,
                f"catalog service {sid} status",
                " or ".join(REUSE_STATUSES),
                repr(status),
                where('"status"'),
            )
        )
        secrets = [f"{path} ({kind})" for path, kind in _credentials(entry)]
        findings.append(
            judge(
                not secrets,
                f"catalog service {sid}",
                "no SecretRef, token, SSH key or provider config",
                "; ".join(secrets) or "none",
                where('"serviceId"'),
            )
        )
    return findings or [
        failed("catalog services", "at least one imageRef entry", "none", catalog.where)
    ]


def _credentials(entry: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(json path, kind) of every credential-looking key or value of a catalog entry;
    values are never shown."""
    for path, key, value in members(entry):
        if key is not None and re.sub(r"[-_.]", "", key.lower()) in CREDENTIAL_KEYS:
            yield path, "credential or provider key"
        elif isinstance(value, str) and (kind := credential_kind(value)):
            yield path, kind
