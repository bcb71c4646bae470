"""Truth level 3: the GitOps branch (criteria.md section 3)."""

import pytest

from pytest_agentrun import gitops_checks


@pytest.mark.criterion("GO-01")
def test_gitops_branch_holds_the_catalog_and_runtime_manifests(lane, gitops, verdict):
    """GO-01: the GitOps branch exists and holds the artifact catalog and a
    non-empty runtime path."""
    head = gitops.head()
    where = f"ls-remote {lane.mirror_remote.shown_url}"
    if head is None:
        verdict(
            gitops_checks.branch_holds_lane_files(
                profile=lane.profile,
                head=None,
                catalog_exists=False,
                runtime_files=[],
                where=where,
            )
        )
        return
    verdict(
        gitops_checks.branch_holds_lane_files(
            profile=lane.profile,
            head=head,
            catalog_exists=gitops.catalog.text is not None,
            runtime_files=gitops.runtime_files(),
            where=where,
            parse_errors=gitops.manifests.errors,
        )
    )


@pytest.mark.criterion("GO-02")
def test_runtime_images_are_pinned_to_the_catalog_digests(lane, gitops, catalog, verdict):
    """GO-02: every container image in the runtime manifests is pinned by digest, and it is the
    catalog's digest."""
    verdict(
        gitops_checks.images_pinned_to_catalog(
            gitops.manifests, catalog, service_label=lane.profile.service_label
        )
    )


@pytest.mark.criterion("GO-03")
def test_runtime_objects_are_all_in_the_lane_namespace(lane, gitops, verdict):
    """GO-03: every namespaced object of the runtime manifests is in the lane's runtime namespace;
    none names another."""
    verdict(
        gitops_checks.objects_in_lane_namespace(gitops.manifests, lane.profile.runtime_namespace)
    )


@pytest.mark.criterion("GO-04")
def test_gitops_branch_holds_no_secret_value(gitops, verdict):
    """GO-04: no file of the GitOps branch holds a Secret value, token, key,
    kubeconfig or password."""
    verdict(gitops_checks.no_secret_values(gitops.all_files(), gitops.where("")))


@pytest.mark.criterion("GO-05")
def test_credentials_are_secret_refs_with_read_only_projections(lane, gitops, verdict):
    """GO-05: provider credentials only as SecretRef + read-only projection, CODEX_HOME writable in
    the runner Job, DATABASE_URL from a SecretRef."""
    verdict(
        gitops_checks.credentials_as_secret_refs(
            gitops.manifests, lane.profile.provider_secret_refs
        )
    )


@pytest.mark.criterion("GO-06")
def test_runtime_containers_boot_the_catalog_commit(lane, gitops, catalog, verdict):
    """GO-06: runtime containers get AGENTRUN_BOOT_COMMIT equal to the catalog's bootCommit,
    a full 40-hex SHA."""
    verdict(
        gitops_checks.boot_commit_env(
            manifests=gitops.manifests,
            catalog=catalog,
            env_repository=lane.profile.env_repository,
            service_label=lane.profile.service_label,
        )
    )


@pytest.mark.criterion("GO-07")
def test_runtime_manifests_agree_with_the_deploy_intent(lane, gitops, catalog, verdict):
    """GO-07: the manifests agree with deploy.json at the catalog's source commit (services,
    replicas, ports, health, env keys, SecretRefs)."""
    intent = lane.deploy_intent(catalog.source_commit())
    verdict(
        gitops_checks.agrees_with_deploy_intent(
            manifests=gitops.manifests,
            intent_services=intent.enabled_services(),
            intent_where=intent.where,
        )
    )


@pytest.mark.criterion("GO-08")
def test_no_node_port_host_port_fixed_ip_or_port_forward(gitops, verdict):
    """GO-08: no NodePort, hostPort, fixed pod IP or one-off port-forward entry is fixed in the
    runtime manifests."""
    verdict(gitops_checks.no_fixed_entries(gitops.manifests))


@pytest.mark.criterion("GO-09")
def test_gitops_commits_touch_only_catalog_and_runtime_path(lane, gitops, verdict):
    """GO-09: every commit on the GitOps branch changes only the catalog, the runtime path and
    generated metadata."""
    verdict(
        gitops_checks.commits_touch_only_lane_paths(
            history=gitops.history(),
            profile=lane.profile,
            branch_where=lane.profile.gitops_branch,
        )
    )
