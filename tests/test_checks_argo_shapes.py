"""AR-02/AR-03 (and the promotion wait's reading of an Application) on the real Argo CD Applications
of tests/reference/upstream/argocd, single- and multi-source (issue 10, item 7)."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import pytest
import yaml

from pytest_agentrun.checks import argo
from pytest_agentrun.drive import promotion
from pytest_agentrun.lane import LaneProfile

PROFILE = LaneProfile.load("v0.1")
REPOS = [PROFILE["sourceRepo"], PROFILE["mirror"]["readUrl"]]
HEAD = "e" * 40


def upstream(reference_dir, name):
    obj = yaml.safe_load((reference_dir / "upstream" / "argocd" / name).read_text())
    return json.loads(json.dumps(obj, default=lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")))


def failed_subjects(findings):
    assert findings
    return [f.subject.split(" ", 2)[-1] for f in findings if not f.ok]


UPSTREAM = [
    "appcontroller-fakeApp.yaml",
    "appcontroller-fakeMultiSourceApp.yaml",
    "metrics-fakeApp3-deleting-degraded.yaml",
    "metrics-fakeAppOperationFinished.yaml",
    "metrics-fakeAppOperationRunning.yaml",
]


@pytest.mark.parametrize("name", UPSTREAM)
def test_ar02_fails_each_upstream_application_on_every_lane_field(reference_dir, name):
    """None of them is the lane's Application: project, branch, path, destination
    and repo all differ."""
    app = upstream(reference_dir, name)
    at = "spec.sources[0]" if "sources" in app["spec"] else "spec.source"
    # multi-source: no source is the lane's, and sources[1] (another path) would deploy too
    others = ["spec.sources", "spec.sources[1]"] if "sources" in app["spec"] else []
    assert sorted(failed_subjects(argo.application_source(PROFILE, app, REPOS))) == sorted(
        [
            "spec.project",
            f"{at}.targetRevision",
            f"{at}.path",
            "spec.destination.namespace",
            f"{at}.repoURL",
            *others,
        ]
    )
    assert not argo.belongs_to_lane(PROFILE, app)


@pytest.mark.parametrize(
    "name, failing",
    [
        (
            "appcontroller-fakeApp.yaml",
            ["status.sync.status", "status.health.status", "status.sync.revision"],
        ),
        (
            "appcontroller-fakeMultiSourceApp.yaml",
            ["status.sync.status", "status.health.status", "status.sync.revisions[0]"],
        ),
        (
            "metrics-fakeApp3-deleting-degraded.yaml",
            ["status.sync.status", "status.health.status", "status.sync.revision"],
        ),
        (
            "metrics-fakeAppOperationFinished.yaml",
            ["status.sync.revision", "status.sync.comparedTo.source", "status.resources"],
        ),  # Synced/Healthy, but at no revision, and what Synced covers is not recorded
        (
            "metrics-fakeAppOperationRunning.yaml",
            ["status.sync.status", "status.health.status", "status.sync.revision"],
        ),
    ],
)
def test_ar03_judges_each_upstream_application_status(reference_dir, name, failing):
    app = upstream(reference_dir, name)
    assert failed_subjects(argo.application_synced(PROFILE, app, HEAD, "ls-remote")) == failing


def lane_multi_source(reference_dir, lane_index=1):
    """The upstream multi-source Application made the lane's: its GitOps source at lane_index,
    beside the upstream values ref and a second ref, with status.sync.revisions index for
    index as Argo CD writes it (the upstream's two path sources would deploy manifests of
    their own: see below)."""
    app = upstream(reference_dir, "appcontroller-fakeMultiSourceApp.yaml")
    app["metadata"]["name"] = PROFILE.application
    app["spec"]["project"] = PROFILE.app_project
    app["spec"]["destination"]["namespace"] = PROFILE.runtime_namespace
    lane = {
        "repoURL": PROFILE["mirror"]["readUrl"],
        "targetRevision": PROFILE.gitops_branch,
        "path": PROFILE.runtime_path,
    }
    [ref] = [s for s in app["spec"]["sources"] if "ref" in s]
    sources = [ref, {**ref, "ref": "values_prod", "targetRevision": "v2"}]
    sources.insert(lane_index, lane)
    app["spec"]["sources"] = sources
    revisions = ["a" * 40, "b" * 40, "c" * 40]
    revisions[lane_index] = HEAD
    compared = copy.deepcopy({"sources": sources, "destination": app["spec"]["destination"]})
    app["status"]["sync"] = {"status": "Synced", "revisions": revisions, "comparedTo": compared}
    app["status"]["health"] = {"status": "Healthy"}
    app["status"]["resources"] = app["status"]["operationState"]["syncResult"]["resources"]
    app["status"]["operationState"]["syncResult"]["revisions"] = revisions
    return app


def test_ar02_fails_each_source_beside_the_lanes_that_deploys_manifests(reference_dir):
    """The upstream's Helm source (path + value files) and plain path source render manifests into
    the lane's namespace: each is a failed finding naming its index and what it would deploy."""
    app = lane_multi_source(reference_dir, 0)
    upstream_paths = [
        s
        for s in upstream(reference_dir, "appcontroller-fakeMultiSourceApp.yaml")["spec"]["sources"]
        if "path" in s
    ]
    app["spec"]["sources"][1:1] = upstream_paths
    findings = argo.application_source(PROFILE, app, REPOS)
    assert failed_subjects(findings) == ["spec.sources[1]", "spec.sources[2]"]
    helm = next(f for f in findings if f.subject.endswith("spec.sources[1]"))
    assert "deploys path 'some/path'" in helm.found and "argocd-example-apps.git" in helm.found


