"""Truth level 4: Tekton evidence (criteria.md section 5)."""

import pytest

from pytest_agentrun.checks import tekton as tekton_checks


@pytest.mark.criterion("TK-02")
def test_pipelinerun_of_the_catalog_commit_succeeded(lane, tekton, catalog, verdict):
    """TK-02: the PipelineRun agentrun-v01-ci-<short12> of the catalog's source commit passed the full SHA and succeeded."""
    commit = catalog.source_commit()
    run = tekton.pipeline_run(lane.profile.pipeline_run_name(commit))
    verdict(tekton_checks.pipeline_run_for_commit(lane.profile, commit, run, catalog.line(commit)))
