"""Truth level 1: the live runtime in the lane's namespace (criteria.md section 1)."""

import pytest

from pytest_agentrun.checks import runtime


@pytest.mark.criterion("RT-01")
def test_runtime_namespace_exists_and_is_active(lane, cluster, verdict):
    """RT-01: the lane's runtime namespace exists and is Active."""
    name = lane.profile.runtime_namespace
    verdict(runtime.namespace_active(name, cluster.namespace(name)))


@pytest.mark.criterion("RT-02")
def test_declared_workloads_are_present_and_fully_ready(lane, cluster, catalog, verdict):
    """RT-02: every Deployment/StatefulSet that deploy.json (at the catalog's source commit) declares is fully ready."""
    intent = lane.deploy_intent(catalog.source_commit())
    declared = runtime.declared_workloads(intent.enabled_services())
    live = {(kind, name): cluster.workload(kind, name) for kind, name, _ in declared}
    verdict(runtime.workloads_ready(declared, live, lane.profile.runtime_namespace, intent.where))
