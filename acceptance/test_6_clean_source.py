"""Truth level 5: the clean source worktree (criteria.md section 6)."""

import pytest

from pytest_agentrun import DeployIntent, source_checks


@pytest.mark.criterion("SRC-01")
def test_source_worktree_is_clean_and_equal_to_origin(lane, worktree, source, verdict):
    """SRC-01: the fixed worktree is on the source branch, equal to its origin and to the source
    repo, with nothing modified or untracked."""
    branch = lane.profile.source_branch
    remote_where = f"ls-remote {source.shown_url} refs/heads/{branch}"
    verdict(
        source_checks.worktree_clean(
            profile=lane.profile,
            state=worktree.state(branch),
            remote_head=source.head(branch),
            remote_where=remote_where,
        )
    )


@pytest.fixture(scope="module")
def source_head(lane, source):
    """The head of the source branch on the source repo (GitHub), fetched; None if the
    branch is missing."""
    return source.fetch_branch(lane.profile.source_branch)


@pytest.fixture(scope="module")
def deploy_intent(lane, source, source_head):
    """deploy/deploy.json at the source branch head (a missing branch reads as a missing file)."""
    if source_head is None:
        return DeployIntent.parse(
            f"ls-remote {source.shown_url}: no branch {lane.profile.source_branch}", None
        )
    return lane.deploy_intent(source_head)


@pytest.mark.criterion("SRC-02")
def test_task_worktree_root_is_ignored_by_the_worktree_gitignore(lane, worktree, verdict):
    """SRC-02: `.worktree/` (and a task's files under it) is ignored by the fixed
    worktree's .gitignore."""
    rules = {
        probe: worktree.ignore_rule(probe)
        for probe in source_checks.worktree_root_probes(lane.profile)
    }
    verdict(source_checks.worktree_root_ignored(rules, str(worktree.path)))


@pytest.mark.criterion("SRC-03")
def test_source_branch_tracks_no_catalog_manifests_or_digests(lane, source, source_head, verdict):
    """SRC-03: the source branch head tracks no catalog, runtime manifests, rendered state, digests
    or rollout metadata."""
    paths = source.files(source_head) if source_head else []
    files = {
        path: text or ""
        for path, text in zip(paths, source.read_many([(source_head, p) for p in paths]))
    }
    verdict(
        source_checks.source_tracks_no_generated_state(
            profile=lane.profile,
            head=source_head,
            files=files,
            head_where=f"ls-remote {source.shown_url}",
        )
    )


@pytest.mark.criterion("SRC-04")
def test_deploy_intent_exists_conforms_and_names_the_lane_namespace(lane, deploy_intent, verdict):
    """SRC-04: deploy/deploy.json exists on the source branch head, conforms to the deploy intent
    schema, names the lane namespace."""
    verdict(source_checks.deploy_intent_valid(lane.profile, deploy_intent))


@pytest.mark.criterion("SRC-05")
def test_deploy_intent_holds_only_hand_written_intent(lane, deploy_intent, verdict):
    """SRC-05: deploy.json holds no image, digest, publish/reuse state, run id, revision, rendered
    manifest or credential."""
    verdict(source_checks.deploy_intent_only_intent(lane.profile, deploy_intent))


@pytest.mark.criterion("SRC-06")
def test_reference_docs_name_legacy_namespaces_only_as_history(lane, source, source_head, verdict):
    """SRC-06: AGENTS.md and docs/reference/ name agentrun_dev/agentrun_prod only in
    deprecation or history text."""
    paths = source_checks.reference_docs_paths(source.files(source_head)) if source_head else []
    docs = {path: source.read(source_head, path) or "" for path in paths}
    verdict(
        source_checks.docs_present_no_forbidden_target(
            profile=lane.profile,
            head=source_head,
            docs=docs,
            head_where=f"ls-remote {source.shown_url}",
        )
    )
