"""Registry checks (truth level 3/4): REG-*, and the registry's tag list as TK-09 reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..model.documents import Catalog
from ..errors import EvidenceError
from ..finding import Finding, failed, judge, undecided
from ..model.objects import containers, object_ref
from ..model.images import ManifestAnswer, repository_name
from .judges import judges


@dataclass(frozen=True)
class TagListing:
    """The registry's tags of one repository (GET /v2/<name>/tags/list), or why it gave none."""

    repository: str
    tags: tuple[str, ...] | None  # None: the registry did not answer
    problem: str = ""

    @property
    def where(self) -> str:
        return f"GET /v2/{repository_name(self.repository)}/tags/list"


def read_tags(read: Callable[[str], list[str]], repository: str) -> TagListing:
    """The tag list through `read` (the registry reader's `tag_list`, every page); unreadable
    evidence is kept as the reason, so the criterion that needs it says it cannot be decided
    instead of erroring."""
    try:
        return TagListing(repository, tuple(read(repository)))
    except EvidenceError as exc:
        return TagListing(repository, None, exc.reason)


def catalog_digests(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(serviceId, repository, digest) of every catalog entry."""
    return [
        (s.get("serviceId", "?"), _image(s).get("repository", ""), _image(s).get("digest", ""))
        for s in catalog.services()
    ]


def catalog_tags(catalog: Catalog) -> list[tuple[str, str]]:
    """(repository, tag) of every catalog entry that names a tag: what REG-02 asks
    the registry about."""
    pairs = [(_image(s).get("repository"), _image(s).get("tag")) for s in catalog.services()]
    return [(r, t) for r, t in pairs if isinstance(r, str) and isinstance(t, str) and t]


def _image(service: dict[str, Any]) -> dict[str, Any]:
    image = service.get("image")
    return image if isinstance(image, dict) else {}


@judges("REG-01")
def digests_present(catalog: Catalog, answers: dict[str, ManifestAnswer]) -> list[Finding]:
    """REG-01: each catalog digest answers 200 with the same Docker-Content-Digest
    (schema2 Accept)."""
    findings = []
    for sid, repository, digest in catalog_digests(catalog):
        answer = answers.get(digest)
        subject = f"service {sid} image {repository}@{digest}"
        if answer is None:
            findings.append(failed(subject, "a registry answer", "not asked", catalog.where))
            continue
        findings.append(
            judge(
                answer.status == 200 and answer.digest == digest,
                subject,
                f"HEAD 200 with Docker-Content-Digest {digest}",
                f"HEAD {answer.status} with Docker-Content-Digest {answer.digest}",
                f"HEAD {answer.url}",
                accept=answer.accept,
                catalog=catalog.where,
            )
        )
    if not findings:
        findings.append(
            failed("catalog digests", "at least one service entry", "none", catalog.where)
        )
    return findings


@judges("REG-02")
def tag_resolves_to_schema2_digest(
    catalog: Catalog, by_tag: dict[str, tuple[ManifestAnswer, ManifestAnswer | None]]
) -> list[Finding]:
    """REG-02: the env image tag answers, with the schema2 Accept, the catalog digest. That
    one finding also decides "a schema1 compatibility digest is never the deployment
    identity": a catalog holding the schema1 digest differs from what the schema2 HEAD
    answers. The plain HEAD (no Accept) by tag is kept as evidence, so a reviewer sees which
    digest a schema1 client would get.
    by_tag: tag -> (schema2 answer, plain answer or None)."""
    findings = []
    for service in catalog.services():
        image = _image(service)
        tag, digest = image.get("tag"), image.get("digest")
        schema2, plain = by_tag.get(tag, (None, None))
        subject = f"service {service.get('serviceId')} tag {tag}"
        if schema2 is None:
            findings.append(failed(subject, "a registry answer", "not asked", catalog.where))
            continue
        schema1 = (
            plain.digest
            if plain and plain.status == 200 and plain.digest != schema2.digest
            else None
        )
        found = f"HEAD {schema2.status} {schema2.digest}"
        if schema1 is not None and digest == schema1:
            found += f"; the catalog holds the schema1 compatibility digest {schema1} (plain HEAD)"
        plain_head = (
            {"url": plain.url, "status": plain.status, "digest": plain.digest} if plain else None
        )
        findings.append(
            judge(
                schema2.status == 200 and schema2.digest == digest,
                f"{subject} (schema2 Accept)",
                f"HEAD 200 with the catalog digest {digest}",
                found,
                f"HEAD {schema2.url}",
                plainHead=plain_head,
            )
        )
    return findings or [failed("catalog services", "at least one", "none", catalog.where)]


# -- REG-03 ----------------------------------------------------------------------------------------


def image_digest(image_id: str, repository: str) -> str | None:
    """The digest of a container status imageID when it names `repository`, else None. imageID comes
    as `repo@sha256:…` (containerd: upstream/kubernetes/pod-containerd-imageid.yaml),
    `docker-pullable://repo@sha256:…` (dockershim: pod-crashloop.yaml) or "" while pulling
    (pod-imagepullbackoff.yaml); the registry host may be spelt differently, so names compare
    without it."""
    reference = image_id.split("://", 1)[-1]
    name, _, digest = reference.rpartition("@")
    if not name or not digest.startswith("sha256:"):
        return None
    return digest if repository_name(name) == repository_name(repository) else None


def _env_container(spec_image: str, repository: str) -> bool:
    name = spec_image.partition("@")[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: -(len(last) - last.index(":"))]
    return repository_name(name) == repository_name(repository)


def runtime_env_images(
    pods: list[dict[str, Any]], repository: str
) -> tuple[dict[str, str], list[str]]:
    """What the runtime runs of the env repository: digest -> where (from containerStatuses
    imageID), and the env containers (by their spec image) that have no imageID to read yet."""
    used: dict[str, str] = {}
    unread: list[str] = []
    for pod in pods:
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            # Being deleted: its containers are stopping, a release's old Pod leaving the runtime.
            continue
        status = pod.get("status") if isinstance(pod.get("status"), dict) else {}
        statuses = {
            s.get("name"): s
            for s in [
                *(status.get("initContainerStatuses") or []),
                *(status.get("containerStatuses") or []),
            ]
            if isinstance(s, dict)
        }
        for _, container in containers(pod):
            name = container.get("name")
            image_id = str((statuses.get(name) or {}).get("imageID") or "")
            digest = image_digest(image_id, repository)
            if digest:
                used.setdefault(digest, f"{object_ref(pod)} container {name}")
            elif _env_container(str(container.get("image", "")), repository):
                unread.append(f"{object_ref(pod)} container {name}")
    return used, unread


@judges("REG-03")
def runtime_images_in_catalog(
    catalog: Catalog, pods: list[dict[str, Any]], repository: str, registry_tags: TagListing
) -> list[Finding]:
    """REG-03: every env image the runtime runs (live Pods' imageID) is in the catalog; an env
    container with no imageID yet cannot be decided (never judged from the GitOps manifests
    instead); registry tags the catalog does not know are reported (evidence), never used to pass. A
    registry that does not answer leaves that report undone: its own finding cannot be decided, the
    Pods are still judged."""
    known = {_image(s).get("digest") for s in catalog.services()}
    known_tags = {_image(s).get("tag") for s in catalog.services()}
    reported = sorted(set(registry_tags.tags or ()) - known_tags)
    used, unread = runtime_env_images(pods, repository)
    findings = [
        judge(
            digest in known,
            f"runtime image {digest}",
            f"a catalog digest ({catalog.where})",
            "in the catalog"
            if digest in known
            else "not in the catalog (only the registry knows it)",
            where,
            registryTagsNotInCatalog=reported,
        )
        for digest, where in sorted(used.items())
    ]
    findings += [
        undecided(
            f"{where} (image {repository})",
            "the image it runs (status imageID)",
            "the Pod reports no imageID for it (no containerStatuses yet)",
            where,
        )
        for where in unread
    ]
    if not findings:
        findings.append(
            undecided(
                "runtime images",
                f"at least one running {repository} image",
                "nothing to judge: no Pod runs an env image",
                "runtime namespace",
            )
        )
    if registry_tags.tags is None:
        findings.append(
            undecided(
                f"registry tags of {repository}",
                "read, to report those the catalog lacks",
                registry_tags.problem,
                registry_tags.where,
            )
        )
    return findings
