"""Tekton's meaning in model/tekton.py: the plan summary as a value, `$(params.x)`, stepTemplate."""

from __future__ import annotations

from pytest_agentrun.model.tekton import PlanSummary, containers, substitute


def test_the_plan_summary_is_read_only_when_it_has_exactly_its_form():
    assert PlanSummary.parse("build=2 reuse=0 unsafeReuse=0") == PlanSummary(2, 0, 0)
    assert PlanSummary.parse("build=0 reuse=1 unsafeReuse=0").safe
    assert not PlanSummary.parse("build=0 reuse=0 unsafeReuse=1").safe
    for text in ("build=1 reuse=0", "build=1 reuse=0 unsafeReuse=0 extra", "", None, 3):
        assert PlanSummary.parse(text) is None, text


def test_params_are_substituted_and_unknown_ones_left_as_written():
    values = {"revision": "abc", "x.y": "z"}
    text = "git checkout $(params.revision) $(params.x.y)"
    assert substitute(text, values) == "git checkout abc z"
    assert substitute("$(params.other) $(context.taskRun.name)", values) == (
        "$(params.other) $(context.taskRun.name)"
    )


def test_a_step_is_read_with_the_step_template_merged_in_and_its_own_fields_winning():
    spec = {
        "stepTemplate": {
            "image": "alpine",
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "t"}],
        },
        "steps": [
            {"name": "s", "env": [{"name": "B", "value": "s"}]},
            {"name": "u", "image": "bun"},
        ],
        "sidecars": [{"name": "dind", "image": "docker:dind"}],
    }
    [(step, s), (other, u), (sidecar, d)] = containers(spec)
    assert (step, other, sidecar) == ("step s", "step u", "sidecar dind")
    assert s["image"] == "alpine"
    assert s["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "s"}]
    assert u["image"] == "bun" and d["image"] == "docker:dind"
