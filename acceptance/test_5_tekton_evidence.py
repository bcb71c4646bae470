"""Truth level 4: Tekton evidence (criteria.md section 5)."""

import pytest

from pytest_agentrun import registry_checks, tekton_checks


@pytest.mark.criterion("TK-01")
def test_pipeline_and_tekton_service_account_exist(lane, tekton, verdict):
    """TK-01: the lane's Pipeline and its Tekton ServiceAccount exist in the Tekton namespace."""
    verdict(
        tekton_checks.pipeline_and_service_account(
            profile=lane.profile,
            pipeline=tekton.pipeline(),
            service_account=tekton.service_account(),
        )
    )


@pytest.mark.criterion("TK-02")
def test_pipelinerun_of_the_catalog_commit_succeeded(lane, tekton, catalog, verdict):
    """TK-02: the PipelineRun of the catalog's source commit (named by the profile's
    pipelineRunName) passed the full SHA and succeeded."""
    commit = catalog.source_commit()
    name = lane.profile.pipeline_run_name(commit)
    verdict(
        tekton_checks.pipeline_run_for_commit(
            profile=lane.profile,
            commit=commit,
            run=tekton.pipeline_run(name),
            commit_where=catalog.line(commit),
            task_runs=tekton.task_runs(name),
        )
    )


@pytest.mark.criterion("TK-03")
def test_pipelinerun_runs_on_the_host_network_as_the_lane_service_account(
    lane, tekton, catalog, verdict
):
    """TK-03: the catalog commit's PipelineRun uses hostNetwork with ClusterFirstWithHostNet DNS,
    and its TaskRuns run as the lane's Tekton ServiceAccount."""
    commit = catalog.source_commit()
    name = lane.profile.pipeline_run_name(commit)
    verdict(
        tekton_checks.pipeline_run_on_host_network(
            profile=lane.profile,
            commit=commit,
            run=tekton.pipeline_run(name),
            task_runs=tekton.task_runs(name),
        )
    )


@pytest.mark.criterion("TK-04")
def test_no_proxy_of_every_task_keeps_the_cluster_and_lane_hosts(lane, tekton, verdict):
    """TK-04: NO_PROXY in the Pipeline's tasks keeps hyueapi.com, .hyueapi.com, the service CIDR,
    .svc and .cluster.local."""
    verdict(
        tekton_checks.no_proxy_kept(
            profile=lane.profile,
            pipeline=tekton.pipeline(),
            tasks=tekton.tasks(),
        )
    )


@pytest.mark.criterion("TK-05")
def test_source_and_promotion_go_through_the_git_mirror(lane, tekton, catalog, verdict):
    """TK-05: source preparation fetches the full SHA through the mirror read URL, promotion pushes
    through the mirror write URL, and no task uses GitHub over SSH or HTTPS."""
    commit = catalog.source_commit()
    run = tekton.pipeline_run(lane.profile.pipeline_run_name(commit))
    verdict(
        tekton_checks.checkout_and_push_through_mirror(
            profile=lane.profile,
            commit=commit,
            pipeline=tekton.pipeline(),
            tasks=tekton.tasks(),
            run=run,
        )
    )


@pytest.mark.criterion("TK-06")
def test_pipeline_runs_only_the_lane_tasks_without_retired_gates(lane, tekton, verdict):
    """TK-06: the Pipeline's tasks are source preparation, bun run check plus render check, plan,
    image publish (BuildKit) and promotion; no self-test, dev or prod gate."""
    verdict(
        tekton_checks.pipeline_tasks_are_the_lane_kinds(
            profile=lane.profile,
            pipeline=tekton.pipeline(),
            tasks=tekton.tasks(),
        )
    )


@pytest.mark.criterion("TK-07")
def test_no_custom_runner_poller_or_docker_daemon(lane, tekton, cluster, verdict):
    """TK-07: no DinD, Docker socket, privileged container or CI.json runner in the tasks, and no
    runner, poller or reconciler Deployment/StatefulSet in the Tekton or runtime namespace."""
    namespaces = (lane.profile.tekton_namespace, lane.profile.runtime_namespace)
    workloads = {
        ns: cluster.objects("Deployment", ns) + cluster.objects("StatefulSet", ns)
        for ns in namespaces
    }
    verdict(
        tekton_checks.no_custom_runner_or_docker_daemon(
            profile=lane.profile,
            pipeline=tekton.pipeline(),
            tasks=tekton.tasks(),
            workloads=workloads,
        )
    )


@pytest.mark.criterion("TK-08")
def test_plan_summary_reports_no_unsafe_reuse(lane, tekton, catalog, verdict):
    """TK-08: the plan TaskRun's planArtifacts.summary has the form build=N reuse=M
    unsafeReuse=K, with K = 0."""
    name = lane.profile.pipeline_run_name(catalog.source_commit())
    verdict(
        tekton_checks.plan_summary_safe(
            profile=lane.profile,
            run_name=name,
            task_runs=tekton.task_runs(name),
        )
    )


@pytest.mark.criterion("TK-09")
def test_env_image_is_reused_unless_an_env_input_changed(
    lane, gitops, source, tekton, registry, catalog, verdict
):
    """TK-09: with no env-identity input changed since the previous catalog's source commit, the
    plan is build=0 reuse=1 unsafeReuse=0, image-publish reused, no image build ran, the tag is
    unchanged and the registry's tag list holds no tag the earlier catalogs did not record; with one
    changed, a new envIdentity was built."""
    previous = gitops.previous_catalog()
    commit = catalog.source_commit()
    changed = source.changed_files(previous.source_commit(), commit) if previous else None
    task_runs = tekton.task_runs(lane.profile.pipeline_run_name(commit))
    tags = registry_checks.read_tags(registry.tag_list, lane.profile.env_repository)
    earlier = tekton_checks.recorded_tags(gitops.earlier_catalogs())
    verdict(
        tekton_checks.env_reuse_follows_inputs(
            profile=lane.profile,
            current=catalog,
            previous=previous,
            changed_files=changed,
            task_runs=task_runs,
            registry_tags=tags,
            earlier_tags=earlier,
        )
    )


@pytest.mark.criterion("TK-10")
def test_env_identity_changes_exactly_when_an_env_input_changes(lane, gitops, source, verdict):
    """TK-10: across the catalog history, the envIdentity changes exactly when an env-identity input
    changed between consecutive catalog source commits."""
    versions = gitops.catalog_versions()
    pairs = tekton_checks.consecutive_source_commits(versions)
    source.prime_changed_files(
        pairs
    )  # one diff-tree --stdin for all pairs; each then read from the cache
    changed = tekton_checks.read_diffs(source.changed_files, pairs)
    verdict(
        tekton_checks.env_identity_follows_inputs(
            profile=lane.profile,
            versions=versions,
            changed=changed,
        )
    )


@pytest.mark.criterion("TK-11")
def test_promotion_never_writes_the_source_branch(lane, source, verdict):
    """TK-11: no commit on the source branch touches the catalog or runtime path or is by the CI
    identity, and deploy.json changed only by hand."""
    branch = lane.profile.source_branch
    head = source.fetch_branch(branch)
    verdict(
        tekton_checks.source_branch_untouched_by_ci(
            profile=lane.profile,
            head=head,
            history=source.history(branch) if head else [],
        )
    )
