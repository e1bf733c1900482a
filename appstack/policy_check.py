"""`appstack plan STACK --policy`: the policy pack evaluated over a synthesized stack, offline."""

from __future__ import annotations

import sys
from dataclasses import asdict

from appstack_policies.runner import evaluate, stack_config

from .stackconfig import PROJECT_ROOT, Stack
from .synth import Synthesis

POLICY_CONFIG_DIR = PROJECT_ROOT / "policies" / "config"


def run_policies(synthesis: Synthesis, stack: Stack) -> int:
    """Print violations grouped by level; 1 when any mandatory rule is violated, else 0."""
    config_file = POLICY_CONFIG_DIR / f"{synthesis.stack}.json"
    config = stack_config(synthesis.stack, POLICY_CONFIG_DIR) if config_file.is_file() else {}
    resources = [asdict(resource) for resource in synthesis.resources]  # secrets stay Secret markers
    report = evaluate(
        resources,
        stack_outputs=synthesis.outputs,
        config=config,
        tier=stack.settings.tier,
        stack=synthesis.stack,
    )
    sys.stdout.write(report.render_text() + "\n")
    return 0 if report.passed else 1
