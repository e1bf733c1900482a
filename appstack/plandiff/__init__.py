"""Offline plan diff: what a change to the app spec does to the infrastructure.

Public API::

    diff_plans(base, head) -> PlanDiff
    render_markdown(diff) / render_text(diff) / render_json(diff) -> str
    main_diff(argv) -> int      # `appstack plan diff ...`
"""

from .cli import EXIT_STATEFUL, main_diff, plan_at_ref
from .engine import PlanDiff, PlanFormatError, PropertyChange, ResourceDiff, diff_plans, diff_values
from .render import render_json, render_markdown, render_text
from .rules import RULES, stateful_types

__all__ = [
    "EXIT_STATEFUL", "RULES", "PlanDiff", "PlanFormatError", "PropertyChange", "ResourceDiff",
    "diff_plans", "diff_values", "main_diff", "plan_at_ref", "render_json", "render_markdown",
    "render_text", "stateful_types",
]
