"""Artifact catalog checks (truth level 3/4): CT-*."""

from __future__ import annotations

from ..documents import Catalog, schema_errors
from ..finding import Finding, failed, passed

SCHEMA = "artifact-catalog"


def conforms_to_schema(catalog: Catalog) -> list[Finding]:
    """CT-01: the catalog is valid JSON and conforms to the published catalog schema."""
    subject = "artifact catalog"
    if catalog.text is None:
        return [failed("CT-01", subject, "file present", "missing", catalog.where)]
    if catalog.error:
        return [failed("CT-01", subject, "valid JSON", catalog.error, catalog.where)]
    errors = schema_errors(SCHEMA, catalog.data)
    if errors:
        return [failed("CT-01", subject, f"conforms to schemas/{SCHEMA}.schema.json", error, catalog.where)
                for error in errors]
    return [passed("CT-01", subject, f"conforms to schemas/{SCHEMA}.schema.json", "valid", catalog.where)]
