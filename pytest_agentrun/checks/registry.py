"""Registry checks (truth level 3/4): REG-*."""

from __future__ import annotations

from ..documents import Catalog
from ..finding import Finding, failed, judge
from ..readers.registry import ManifestAnswer


def catalog_digests(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(serviceId, repository, digest) of every catalog entry."""
    return [(s.get("serviceId", "?"), s.get("image", {}).get("repository", ""), s.get("image", {}).get("digest", ""))
            for s in catalog.services()]


def digests_present(catalog: Catalog, answers: dict[str, ManifestAnswer]) -> list[Finding]:
    """REG-01: each catalog digest answers 200 with the same Docker-Content-Digest (schema2 Accept)."""
    findings = []
    for sid, repository, digest in catalog_digests(catalog):
        answer = answers.get(digest)
        subject = f"service {sid} image {repository}@{digest}"
        if answer is None:
            findings.append(failed("REG-01", subject, "a registry answer", "not asked", catalog.where))
            continue
        findings.append(judge("REG-01", answer.status == 200 and answer.digest == digest, subject,
                              f"HEAD 200 with Docker-Content-Digest {digest}",
                              f"HEAD {answer.status} with Docker-Content-Digest {answer.digest}", f"HEAD {answer.url}",
                              accept=answer.accept, catalog=catalog.where))
    if not findings:
        findings.append(failed("REG-01", "catalog digests", "at least one service entry", "none", catalog.where))
    return findings


def tag_resolves_to_schema2_digest(catalog: Catalog, by_tag: dict[str, tuple[ManifestAnswer, ManifestAnswer]]) -> list[Finding]:
    """REG-02: the env image tag answers, with the schema2 Accept, the catalog digest; the schema1
    compatibility digest (a plain HEAD by tag) is never the deployment identity.
    by_tag: tag -> (schema2 answer, plain answer)."""
    findings = []
    for service in catalog.services():
        image = service.get("image") or {}
        tag, digest = image.get("tag"), image.get("digest")
        schema2, plain = by_tag.get(tag, (None, None))
        subject = f"service {service.get('serviceId')} tag {tag}"
        if schema2 is None:
            findings.append(failed("REG-02", subject, "a registry answer", "not asked", catalog.where))
            continue
        findings.append(judge("REG-02", schema2.status == 200 and schema2.digest == digest, f"{subject} (schema2 Accept)",
                              f"HEAD 200 with the catalog digest {digest}", f"HEAD {schema2.status} {schema2.digest}",
                              f"HEAD {schema2.url}"))
        schema1 = plain.digest if plain and plain.status == 200 and plain.digest != schema2.digest else None
        findings.append(judge("REG-02", digest != schema1, f"{subject} (plain HEAD)",
                              "the catalog digest is not the schema1 compatibility digest",
                              f"schema1 digest {schema1}" + (" = the catalog digest" if digest == schema1 else ""),
                              f"HEAD {plain.url if plain else '?'} (no Accept)"))
    return findings or [failed("REG-02", "catalog services", "at least one", "none", catalog.where)]


def runtime_images_in_catalog(catalog: Catalog, runtime_digests: dict[str, str], registry_tags: list[str]) -> list[Finding]:
    """REG-03: every env image the runtime uses is in the catalog; registry tags the catalog does not
    know are reported (evidence), never used to pass. runtime_digests: digest -> where it is used."""
    known = {(s.get("image") or {}).get("digest") for s in catalog.services()}
    known_tags = {(s.get("image") or {}).get("tag") for s in catalog.services()}
    unknown_tags = sorted(set(registry_tags) - known_tags)
    findings = [judge("REG-03", digest in known, f"runtime image {digest}", f"a catalog digest ({catalog.where})",
                      "in the catalog" if digest in known else "not in the catalog (only the registry knows it)", where,
                      registryTagsNotInCatalog=unknown_tags)
                for digest, where in sorted(runtime_digests.items())]
    return findings or [failed("REG-03", "runtime images", "at least one running env image", "none", "runtime namespace")]
