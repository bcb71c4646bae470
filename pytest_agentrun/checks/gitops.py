"""GitOps branch checks (truth level 3): GO-*."""

from __future__ import annotations

from typing import Any

from ..model.documents import Catalog, ManifestSet, parse_manifests
from ..finding import Finding, failed, judge
from ..lane import LaneProfile
from ..model.commits import is_full_sha
from ..model.images import PINNED
from ..model.objects import POD_KINDS, ROLLOUT_KINDS, containers, pod_spec
from ..model.secrets_scan import credential_kind, secret_key
from .judges import judges


@judges("GO-01")
def branch_holds_lane_files(
    profile: LaneProfile,
    head: str | None,
    catalog_exists: bool,
    runtime_files: list[str],
    where: str,
    parse_errors: list[str] = (),
) -> list[Finding]:
    """GO-01: the GitOps branch exists with the catalog and a non-empty runtime path whose files
    all parse (every YAML document and .json file: Argo CD would refuse the rest)."""
    branch = profile.gitops_branch
    if head is None:
        return [failed(f"branch {branch}", "exists", "branch not found", where)]
    return [
        judge(
            catalog_exists,
            f"{branch}:{profile.catalog_path}",
            "file present",
            "present" if catalog_exists else "missing",
            f"{branch}@{head[:12]}:{profile.catalog_path}",
        ),
        judge(
            bool(runtime_files),
            f"{branch}:{profile.runtime_path}/",
            "at least one file",
            f"{len(runtime_files)} files",
            f"{branch}@{head[:12]}:{profile.runtime_path}",
            files=runtime_files,
        ),
        *unparsed_files(parse_errors),
    ]


def unparsed_files(parse_errors: list[str]) -> list[Finding]:
    """One failed finding per runtime file part that does not parse (`ref:path:line: reason`)."""
    findings = []
    for error in parse_errors:
        where, _, reason = error.partition(": ")
        findings.append(
            failed(
                f"runtime file {where.rsplit(':', 2)[-2]}",
                "parses as Kubernetes objects (YAML documents or JSON)",
                reason,
                where,
            )
        )
    return findings


def service_id(obj: dict[str, Any], service_label: str) -> str:
    labels = obj.get("metadata", {}).get("labels", {}) or {}
    return labels.get(service_label) or obj.get("metadata", {}).get("name", "?")


@judges("GO-02")
def images_pinned_to_catalog(
    manifests: ManifestSet, catalog: Catalog, *, service_label: str
) -> list[Finding]:
    """GO-02: every image is pinned by digest, and the digest is the catalog's
    digest for its service."""
    findings: list[Finding] = []
    for manifest in manifests.of_kind(*POD_KINDS):
        sid = service_id(manifest.obj, service_label)
        entry = catalog.service(sid)
        for field, container in containers(manifest.obj):
            image = str(container.get("image", ""))
            where = manifests.where(manifest, f"image: {image}" if image else None)
            subject = f"{manifest.kind} {manifest.name} {field}[{container.get('name')}]"
            match = PINNED.fullmatch(image)
            if not match:
                findings.append(
                    failed(
                        subject,
                        "image pinned by digest (@sha256:<64 hex>)",
                        repr(image),
                        where,
                    )
                )
            elif entry is None:
                findings.append(
                    failed(
                        subject,
                        f"a catalog entry for service {sid!r}",
                        "no such service in the catalog",
                        where,
                        catalog=catalog.where,
                    )
                )
            else:
                recorded = entry.get(
                    "image"
                )  # CT-02 judges its shape; here a non-object records no digest
                want = recorded.get("digest") if isinstance(recorded, dict) else None
                findings.append(
                    judge(
                        match["digest"] == want,
                        subject,
                        f"catalog digest {want} ({catalog.where})",
                        match["digest"],
                        where,
                    )
                )
    if not findings:
        findings.append(
            failed(
                "runtime manifests",
                "at least one workload with containers",
                "none",
                "runtime path",
                parseErrors=manifests.errors,
            )
        )
    return findings


CLUSTER_SCOPED = (
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
)


