"""The prod deploy runs migrations between registering task definitions and rolling services out."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

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


UP = ROOT / ".github" / "scripts" / "pulumi-up.sh"
# A stand-in `pulumi` that logs its arguments and prints the stack outputs the release script reads.
FAKE_PULUMI = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$PULUMI_LOG"
if [ "$1 $2" = "stack output" ]; then cat "$OUTPUTS"; fi
"""


def _deploy(tmp_path: Path, stack: str, platform: str, policy_config: str = "",
            project: str = "appstack") -> tuple[int, list[str], str]:
    (tmp_path / "Pulumi.yaml").write_text(f"name: {project}\nruntime: python\n")  # the working directory's project
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"zmage-release-commands": {
        "before_rollout": {"db-migrate": "echo before >> ran.txt"}, "after_rollout": {"seed": "echo after >> ran.txt"}}}))
    log = tmp_path / "pulumi.log"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PULUMI_LOG": str(log), "OUTPUTS": str(outputs), "GITHUB_SHA": "abc123"}
    result = subprocess.run(["bash", str(UP), stack, platform, policy_config], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=False)
    ran = (tmp_path / "ran.txt").read_text() if (tmp_path / "ran.txt").exists() else ""
    return result.returncode, log.read_text().splitlines() if log.exists() else [], ran


def test_an_aws_deploy_runs_the_four_release_steps_in_order(tmp_path):
    rc, calls, ran = _deploy(tmp_path, "prod", "aws", "policies/config/prod.json")
    assert rc == 0
    up = f"up --stack prod --yes --diff --color never --non-interactive --policy-pack {ROOT}/policies " \
         "--policy-pack-config policies/config/prod.json"
    assert calls == [
        f"{up} --exclude urn:pulumi:prod::appstack::**aws:ecs/service:Service::* --exclude-dependents "
        "--message appstack deploy abc123 (before services)",
        "stack output --stack prod --json",
        f"{up} --message appstack deploy abc123",
        "stack output --stack prod --json",
    ]
    assert ran == "before\nafter\n"


def test_a_kubernetes_deploy_is_one_update_with_the_stack_policy_config(tmp_path):
    rc, calls, ran = _deploy(tmp_path, "prod-k8s", "kubernetes", "policies/config/prod-k8s.json")
    assert rc == 0 and ran == ""
    assert calls == [f"up --stack prod-k8s --yes --diff --color never --non-interactive --policy-pack {ROOT}/policies "
                     "--policy-pack-config policies/config/prod-k8s.json --message appstack deploy abc123"]


def test_a_split_app_stack_releases_in_its_own_project_with_the_root_policy_pack(tmp_path):
    # deploy.yml runs the split's stacks from environments/prod-split: that directory's project name
    # goes into the excluded service URNs, and the policy pack stays the repository's
    rc, calls, ran = _deploy(tmp_path, "prod-zmage", "aws", "policies/config/prod-zmage.json", project="split")
    assert rc == 0 and ran == "before\nafter\n"
    assert calls[0] == (f"up --stack prod-zmage --yes --diff --color never --non-interactive --policy-pack {ROOT}/policies "
                        "--policy-pack-config policies/config/prod-zmage.json "
                        "--exclude urn:pulumi:prod-zmage::split::**aws:ecs/service:Service::* --exclude-dependents "
                        "--message appstack deploy abc123 (before services)")
    assert calls[1:] == ["stack output --stack prod-zmage --json", calls[0].split(" --exclude ")[0] +
                         " --message appstack deploy abc123", "stack output --stack prod-zmage --json"]


def test_an_unknown_platform_deploys_nothing(tmp_path):
    rc, calls, _ = _deploy(tmp_path, "prod", "gcp")
    assert rc == 2 and calls == []
