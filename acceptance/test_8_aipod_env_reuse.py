"""Aipod env image reuse (criteria.md section 8)."""

import pytest

from pytest_agentrun import aipod_checks


@pytest.fixture(scope="module")
def runner_workloads(lane, cluster):
    """The runtime namespace's runner Jobs, the Pods they own, and the Aipod workloads (lane profile
    runnerWorkloads)."""
    selectors = lane.profile.runner_selectors
    return aipod_checks.runner_workloads(
        selectors=selectors,
        runners=[o for kind in selectors.runner_kinds for o in cluster.objects(kind)],
        pods=cluster.objects("Pod"),
        controllers=cluster.objects("Deployment") + cluster.objects("StatefulSet"),
    )


@pytest.mark.criterion("AP-01")
def test_runner_jobs_and_aipods_run_catalog_images_by_digest(
    lane, runner_workloads, catalog, verdict
):
    """AP-01: runner Jobs and Aipod workloads in the runtime namespace run digest-pinned env images
    from the catalog."""
    verdict(
        aipod_checks.env_images_from_catalog(
            workloads=runner_workloads,
            catalog=catalog,
            namespace=lane.profile.runtime_namespace,
            selectors=lane.profile.runner_selectors,
        )
    )


@pytest.mark.criterion("AP-02")
def test_runner_jobs_and_aipods_install_nothing_at_run_time(lane, runner_workloads, verdict):
    """AP-02: no runner Job or Aipod container command installs its environment (apt, apk, bun
    install, npm install)."""
    verdict(
        aipod_checks.no_runtime_install(
            workloads=runner_workloads,
            namespace=lane.profile.runtime_namespace,
            selectors=lane.profile.runner_selectors,
        )
    )


@pytest.mark.criterion("AP-03")
def test_catalog_image_refs_are_built_or_reused_and_hold_no_credentials(catalog, verdict):
    """AP-03: every catalog imageRef entry has status built or reused and holds no SecretRef, token,
    SSH key or provider config."""
    verdict(aipod_checks.catalog_image_refs_reusable(catalog))