@judges("GO-03")
def objects_in_lane_namespace(manifests: ManifestSet, namespace: str) -> list[Finding]:
    """GO-03: every namespaced object is in the runtime namespace. An object without a namespace is
    placed by Argo CD in the Application's destination namespace (checked by
    AR-02), so it passes."""
    findings = []
    for m in manifests.manifests:
        if m.kind in CLUSTER_SCOPED:
            ok = m.kind != "Namespace" or m.name == namespace
            findings.append(
                judge(
                    ok,
                    f"{m.kind} {m.name}",
                    f"no cluster-scoped object outside {namespace}",
                    f"cluster-scoped {m.kind} {m.name}",
                    manifests.where(m),
                )
            )
            continue
        given = (m.obj.get("metadata") or {}).get("namespace")
        findings.append(
            judge(
                given in (None, namespace),
                f"{m.kind} {m.name}",
                f"namespace {namespace}",
                repr(given) if given else "none (Argo CD's destination namespace)",
                manifests.where(m, f"namespace: {given}" if given else None),
            )
        )
    return findings or [
        failed(
            "runtime manifests",
            "at least one object",
            "none",
            "runtime path",
            parseErrors=manifests.errors,
        )
    ]


@judges("GO-04")
def no_secret_values(files: dict[str, str], where_prefix: str) -> list[Finding]:
    """GO-04: no Secret with data/stringData and no credential-looking value in any file of the
    branch. Findings name the line and the kind of credential, never the value."""
    findings = []
    for path, text in sorted(files.items()):
        hits = [
            f"line {n}: {kind}"
            for n, line in enumerate(text.splitlines(), 1)
            if (kind := credential_kind(line))
        ]
        # Only a text naming a Secret can hold one: the others need no YAML parse.
        parsed = parse_manifests({path: text}, where_prefix).manifests if "Secret" in text else []
        secrets = [
            m
            for m in parsed
            if m.kind == "Secret" and (m.obj.get("data") or m.obj.get("stringData"))
        ]
        hits += [
            (
                f"line {m.line}: Secret {m.name} with "
                f"{'stringData' if m.obj.get('stringData') else 'data'}"
            )
            for m in secrets
        ]
        findings.append(
            judge(
                not hits,
                path,
                "no Secret value, token, key, kubeconfig or password",
                "; ".join(hits) if hits else "none",
                f"{where_prefix}{path}",
            )
        )
    return findings or [failed("GitOps branch files", "at least one file", "none", where_prefix)]