@pytest.mark.parametrize(
    "extra, deploys",
    [
        ({"targetRevision": "master"}, "path 'deploy/gitops/g14/runtime-v01'"),  # another revision
        ({"path": "deploy/gitops/g14/runtime-v02"}, "path 'deploy/gitops/g14/runtime-v02'"),
        ({"path": None, "ref": None}, "the root of"),  # neither: repo root
        ({"path": None, "ref": "v", "chart": "agentrun"}, "chart 'agentrun'"),
        ({"path": None, "ref": "v", "plugin": {"name": "cmp"}}, "plugin 'cmp'"),
        ({"path": None, "ref": "values"}, None),  # ref-only: fine
    ],
)
def test_ar02_judges_a_second_source_of_the_lanes_own_repo(reference_dir, extra, deploys):
    app = lane_multi_source(reference_dir, 0)
    second = {k: v for k, v in {**app["spec"]["sources"][0], **extra}.items() if v is not None}
    app["spec"]["sources"].append(second)
    findings = argo.application_source(PROFILE, app, REPOS)
    [judged] = [f for f in findings if f.subject.endswith("spec.sources[3]")]
    assert judged.ok is (deploys is None)
    assert deploys is None or deploys in judged.found


def test_ar02_fails_the_lanes_source_twice(reference_dir):
    app = lane_multi_source(reference_dir, 0)
    app["spec"]["sources"].append(dict(app["spec"]["sources"][0]))
    assert failed_subjects(argo.application_source(PROFILE, app, REPOS)) == ["spec.sources"]


def test_spec_sources_wins_over_spec_source_as_in_argo_cd(reference_dir):
    """With spec.sources set Argo CD ignores spec.source: a lane source there deploys nothing."""
    app = lane_multi_source(reference_dir, 0)
    app["spec"]["source"] = app["spec"]["sources"][0]
    app["spec"]["sources"][0] = {**app["spec"]["sources"][0], "targetRevision": "master"}
    assert "spec.sources[0].targetRevision" in failed_subjects(
        argo.application_source(PROFILE, app, REPOS)
    )


@pytest.mark.parametrize("index", [0, 1, 2])
def test_ar02_ar03_find_the_lane_source_wherever_it_stands(reference_dir, index):
    app = lane_multi_source(reference_dir, index)
    assert failed_subjects(argo.application_source(PROFILE, app, REPOS)) == []
    assert failed_subjects(argo.application_synced(PROFILE, app, HEAD, "ls-remote")) == []
    behind = copy.deepcopy(app)
    behind["status"]["sync"]["revisions"][index] = "d" * 40
    assert failed_subjects(argo.application_synced(PROFILE, behind, HEAD, "ls-remote")) == [
        f"status.sync.revisions[{index}]"
    ]


