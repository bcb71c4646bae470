"""Truth level 3/4: the artifact catalog and the registry (criteria.md section 4)."""

import pytest

from pytest_agentrun import catalog_checks, registry_checks


@pytest.mark.criterion("CT-01")
def test_catalog_is_json_conforming_to_the_published_schema(catalog, verdict):
    """CT-01: the catalog is valid JSON and conforms to the catalog schema published
    with the project."""
    verdict(catalog_checks.conforms_to_schema(catalog))


@pytest.mark.criterion("CT-02")
def test_catalog_records_lane_branches_commit_and_provenance(lane, catalog, verdict):
    """CT-02: the catalog records the lane, branches, full source commit and, per service, every
    field incl. PipelineRun/TaskRun provenance."""
    verdict(catalog_checks.records_lane_and_provenance(lane.profile, catalog))


@pytest.mark.criterion("CT-03")
def test_catalog_image_refs_are_env_image_dockerfile_sources(catalog, verdict):
    """CT-03: imageRef.kind is env-image-dockerfile with repoUrl, a full 40-hex commitId and a
    repo-relative dockerfilePath."""
    verdict(catalog_checks.image_refs_well_formed(catalog))


@pytest.mark.criterion("CT-04")
def test_env_image_tag_is_the_env_identity_in_the_lane_repository(
    lane, gitops, catalog, source, verdict
):
    """CT-04: the env image tag is the envIdentity (never a source commit) in repository
    127.0.0.1:5000/agentrun/agentrun-mgr-env."""
    branch = lane.profile.source_branch
    read = [
        r for r in (source, gitops.remote) if r.fetch_branch(branch)
    ]  # GitHub's source branch and the mirror's
    history = [c.sha for r in read for c in r.history(branch)] if read else None
    earlier = gitops.earlier_catalogs()
    verdict(
        catalog_checks.tag_is_env_identity(
            profile=lane.profile,
            catalog=catalog,
            source_history=history,
            earlier=earlier,
        )
    )


@pytest.mark.criterion("CT-05")
def test_catalog_digests_are_well_formed(catalog, verdict):
    """CT-05: digests are sha256:<64 hex> and each repository digest is repository@digest."""
    verdict(catalog_checks.digests_well_formed(catalog))


@pytest.mark.criterion("CT-06")
def test_reused_entries_carry_the_previous_catalog_digest(gitops, catalog, verdict):
    """CT-06: one envIdentity maps to one digest, and a reused entry carries the digest the previous
    catalog recorded."""
    verdict(catalog_checks.reuse_is_consistent(catalog, gitops.previous_catalog()))


@pytest.mark.criterion("CT-07")
def test_catalog_holds_no_secret(catalog, verdict):
    """CT-07: the catalog holds no SecretRef value, token, SSH key, kubeconfig
    or provider config."""
    verdict(catalog_checks.holds_no_secret(catalog))


@pytest.mark.criterion("CT-08")
def test_first_catalog_version_was_created_by_the_lane_itself(lane, gitops, source, verdict):
    """CT-08: the commit that first added the catalog shares no history with master, agentrun_dev,
    agentrun_prod or the source branch."""
    first = gitops.first_catalog_commit()
    branches = {}
    for remote in (
        source,
        gitops.remote,
    ):  # the source repository, and the mirror that serves the GitOps branch
        for branch in catalog_checks.carried_over_from(lane.profile):
            present = remote.fetch_branch(branch) is not None
            branches[f"{branch} ({remote.name} {remote.shown_url})"] = (
                remote.ancestry(branch) if present else None
            )
    history = gitops.remote.ancestry(first.sha) if first else []
    verdict(
        catalog_checks.first_version_is_the_lanes_own(
            first=first,
            first_history=history,
            branches=branches,
            catalog_where=gitops.catalog.where,
        )
    )


@pytest.mark.criterion("REG-01")
def test_every_catalog_digest_exists_in_the_registry(catalog, registry, verdict):
    """REG-01: each catalog digest answers HEAD 200 (schema2 Accept) with the same
    Docker-Content-Digest."""
    answers = {
        digest: registry.head_manifest(repository, digest)
        for _, repository, digest in registry_checks.catalog_digests(catalog)
    }
    verdict(registry_checks.digests_present(catalog, answers))


@pytest.mark.criterion("REG-02")
def test_env_image_tag_resolves_to_the_catalog_schema2_digest(catalog, registry, verdict):
    """REG-02: the envIdentity tag resolves (schema2 Accept) to the catalog digest; a schema1
    compatibility digest is never the identity."""
    answers = {
        tag: (
            registry.head_manifest(repository, tag),
            registry.head_manifest(repository, tag, accept=None),
        )
        for repository, tag in registry_checks.catalog_tags(catalog)
    }
    verdict(registry_checks.tag_resolves_to_schema2_digest(catalog, answers))


@pytest.mark.criterion("REG-03")
def test_every_runtime_env_image_is_in_the_catalog(lane, cluster, catalog, registry, verdict):
    """REG-03: every env image the live Pods run (imageID) is in the catalog; registry-only tags are
    reported, never used to pass."""
    repository = lane.profile.env_repository
    tags = registry_checks.read_tags(registry.tag_list, repository)
    verdict(
        registry_checks.runtime_images_in_catalog(
            catalog=catalog,
            pods=cluster.pods(),
            repository=repository,
            registry_tags=tags,
        )
    )
