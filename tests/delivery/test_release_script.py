"""The prod deploy runs migrations between registering task definitions and rolling services out."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".github" / "scripts" / "run-release-commands.sh"

pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="the release script needs jq (as on GitHub runners)")


def _run(outputs: dict, phase: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), phase], input=json.dumps(outputs), cwd=cwd,
                          capture_output=True, text=True, check=False)


def test_runs_only_the_commands_of_the_phase_in_app_and_job_order(tmp_path):
    outputs = {
        "zmage-url": "https://zmage.example.com",
        "zmage-release-commands": {"before_rollout": {"db-migrate": "echo zmage/db-migrate >> ran.txt"}, "after_rollout": {}},
        "claude-relay-release-commands": {
            "before_rollout": {},
            "after_rollout": {"data-migration": "echo 'claude-relay/data-migration \"quoted\"' >> ran.txt"},
        },
    }
    assert _run(outputs, "before_rollout", tmp_path).returncode == 0
    assert (tmp_path / "ran.txt").read_text() == "zmage/db-migrate\n"
    assert _run(outputs, "after_rollout", tmp_path).returncode == 0
    assert (tmp_path / "ran.txt").read_text() == 'zmage/db-migrate\nclaude-relay/data-migration "quoted"\n'


def test_a_failing_migration_stops_the_release(tmp_path):
    outputs = {"a-release-commands": {"before_rollout": {"m1": "exit 3", "m2": "touch second"}}}
    result = _run(outputs, "before_rollout", tmp_path)
    assert result.returncode != 0 and not (tmp_path / "second").exists()


def test_prod_deploy_runs_the_four_release_steps_in_order():
    job = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())["jobs"]["deploy-prod"]
    names = [step.get("name", "") for step in job["steps"]]
    order = [names.index(n) for n in (
        "Release 1/4: everything but the ECS services (images, task definitions, data stores)",
        "Release 2/4: before-rollout migrations",
        "Release 3/4: pulumi up",
        "Release 4/4: after-rollout jobs",
    )]
    assert order == sorted(order)
    first = job["steps"][order[0]]["run"]
    assert "--exclude 'urn:pulumi:prod::appstack::**aws:ecs/service:Service::*' --exclude-dependents" in first
    assert "--policy-pack-config policies/config/prod.json" in first
    assert job["steps"][order[1]]["run"].endswith("run-release-commands.sh before_rollout")
    assert job["steps"][order[3]]["run"].endswith("run-release-commands.sh after_rollout")
