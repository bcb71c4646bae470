"""Truth level 1: the live runtime in the lane's namespace (criteria.md section 1)."""

import pytest

from pytest_agentrun import rollout_problems, runtime_checks, runtime_object_checks


@pytest.mark.criterion("RT-01")
def test_runtime_namespace_exists_and_is_active(lane, cluster, verdict):
    """RT-01: the lane's runtime namespace exists and is Active."""
    name = lane.profile.runtime_namespace
    verdict(runtime_checks.namespace_active(name, cluster.namespace(name)))


@pytest.mark.criterion("RT-02")
def test_declared_workloads_are_present_and_fully_ready(lane, cluster, catalog, verdict):
    """RT-02: every Deployment/StatefulSet that deploy.json (at the catalog's source commit)
    declares is fully ready."""
    intent = lane.deploy_intent(catalog.source_commit())
    declared = runtime_checks.declared_workloads(intent.enabled_services())
    live = {(kind, name): cluster.workload(kind, name) for kind, name, _ in declared}
    # Logs only under a workload that has not rolled out: a healthy lane asks for none.
    logs = {key: cluster.release_logs(w) for key, w in live.items() if w and rollout_problems(w)}
    verdict(
        runtime_checks.workloads_ready(
            declared=declared,
            live=live,
            namespace=lane.profile.runtime_namespace,
            intent_where=intent.where,
            logs=logs,
        )
    )


def declared_and_live(lane, cluster, catalog):
    intent = lane.deploy_intent(catalog.source_commit())
    declared = runtime_checks.declared_workloads(intent.enabled_services())
    return (
        intent,
        declared,
        {(kind, name): cluster.workload(kind, name) for kind, name, _ in declared},
    )


@pytest.mark.criterion("RT-03")
def test_every_pod_of_the_declared_workloads_is_ready(lane, cluster, catalog, verdict):
    """RT-03: every Pod of the declared workloads is Ready and no container crash-loops or fails to
    pull (restarts, Warning events, and the troubled Pods' terminations and log tails reported)."""
    _, declared, live = declared_and_live(lane, cluster, catalog)
    logs = {}  # of the troubled Pods only (readers/pod_logs.py): none on a healthy lane
    for workload in filter(None, live.values()):
        logs.update(cluster.release_logs(workload))
    verdict(
        runtime_checks.pods_ready(
            declared=declared,
            live=live,
            pods=cluster.pods(),
            events=cluster.objects("Event"),
            replica_sets=cluster.replica_sets(),
            logs=logs,
        )
    )


@pytest.mark.criterion("RT-04")
def test_running_containers_carry_the_catalog_digest(lane, cluster, catalog, verdict):
    """RT-04: the image each running container actually runs (status imageID) carries the catalog's
    digest for its service, and each live pod template names the catalog's image by digest."""
    _, declared, live = declared_and_live(lane, cluster, catalog)
    images = {s.get("serviceId"): s.get("image") or {} for s in catalog.services()}
    verdict(
        runtime_checks.images_match_catalog(
            declared=declared,
            live=live,
            pods=cluster.pods(),
            replica_sets=cluster.replica_sets(),
            catalog_images=images,
            catalog_where=catalog.where,
            service_label=lane.profile.service_label,
        )
    )


@pytest.mark.criterion("RT-05")
def test_service_health_paths_answer_through_the_service_proxy(lane, cluster, catalog, verdict):
    """RT-05: each service's health path from deploy.json answers 2xx through the
    Kubernetes service proxy."""
    intent = lane.deploy_intent(catalog.source_commit())
    answers = cluster.health_answers(intent.enabled_services())
    verdict(runtime_checks.health_answers(answers, lane.profile.runtime_namespace))


@pytest.mark.criterion("RT-06")
def test_live_objects_are_managed_by_argo_without_hand_drift(lane, cluster, gitops, verdict):
    """RT-06: every live object of the runtime namespace carries Argo CD's tracking or is made by
    the cluster from a tracked one, and no hand field manager (kubectl apply/patch/edit) owns fields
    of a tracked one."""
    manifests = [
        runtime_object_checks.ManifestObject(
            api_version=str(m.obj.get("apiVersion", "")),
            kind=m.kind,
            name=m.name,
            where=gitops.manifests.where(m),
        )
        for m in gitops.manifests.manifests
    ]
    resolved = {(m.api_version, m.kind): cluster.resolve(m.api_version, m.kind) for m in manifests}
    objects, unreadable = cluster.namespace_listing()
    verdict(
        runtime_object_checks.managed_by_argo(
            profile=lane.profile,
            objects=objects,
            manifests=manifests,
            resolved=resolved,
            unreadable=unreadable,
        )
    )


@pytest.mark.criterion("RT-07")
def test_every_secret_ref_of_the_runtime_exists_with_its_keys(lane, cluster, gitops, verdict):
    """RT-07: every SecretRef the runtime manifests name exists in the runtime namespace with its
    keys (values never read)."""
    refs = runtime_checks.secret_refs([m.obj for m in gitops.manifests.manifests])
    secrets = {name: cluster.secret_metadata(name) for name in refs}
    verdict(
        runtime_checks.secret_refs_exist(
            refs=refs,
            secrets=secrets,
            namespace=lane.profile.runtime_namespace,
            where=gitops.where(lane.profile.runtime_path),
        )
    )