def _mounts(container: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    mounts: dict[str, list[dict[str, Any]]] = {}
    for mount in container.get("volumeMounts", []) or []:
        mounts.setdefault(mount.get("name"), []).append(mount)
    return mounts


def provider_secrets_of(volume: dict[str, Any], provider_names: set[str]) -> list[str]:
    """The provider Secrets a volume projects: a `secret` volume, or `projected` secret sources."""
    names = [(volume.get("secret") or {}).get("secretName")]
    sources = (volume.get("projected") or {}).get("sources") or []
    names += [
        (source.get("secret") or {}).get("name") for source in sources if isinstance(source, dict)
    ]
    return [n for n in names if n in provider_names]


@judges("GO-05")
def credentials_as_secret_refs(manifests: ManifestSet, providers: dict[str, str]) -> list[Finding]:
    """GO-05: provider credentials only as SecretRef + read-only projection (a `secret` or a
    `projected` volume), never inline in env; the runner Job mounts a writable runtime home for
    CODEX_HOME; DATABASE_URL comes from a SecretRef. Each requirement nothing in the manifests
    answers is a finding."""
    findings: list[Finding] = []
    provider_names = set(providers.values())
    workloads = manifests.of_kind(*POD_KINDS)
    for m in workloads:
        findings += _workload_credentials(manifests, m, provider_names)
    names = ", ".join(f"{m.kind} {m.name}" for m in workloads) or "none"
    examined = f"{len(workloads)} workload manifest(s): {names}"
    subjects = [f.subject for f in findings]
    if not any(" mount of " in s for s in subjects):
        findings.append(
            failed(
                "provider credentials",
                "the provider SecretRefs ("
                + ", ".join(sorted(provider_names))
                + ") projected read-only",
                f"no workload mounts any of them ({examined})",
                "runtime path",
            )
        )
    if not any(s.endswith(" env DATABASE_URL") for s in subjects):
        findings.append(
            failed(
                "DATABASE_URL",
                "DATABASE_URL from a SecretRef",
                f"no container sets DATABASE_URL ({examined})",
                "runtime path",
            )
        )
    if not any(m.kind == "Job" for m in workloads):
        findings.append(
            failed(
                "runner Job",
                "a runner Job manifest with a writable runtime home for CODEX_HOME",
                f"no Job among the {examined}",
                "runtime path",
            )
        )
    return findings


def _workload_credentials(manifests: ManifestSet, m, provider_names: set[str]) -> list[Finding]:
    findings = []
    volumes = {
        v.get("name"): v for v in pod_spec(m.obj).get("volumes", []) or [] if isinstance(v, dict)
    }
    for field, container in containers(m.obj):
        subject = f"{m.kind} {m.name} {field}[{container.get('name')}]"
        mounts = _mounts(container)
        for name, volume in volumes.items():
            for secret in provider_secrets_of(volume, provider_names):
                kind = "projected " if "projected" in volume else ""
                for mount in mounts.get(name, []):
                    findings.append(
                        judge(
                            mount.get("readOnly") is True,
                            f"{subject} mount of {kind}{secret}",
                            "readOnly: true",
                            f"readOnly: {mount.get('readOnly')}",
                            manifests.where(m, f"mountPath: {mount.get('mountPath')}"),
                        )
                    )
        for env in container.get("env", []) or []:
            findings += _env_credential(manifests, m, subject, env)
        if m.kind == "Job":
            findings.append(
                _codex_home(subject, container, volumes, manifests.where(m, "CODEX_HOME"))
            )
    return findings


def _env_credential(manifests: ManifestSet, m, subject: str, env: dict[str, Any]) -> list[Finding]:
    name = str(env.get("name"))
    if name == "DATABASE_URL":
        from_ref = bool((env.get("valueFrom") or {}).get("secretKeyRef")) and "value" not in env
        return [
            judge(
                from_ref,
                f"{subject} env DATABASE_URL",
                "valueFrom.secretKeyRef",
                "a SecretRef" if from_ref else "an inline value",
                manifests.where(m, "DATABASE_URL"),
            )
        ]
    value = env.get("value")
    if value is None or name == "CODEX_HOME":
        return []
    kind = "a secret-named key" if secret_key(name) else credential_kind(f"{name}={value}")
    if not kind:
        return []
    # the value itself is never repeated: only its name and what it looks like
    return [
        failed(
            f"{subject} env {name}",
            "provider credentials only through a SecretRef",
            f"an inline value ({kind})",
            manifests.where(m, name),
        )
    ]


def _codex_home(
    subject: str, container: dict[str, Any], volumes: dict[str, dict], where: str
) -> Finding:
    home = next(
        (e.get("value") for e in container.get("env", []) or [] if e.get("name") == "CODEX_HOME"),
        None,
    )
    mount = next(
        (
            mt
            for mt in container.get("volumeMounts", []) or []
            if home and mt.get("mountPath") == home
        ),
        None,
    )
    volume = volumes.get(mount.get("name")) if mount else None
    writable = (
        bool(mount) and not mount.get("readOnly") and volume is not None and "secret" not in volume
    )
    found = (
        "no CODEX_HOME env"
        if not home
        else f"CODEX_HOME={home} "
        + (
            "not mounted"
            if not mount
            else "mounted read-only or from a Secret"
            if not writable
            else "on a writable volume"
        )
    )
    return judge(
        writable,
        f"{subject} runtime home",
        "CODEX_HOME on a writable mounted volume",
        found,
        where,
    )


def image_repository(image: str) -> str:
    """The repository of an image reference: without @digest and without :tag."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":", 1)[0]


def env_image_repositories(catalog: Catalog) -> set[str]:
    """The env image repositories the catalog records (image.repository, or from
    repositoryDigest)."""
    repos = set()
    for entry in catalog.services() if catalog.usable else []:
        image = entry.get("image") if isinstance(entry.get("image"), dict) else {}
        repos |= {
            r
            for r in (
                image.get("repository"),
                image_repository(str(image.get("repositoryDigest") or "")),
            )
            if r
        }
    return repos


@judges("GO-06")
def boot_commit_env(
    manifests: ManifestSet, catalog: Catalog, env_repository: str, *, service_label: str
) -> list[Finding]:
    """GO-06: the containers that run the env image (the lane's env repository, or one the catalog
    records) get AGENTRUN_BOOT_COMMIT = the catalog's bootCommit, a full 40-hex SHA. A
    helper container of another image (a digest-pinned init container that is not
    AgentRun) boots nothing."""
    repos = env_image_repositories(catalog) | {env_repository}
    judged = [
        (m, field, c) for m in manifests.of_kind(*POD_KINDS) for field, c in containers(m.obj)
    ]
    helpers = [
        f"{m.kind} {m.name} {field}[{c.get('name')}] ({c.get('image')})"
        for m, field, c in judged
        if image_repository(str(c.get("image", ""))) not in repos
    ]
    findings = []
    for m, field, container in judged:
        if image_repository(str(container.get("image", ""))) not in repos:
            continue
        want = (catalog.service(service_id(m.obj, service_label)) or {}).get("bootCommit")
        value = next(
            (
                e.get("value")
                for e in container.get("env", []) or []
                if e.get("name") == "AGENTRUN_BOOT_COMMIT"
            ),
            None,
        )
        ok = value is not None and value == want and is_full_sha(str(value))
        findings.append(
            judge(
                ok,
                f"{m.kind} {m.name} {field}[{container.get('name')}] AGENTRUN_BOOT_COMMIT",
                f"catalog bootCommit {want} (full 40-hex)",
                repr(value),
                manifests.where(m, "AGENTRUN_BOOT_COMMIT"),
                notEnvImage=helpers,
            )
        )
    return findings or [
        failed(
            "runtime workloads",
            "at least one container running the env image "
            f"({', '.join(sorted(repos)) or 'the catalog names none'})",
            "none" + (f"; other images: {', '.join(helpers)}" if helpers else ""),
            "runtime path",
        )
    ]


def _service_view(container: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    env = container.get("env", []) or []
    volumes = pod_spec(obj).get("volumes", []) or []
    return {
        "replicas": obj.get("spec", {}).get("replicas")
        if obj.get("kind") in ROLLOUT_KINDS
        else None,
        "ports": sorted(p.get("containerPort") for p in container.get("ports", []) or []),
        "health": ((container.get("readinessProbe") or {}).get("httpGet") or {}).get("path"),
        "env": sorted({e.get("name") for e in env}),
        "secretRefs": sorted(
            {
                (e.get("valueFrom") or {}).get("secretKeyRef", {}).get("name")
                for e in env
                if (e.get("valueFrom") or {}).get("secretKeyRef")
            }
            | {(v.get("secret") or {}).get("secretName") for v in volumes if v.get("secret")}
        ),
    }


@judges("GO-07")
def agrees_with_deploy_intent(
    manifests: ManifestSet, intent_services: list[dict[str, Any]], intent_where: str
) -> list[Finding]:
    """GO-07: the manifests agree with deploy.json at the catalog's source commit: services,
    replicas, ports, health paths, env keys and SecretRef names."""
    findings = []
    workloads = {m.name: m for m in manifests.of_kind(*POD_KINDS)}
    for service in intent_services:
        name = service["id"]
        m = workloads.pop(name, None)
        if m is None:
            findings.append(
                failed(
                    f"service {name}",
                    f"a {service.get('workload')} manifest",
                    "missing",
                    "runtime path",
                    declaredIn=intent_where,
                )
            )
            continue
        found = _service_view(containers(m.obj)[-1][1] if containers(m.obj) else {}, m.obj)
        expected = {
            "replicas": service.get("replicas", 1)
            if service.get("workload") in ROLLOUT_KINDS
            else None,
            "ports": sorted(p["port"] for p in service.get("ports", [])),
            "health": (service.get("health") or {}).get("path"),
            "env": sorted(
                set(service.get("env", {}))
                | {s["name"] for s in service.get("secretEnv", []) if s.get("name")}
            ),
            "secretRefs": sorted(
                {s["secretRef"] for s in service.get("secretEnv", [])}
                | {p["secretRef"] for p in service.get("providers", [])}
            ),
        }
        for key, want in expected.items():
            got = found[key]
            ok = set(want) <= set(got) if key == "env" else got == want
            findings.append(
                judge(
                    ok,
                    f"{m.kind} {name} {key}",
                    f"{want!r} (deploy.json {intent_where})",
                    repr(got),
                    manifests.where(m, "replicas:" if key == "replicas" else None),
                )
            )
    for name, m in workloads.items():
        findings.append(
            failed(
                f"{m.kind} {name}",
                "a service deploy.json declares",
                "not in deploy.json",
                manifests.where(m),
            )
        )
    findings += unparsed_files(manifests.errors)  # what does not parse cannot agree with anything
    return findings or [
        failed("deploy.json services", "at least one enabled service", "none", intent_where)
    ]


@judges("GO-08")
def no_fixed_entries(manifests: ManifestSet) -> list[Finding]:
    """GO-08: no NodePort/LoadBalancer, hostPort, hostNetwork, fixed IP or port-forward entry."""
    findings = []
    for m in manifests.manifests:
        problems = []
        spec = m.obj.get("spec") or {}
        if m.kind == "Service":
            if spec.get("type") in ("NodePort", "LoadBalancer"):
                problems.append(f"type {spec['type']}")
            if (
                spec.get("externalIPs")
                or spec.get("loadBalancerIP")
                or spec.get("clusterIP") not in (None, "", "None")
            ):
                problems.append("a fixed IP (clusterIP/externalIPs/loadBalancerIP)")
            problems += [
                f"nodePort {p['nodePort']}"
                for p in spec.get("ports", []) or []
                if p.get("nodePort")
            ]
        if m.kind in POD_KINDS:
            pod = pod_spec(m.obj)
            if pod.get("hostNetwork"):
                problems.append("hostNetwork: true")
            for _, container in containers(m.obj):
                problems += [
                    f"hostPort {p['hostPort']}"
                    for p in container.get("ports", []) or []
                    if p.get("hostPort")
                ]
                command = " ".join(
                    map(str, (container.get("command") or []) + (container.get("args") or []))
                )
                if "port-forward" in command:
                    problems.append("a port-forward command")
        annotations = (m.obj.get("metadata") or {}).get("annotations") or {}
        problems += [f"fixed pod IP annotation {k}" for k in annotations if "ipaddr" in k.lower()]
        findings.append(
            judge(
                not problems,
                f"{m.kind} {m.name}",
                "no NodePort, hostPort, fixed IP or port-forward",
                "; ".join(problems) if problems else "none",
                manifests.where(m),
            )
        )
    return findings or [failed("runtime manifests", "at least one object", "none", "runtime path")]


@judges("GO-09")
def commits_touch_only_lane_paths(
    history: list, profile: LaneProfile, branch_where: str
) -> list[Finding]:
    """GO-09: every commit on the GitOps branch changes only the catalog, the runtime path and
    generated metadata."""
    allowed = {profile.catalog_path, *profile.gitops_generated_metadata}
    prefix = profile.runtime_path.rstrip("/") + "/"
    findings = []
    for commit in history:
        stray = [f for f in commit.files if f not in allowed and not f.startswith(prefix)]
        findings.append(
            judge(
                not stray,
                f"commit {commit.sha[:12]} {commit.subject[:60]!r}",
                f"only {profile.catalog_path}, {prefix}** and generated metadata",
                f"also {', '.join(stray[:8])}" if stray else "only lane paths",
                f"{branch_where}@{commit.sha[:12]}",
            )
        )
    return findings or [failed("GitOps history", "at least one commit", "none", branch_where)]
