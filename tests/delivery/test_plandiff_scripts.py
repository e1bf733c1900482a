"""`appstack plan diff` shows a change of database.bootstrap.scripts: their SHA-256 are in the plan."""

from __future__ import annotations

import json

import pytest

from appstack.plan import plan_document
from appstack.plandiff import diff_plans, render_markdown
from appstack.stackconfig import validate_blueprint
from tests.conftest import synth_config

ONE_SCRIPT = {"database": {"bootstrap": {"scripts": [{"name": "001-functions", "file": "claude-relay/001-functions.sql"}]}}}


def _plan(platform: str, overrides: dict) -> dict:
    synthesis = synth_config(platform=platform, apps={"claude-relay": overrides})
    return json.loads(json.dumps(plan_document(synthesis, synthesis.model)))


@pytest.mark.parametrize(("platform", "type_token"), [
    ("kubernetes", "kubernetes:batch/v1:Job"), ("aws", "aws:ecs/taskDefinition:TaskDefinition")])
def test_a_new_script_changes_the_db_bootstrap_job_in_the_diff(platform, type_token):
    second = validate_blueprint("claude-relay").database.bootstrap.scripts[1]
    diff = diff_plans(_plan(platform, ONE_SCRIPT), _plan(platform, {}))
    changed = [r for r in diff.resources if r.type == type_token and "db-bootstrap" in r.name
               and r.action in ("update", "replace")]
    assert len(changed) == 1, [(r.name, r.action) for r in diff.resources if r.action != "unchanged"]
    if platform == "kubernetes":  # a new Job (its name hashes the script) carrying the SHA-256 in an annotation
        assert changed[0].action == "replace" and second.sha256 in render_markdown(diff)
    else:  # a new task definition revision whose command sets script_2_sha256
        [change] = changed[0].effective_changes
        assert change.path == "containerDefinitions(json)[0].command[0]"
        assert f"--set=script_2_sha256={second.sha256}" in change.new and second.sha256 not in change.old
