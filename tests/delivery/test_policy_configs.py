"""Every shipped stack has its policy config, and real previews and deploys pass it to the pack."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml"))


def test_every_shipped_stack_has_a_policy_config_with_its_tier():
    for stack in STACKS:
        config = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())
        tier = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]["appstack:tier"]
        assert config["prod-stateful-resources-protected"]["tier"] == tier, stack


def test_every_pulumi_action_step_with_the_pack_passes_the_stack_config():
    steps = 0
    for workflow in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for step in job.get("steps", []):
                inputs = step.get("with") or {}
                if "policyPacks" in inputs:
                    steps += 1
                    stack = inputs["stack-name"]
                    expected = f"policies/config/{stack}.json"
                    assert inputs.get("policyPackConfigs") == expected, (workflow.name, stack)
    assert steps >= 4
