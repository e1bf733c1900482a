"""Every shipped stack has its policy config, and real previews and deploys pass it to the pack."""

from __future__ import annotations

import importlib.util
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


def test_every_deployed_stack_passes_its_policy_config_to_the_pack():
    spec = importlib.util.spec_from_file_location("stacks", ROOT / ".github" / "scripts" / "stacks.py")
    stacks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stacks)
    entries = stacks.read_stacks(ROOT)
    assert [e["stack"] for e in entries] == STACKS
    assert all(e["policy_config"] == f"policies/config/{e['stack']}.json" for e in entries)
    script = (ROOT / ".github" / "scripts" / "pulumi-up.sh").read_text()
    assert 'up+=(--policy-pack-config "$policy_config")' in script
