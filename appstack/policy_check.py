"""`appstack plan STACK --policy`: the policy pack evaluated over a synthesized stack, offline."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from appstack_policies.runner import evaluate, stack_config

from .stackconfig import Stack
from .synth import Synthesis


def run_policies(
    synthesis: Synthesis, stack: Stack, config_dir: Path | None = None, out: TextIO | None = None
) -> int:
    """Print violations grouped by level; 1 when any mandatory rule is violated, else 0.

    The enforcement config is the project's policies/config/<stack>.json (no file: every rule's default).
    """
    if config_dir is None:
        from .project import find_project

        config_dir = find_project().policy_config_dir
    config_file = config_dir / f"{synthesis.stack}.json"
    config = stack_config(synthesis.stack, config_dir) if config_file.is_file() else {}
    resources = [asdict(resource) for resource in synthesis.resources]  # secrets stay Secret markers
    report = evaluate(
        resources,
        stack_outputs=synthesis.outputs,
        config=config,
        tier=stack.settings.tier,
        stack=synthesis.stack,
    )
    (out or sys.stdout).write(report.render_text() + "\n")
    return 0 if report.passed else 1
