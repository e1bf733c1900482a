"""appstack security policies: one rule set for `pulumi preview --policy-pack` and offline plans."""

from .catalog import ALL_RULES, RULES_BY_ID
from .config import DEFAULT_CONFIG_DIR, enforcement_level, load_config_file, stack_config
from .model import Finding, Level, Resource, Rule, RuleContext, Stack
from .runner import Report, Violation, evaluate, evaluate_plan, main
from .values import SECRET, SECRET_TEXT, UNKNOWN, UNKNOWN_TEXT, SecretValue

__all__ = [
    "ALL_RULES",
    "DEFAULT_CONFIG_DIR",
    "RULES_BY_ID",
    "SECRET",
    "SECRET_TEXT",
    "UNKNOWN",
    "UNKNOWN_TEXT",
    "Finding",
    "Level",
    "Report",
    "Resource",
    "Rule",
    "RuleContext",
    "SecretValue",
    "Stack",
    "Violation",
    "enforcement_level",
    "evaluate",
    "evaluate_plan",
    "load_config_file",
    "main",
    "stack_config",
]
