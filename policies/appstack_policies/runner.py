"""Offline runner: evaluate the pack against the resources synthesized for a stack.

Input is the appstack.plan/v1 structure (plain dicts). The string "[unknown]" is a
value unknown at preview and "[secret]" (or a SecretValue) a secret; both are opaque.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .catalog import ALL_RULES
from .config import config_problems, enforcement_level, load_config_file, rule_settings, stack_config
from .model import STACK_RESOURCE_TYPE, Finding, Level, Resource, Rule, RuleContext, Stack
from .values import normalize, secret_paths

PLAN_FORMAT = "appstack.plan/v1"


@dataclass(frozen=True)
class Violation:
    rule_id: str
    level: str
    message: str
    urn: str | None
    resource_type: str | None
    resource_name: str | None
    description: str
    remediation: str


@dataclass(frozen=True)
class Report:
    stack: str | None
    tier: str | None
    violations: tuple[Violation, ...]

    def at_level(self, level: Level | str) -> list[Violation]:
        return [v for v in self.violations if v.level == Level(level).value]

    @property
    def mandatory(self) -> list[Violation]:
        return self.at_level(Level.MANDATORY)

    @property
    def advisory(self) -> list[Violation]:
        return self.at_level(Level.ADVISORY)

    @property
    def passed(self) -> bool:
        """True when nothing blocks the deployment (advisory findings are allowed)."""
        return not self.mandatory

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "tier": self.tier,
            "passed": self.passed,
            "mandatory": [asdict(v) for v in self.mandatory],
            "advisory": [asdict(v) for v in self.advisory],
        }

    def render_text(self) -> str:
        title = f"appstack policies: stack {self.stack or '?'} (tier {self.tier or '?'})"
        lines = [f"{title}: {len(self.mandatory)} mandatory, {len(self.advisory)} advisory violation(s)"]
        for level in (Level.MANDATORY, Level.ADVISORY):
            found = self.at_level(level)
            if not found:
                continue
            lines += ["", f"{level.value.upper()} ({len(found)})"]
            for v in found:
                where = f"{v.resource_type} {v.resource_name}" if v.resource_type else "(stack)"
                lines.append(f"  [{v.rule_id}] {where}: {v.message}")
                lines.append(f"      fix: {v.remediation}")
        return "\n".join(lines)


def to_resource(raw: Mapping[str, Any]) -> Resource:
    """A plan resource dict as the rules see it (normalized inputs, plan options)."""
    inputs = raw.get("inputs") or {}
    return Resource(
        urn=str(raw.get("urn", "")),
        type=str(raw.get("type", "")),
        name=str(raw.get("name", "")),
        inputs=normalize(inputs, reveal_secrets=True),
        secrets=frozenset(secret_paths(inputs)),
        options=dict(raw.get("options") or {}),
        dependencies=tuple(raw.get("dependencies") or ()),
        parent=raw.get("parent"),
    )


def run_rule(rule: Rule, stack: Stack, ctx: RuleContext) -> Iterable[tuple[Finding, Resource | None]]:
    """Findings of one rule, each with the resource it concerns (None: the stack)."""
    by_urn = {r.urn: r for r in stack.resources}
    if rule.is_stack_rule:
        for finding in rule.check(stack, ctx):
            yield finding, by_urn.get(finding.urn or "")
        return
    for resource in stack.resources:
        if resource.type in rule.resource_types:
            for message in rule.check(resource, ctx):
                yield Finding(message, resource.urn), resource


def evaluate(
    resources: Sequence[Mapping[str, Any]],
    *,
    stack_outputs: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    tier: str | None = None,
    stack: str | None = None,
    rules: Sequence[Rule] = ALL_RULES,
) -> Report:
    """Evaluate ``rules`` over plan resources; ``config`` is the stack's policy config."""
    view = Stack(
        resources=tuple(to_resource(r) for r in resources if r.get("type") != STACK_RESOURCE_TYPE),
        outputs=normalize(stack_outputs or {}),
    )
    violations = []
    for rule in rules:
        level = enforcement_level(rule, config)
        if level is Level.DISABLED:
            continue
        ctx = RuleContext(rule_settings(rule, config, tier=tier))
        for finding, resource in run_rule(rule, view, ctx):
            violations.append(
                Violation(
                    rule_id=rule.id,
                    level=level.value,
                    message=finding.message,
                    urn=finding.urn,
                    resource_type=resource.type if resource else None,
                    resource_name=resource.name if resource else None,
                    description=rule.description,
                    remediation=rule.remediation,
                )
            )
    violations.sort(key=lambda v: (v.level != Level.MANDATORY.value, v.rule_id, v.urn or "", v.message))
    return Report(stack=stack, tier=tier, violations=tuple(violations))


def evaluate_plan(
    plan: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    config_dir: str | Path | None = None,
) -> Report:
    """Evaluate an appstack.plan/v1 dict; without ``config`` the stack's config file is used."""
    if plan.get("format") != PLAN_FORMAT:
        raise ValueError(f"not an {PLAN_FORMAT} plan (format={plan.get('format')!r})")
    stack = plan.get("stack")
    if config is None:
        config = stack_config(stack, config_dir) if stack else {}
    return evaluate(
        plan.get("resources") or [],
        stack_outputs=plan.get("outputs") or {},
        config=config,
        tier=plan.get("tier"),
        stack=stack,
    )


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m appstack_policies",
        description="Evaluate the appstack policy pack against a plan from `appstack plan STACK --json`.",
    )
    parser.add_argument("plan", help="plan JSON file, or - for stdin")
    parser.add_argument("--stack", help="stack whose policy config to use (default: the plan's stack)")
    parser.add_argument("--config", help="policy config file (default: <config-dir>/<stack>.json)")
    parser.add_argument("--config-dir", help="directory of per-stack policy config files")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status: 0 no mandatory violation, 1 mandatory violation(s), 2 bad input."""
    args = _parse_args(argv)
    try:
        text = sys.stdin.read() if args.plan == "-" else Path(args.plan).read_text()
        plan = json.loads(text)
        if args.config:
            config = load_config_file(args.config)
        else:
            config = stack_config(args.stack or plan.get("stack") or "", args.config_dir)
        problems = config_problems(config, ALL_RULES)
        if problems:
            raise ValueError("invalid policy config: " + "; ".join(problems))
        report = evaluate_plan(plan, config=config)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report.to_dict(), indent=2) if args.format == "json" else report.render_text())
    return 0 if report.passed else 1
