"""The rule model shared by the Pulumi policy pack and the offline runner.

A rule is plain data plus a check function over normalized values (see values.py).
Resource rules yield messages for one resource; stack rules yield Findings that
may point at any resource of the stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .values import lookup


class Level(StrEnum):
    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    DISABLED = "disabled"


MANDATORY = Level.MANDATORY
ADVISORY = Level.ADVISORY

STACK_RESOURCE_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Resource:
    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    options: Mapping[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    parent: str | None = None
    # Input paths the program marked secret (values.secret_paths); the inputs hold their plaintext.
    secrets: frozenset[str] = frozenset()

    def get(self, path: str) -> Any:
        return lookup(self.inputs, path)

    def depends_on(self, other: Resource) -> bool:
        return other.urn in self.dependencies


@dataclass(frozen=True)
class Stack:
    resources: tuple[Resource, ...]
    outputs: Any = None

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]


@dataclass(frozen=True)
class Finding:
    message: str
    urn: str | None = None


@dataclass(frozen=True)
class RuleContext:
    """Per-rule settings (config schema defaults overlaid with the stack's policy config)."""

    settings: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.settings[name]

    @property
    def is_prod(self) -> bool:
        return self.settings.get("tier") == "prod"


ResourceCheck = Callable[[Resource, RuleContext], Iterable[str]]
StackCheck = Callable[[Stack, RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    description: str
    remediation: str
    check: Callable[..., Iterable[Any]]
    resource_types: tuple[str, ...] = ()
    is_stack_rule: bool = False
    # JSON-schema properties of the rule's policy config (each with a "default").
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def why(self) -> str:
        """The check function's docstring: why the rule exists."""
        return " ".join((self.check.__doc__ or "").split())

    @property
    def area(self) -> str:
        return self.check.__module__.rsplit(".", 1)[-1]


# The tier decides prod-only rules. Default "prod": forgetting the config fails closed.
TIER_SETTING: dict[str, Mapping[str, Any]] = {
    "tier": {
        "type": "string",
        "enum": ["dev", "prod"],
        "default": "prod",
        "description": "Stack tier; prod-only checks apply when this is 'prod'.",
    }
}


class RuleSet:
    """Collects the rules of one module through decorators."""

    def __init__(self) -> None:
        self.all: list[Rule] = []

    def resource(
        self,
        rule_id: str,
        level: Level,
        types: Iterable[str],
        description: str,
        remediation: str,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Callable[[ResourceCheck], ResourceCheck]:
        def register(check: ResourceCheck) -> ResourceCheck:
            self.all.append(Rule(rule_id, level, description, remediation, check, tuple(types), False, settings or {}))
            return check

        return register

    def stack(
        self,
        rule_id: str,
        level: Level,
        description: str,
        remediation: str,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        types: Iterable[str] = (),
    ) -> Callable[[StackCheck], StackCheck]:
        def register(check: StackCheck) -> StackCheck:
            self.all.append(Rule(rule_id, level, description, remediation, check, tuple(types), True, settings or {}))
            return check

        return register
