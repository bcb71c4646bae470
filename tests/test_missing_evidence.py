"""Missing evidence fails the criteria that need it, with the reason; it never
passes and never skips."""

from __future__ import annotations

import pytest
import yaml

from suite_run import run_suite


def repoint(lane_config, **changes):
    config = yaml.safe_load(lane_config.read_text())
    for dotted, value in changes.items():
        section, key = dotted.split(".")
        config[section][key] = value
    lane_config.write_text(yaml.safe_dump(config))


CASES = {
    "registry and worktree gone": (
        {"registry.url": "http://127.0.0.1:9", "source.worktree": "/nonexistent/agentrun-v01"},
        {
            "REG-01": "registry unreachable",
            "REG-02": "registry unreachable",
            "REG-03": "registry unreachable",
            "SRC-01": "directory does not exist",
            "SRC-02": "directory does not exist",
        },
    ),
    "mirror gone": (
        {"mirror.readUrl": "http://127.0.0.1:9/nowhere.git"},
        {
            "GO-01": "ls-remote",
            "CT-01": "ls-remote",
            "MR-01": "ls-remote",
            "REG-01": "ls-remote",
            "TK-02": "ls-remote",
        },
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_missing_evidence_fails_the_criteria_that_need_it_with_the_reason(
    case, fresh_lane, tmp_path
):
    changes, needs = CASES[case]
    repoint(fresh_lane.lane_config, **changes)

    result = run_suite(fresh_lane.lane_config, tmp_path / "reports")

    assert result.returncode == 1
    assert not any("skipped" in outcomes for outcomes in result.verdicts.values()), (
        "missing evidence must never skip"
    )
    for criterion, reason in needs.items():
        assert criterion in result.failed(), f"{criterion} passed without its evidence"
        assert any("cannot be decided" in m and reason in m for m in result.messages[criterion]), (
            result.messages[criterion]
        )
    # the cluster was still readable: criteria that need only the API are judged normally
    assert {"RT-01", "AR-01", "AR-02"} <= result.passed()
