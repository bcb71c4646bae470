"""Truth level 3/4: the artifact catalog and the registry (criteria.md section 4)."""

import pytest

from pytest_agentrun.checks import catalog as catalog_checks
from pytest_agentrun.checks import registry as registry_checks


@pytest.mark.criterion("CT-01")
def test_catalog_is_json_conforming_to_the_published_schema(catalog, verdict):
    """CT-01: the catalog is valid JSON and conforms to the catalog schema published with the project."""
    verdict(catalog_checks.conforms_to_schema(catalog))


@pytest.mark.criterion("REG-01")
def test_every_catalog_digest_exists_in_the_registry(catalog, registry, verdict):
    """REG-01: each catalog digest answers HEAD 200 (schema2 Accept) with the same Docker-Content-Digest."""
    answers = {digest: registry.head_manifest(repository, digest)
               for _, repository, digest in registry_checks.catalog_digests(catalog)}
    verdict(registry_checks.digests_present(catalog, answers))