def test_promotion_wait_reads_the_lane_sources_revision(reference_dir):
    app = lane_multi_source(reference_dir, 1)
    app["status"]["operationState"]["phase"] = "Succeeded"

    class OneApp:
        def get(self, kind, namespace, name):
            return app

    done, seen = promotion._application_at(SimpleNamespace(profile=PROFILE), OneApp(), HEAD)
    assert done is app, seen
    assert argo.synced_revision(PROFILE, app) == HEAD


# -- under the Synced word (issue 20): what Argo CD compared, and each resource it counts ---------


def lane_diff_cache_app(reference_dir):
    """The Application of argo-cd controller/testdata/diff-cache.yaml (written by a real
    controller: comparedTo and status.resources included) made the lane's, synced at HEAD."""
    app = yaml.safe_load((reference_dir / "argocd" / "application-with-status.yaml").read_text())
    app = json.loads(json.dumps(app, default=str))
    lane = {
        "repoURL": PROFILE["mirror"]["readUrl"],
        "targetRevision": PROFILE.gitops_branch,
        "path": PROFILE.runtime_path,
    }
    app["spec"]["source"] = {**app["spec"]["source"], **lane}
    app["status"]["sync"]["comparedTo"]["source"] |= lane
    app["status"]["sync"]["revision"] = HEAD
    app["status"]["health"] = {"status": "Healthy"}
    return app


def test_ar03_passes_a_controller_written_status_whose_synced_covers_the_lane(reference_dir):
    findings = argo.application_synced(PROFILE, lane_diff_cache_app(reference_dir), HEAD, "x")
    assert failed_subjects(findings) == []
    [resources] = [f for f in findings if f.subject.endswith("status.resources")]
    assert resources.found == "2 resource(s), each Synced"


def test_ar03_fails_a_resource_kept_out_of_sync_under_a_synced_application(reference_dir):
    """IgnoreExtraneous leaves a resource out of the Application's sync status: it still stands
    OutOfSync, requiring pruning, in status.resources (argo-cd issue #17188)."""
    app = lane_diff_cache_app(reference_dir)
    kept = {"version": "v1", "kind": "ConfigMap", "namespace": "test-lla", "name": "notes"}
    app["status"]["resources"].append({**kept, "status": "OutOfSync", "requiresPruning": True})
    findings = argo.application_synced(PROFILE, app, HEAD, "x")
    assert failed_subjects(findings) == ["status.resources[2]"]
    [kept_finding] = [f for f in findings if not f.ok]
    assert "requires pruning" in kept_finding.found and "ConfigMap test-lla/notes" in (
        kept_finding.expected
    )


def test_ar03_fails_a_synced_computed_against_another_source(reference_dir):
    app = lane_diff_cache_app(reference_dir)
    app["status"]["sync"]["comparedTo"]["source"]["path"] = "deploy/gitops/g14/runtime-v02"
    assert failed_subjects(argo.application_synced(PROFILE, app, HEAD, "x")) == [
        "status.sync.comparedTo.source"
    ]


def test_ar03_cannot_decide_what_synced_covers_when_nothing_is_recorded(reference_dir):
    app = lane_diff_cache_app(reference_dir)
    del app["status"]["sync"]["comparedTo"], app["status"]["resources"]
    findings = argo.application_synced(PROFILE, app, HEAD, "x")
    assert {f.subject.split(" ", 2)[-1]: f.status for f in findings if not f.ok} == {
        "status.sync.comparedTo.source": "cannot be decided",
        "status.resources": "cannot be decided",
    }


def test_ar03_compares_the_lanes_source_at_its_index(reference_dir):
    app = lane_multi_source(reference_dir, 2)
    app["status"]["sync"]["comparedTo"]["sources"][2] = {"ref": "values_test"}
    assert failed_subjects(argo.application_synced(PROFILE, app, HEAD, "x")) == [
        "status.sync.comparedTo.sources[2]"
    ]


def test_ar03_fails_a_resource_whose_listed_health_is_not_healthy(reference_dir):
    """Where the controller lists a resource's health, the suite reads it, whatever the
    Application's own health word says."""
    app = lane_diff_cache_app(reference_dir)
    app["status"]["resources"][1]["health"] = {"status": "Degraded"}
    findings = argo.application_synced(PROFILE, app, HEAD, "x")
    assert failed_subjects(findings) == ["status.resources[1]"]
    assert [f.found for f in findings if not f.ok] == ["health 'Degraded'"]
