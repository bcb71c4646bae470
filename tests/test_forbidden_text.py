"""The forbidden-target classifier (pytest_agentrun/model/forbidden.py,
data/forbidden-phrases.yaml): a sentence that names agentrun_dev/agentrun_prod is a target (fails
SRC-06), deprecation or history (passes), or named outside such text (fails); values of the lane
point at legacy targets or not."""

from __future__ import annotations

import pytest

from pytest_agentrun.model.forbidden import ForbiddenTargets, mentions
from pytest_agentrun.lane import LaneProfile

NAMES = ["agentrun_dev", "agentrun_prod", "agentrun-dev", "agentrun-prod"]


def verdicts(text: str) -> list[str]:
    return [m.verdict for m in mentions(text, NAMES)]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # the two sentences of the issue
        ("agentrun_dev is deprecated", ["history"]),
        ("deploy v0.1 to agentrun_prod", ["target"]),
        # targets: namespace, Argo destination, pipeline target, acceptance target
        ("namespace: agentrun_dev", ["target"]),
        ("target agentrun_prod", ["target"]),
        ("| runtime namespace | `agentrun_prod` |", ["target"]),
        ("The agentrun_prod namespace hosts the v0.1 manager.", ["target"]),
        ("The Argo CD destination of v0.1 is agentrun-prod.", ["target"]),
        ("The pipeline promotes into agentrun_dev.", ["target"]),
        ("Acceptance runs against agentrun_dev.", ["target"]),
        ("Sync agentrun-g14-v01 into agentrun_prod once Healthy.", ["target"]),
        ("部署到 agentrun_prod", ["target"]),
        ("v0.1 的验收目标是 agentrun_dev", ["target"]),
        # deprecation, prohibition and history
        ("formerly deployed to agentrun_prod", ["history"]),
        ("agentrun_dev is no longer used", ["history"]),
        ("agentrun_prod is a legacy namespace", ["history"]),
        ("Formerly, v0.1 releases were deployed to agentrun_prod.", ["history"]),
        ("Do not deploy v0.1 to agentrun_prod.", ["history"]),
        ("agentrun_prod is not a v0.1 target.", ["history"]),
        ("Never target agentrun-dev from this lane.", ["history"]),
        (
            "The namespaces agentrun_dev and agentrun_prod belong to the pre-lane layout.",
            ["history", "history"],
        ),
        ("agentrun_dev 已废弃", ["history"]),
        ("agentrun_prod 是历史命名空间", ["history"]),
        ("v0.1 不得部署到 agentrun_prod", ["history"]),
        # a deprecation word about one name does not cover a target sentence about another
        ("agentrun_dev is deprecated; deploy v0.1 to agentrun_prod", ["history", "target"]),
        ("agentrun_dev is deprecated, deploy v0.1 to agentrun_prod instead", ["history", "target"]),
        # named outside deprecation or history text: the spec allows neither
        ("Use agentrun_prod for load tests.", ["unqualified"]),
        # not a forbidden name at all
        ("The agentrun-devops team owns the mirror; agentrun_dev2 is a test fixture.", []),
        ("v0.1 deploys to agentrun-v01 and reports its digest.", []),
    ],
)
def test_sentence_verdicts(sentence, expected):
    assert verdicts(sentence) == expected


def test_headings_and_paragraphs_give_history_context_but_never_cover_a_target():
    doc = (
        "# Lane\n\nv0.1 runs in `agentrun-v01`.\n\n"
        "## History and deprecations\n\n"
        "- `agentrun_dev` and `agentrun_prod` held the manager and its database.\n"
        "- Deploy v0.1 to agentrun_prod.\n\n"
        "## Operations\n\nSmoke tests use agentrun_dev.\n"
    )
    found = mentions(doc, NAMES)
    assert [(m.line, m.name, m.verdict) for m in found] == [
        (7, "agentrun_dev", "history"),
        (7, "agentrun_prod", "history"),
        (8, "agentrun_prod", "target"),
        (12, "agentrun_dev", "unqualified"),
    ]
    assert "History and deprecations" in found[0].cue


def test_a_paragraph_keeps_its_deprecation_context_and_reports_the_right_line():
    doc = (
        "Intro.\n\nThe pre-lane namespaces were renamed: this lane is `agentrun-v01`.\n"
        "Old tooling still prints\nagentrun_dev in its banner.\n"
    )
    [m] = mentions(doc, NAMES)
    assert (m.line, m.verdict) == (5, "history")


def test_code_lines_are_judged_one_by_one():
    doc = (
        "## History\n\n```yaml\nnamespace: agentrun_dev   # deprecated\nnamespace: agentrun_prod\n"
        "```\n"
    )
    assert [(m.line, m.verdict) for m in mentions(doc, NAMES)] == [(4, "history"), (5, "target")]


@pytest.fixture(scope="module")
def targets():
    return ForbiddenTargets.of(LaneProfile.load("v0.1"))


@pytest.mark.parametrize(
    "value, named",
    [
        ("agentrun_prod", ["namespace agentrun_prod"]),
        ("create/watch Jobs in agentrun-dev only", ["namespace agentrun-dev"]),
        ("master", ["branch master"]),
        ("refs/heads/master", ["branch master"]),
        ("/root/agentrun", ["legacy path /root/agentrun"]),
        ("G14:/root/agentrun/.worktree/task", ["legacy path /root/agentrun"]),
        (
            "/tmp/sandbox/root/agentrun",
            ["legacy path /root/agentrun"],
        ),  # a relocated root keeps its last components
        ("/data/D601/agentrun", ["legacy marker D601"]),
        ("d601-builder", ["legacy marker D601"]),
        # the lane's own values
        ("/root/agentrun-v01", []),
        ("/root/agentrun-v01/.worktree/task-1", []),
        ("agentrun-v01", []),
        ("v0.1-gitops", []),
        ("master-node-1", []),
        ("http://git-mirror-http.devops-infra.svc.cluster.local/pikasTech/agentrun.git", []),
        ("sha256:" + "ad601f" + "0" * 58, []),
    ],
)
def test_values_that_point_at_legacy_targets(targets, value, named):
    assert targets.named_in(value) == named
