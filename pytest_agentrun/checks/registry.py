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
