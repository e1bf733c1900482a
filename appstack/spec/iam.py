"""Extra IAM statements for a workload's task role (AWS): typed, and refused before anything is registered
when AWS would reject them or when they would make the workload an administrator.

The escalation list is the policy pack's (appstack_policies.iam_documents), so the spec and the pack never
disagree about what escalates privileges.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from appstack_policies.iam_documents import PASS_ROLE_ACTIONS, escalations
from pydantic import AfterValidator, Field, model_validator

from .base import Strict

# service prefix, ':', the action name; wildcards (* and ?) only in the action name.
ACTION = re.compile(r"^[a-z0-9][a-z0-9-]*:[A-Za-z0-9*?]+$")
# arn:partition:service:region:account:resource (the IAM user guide's ARN format); region and account may
# be empty (S3, IAM) or '*'; `aws` is the account of AWS-managed resources.
ARN = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov|\*):([a-z0-9][a-z0-9-]*|\*):([a-z0-9-]*|\*):(\d{12}|\*|aws|):([!-~]+)$"
)
OPERATORS = frozenset({
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
    "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals", "DateLessThan",
    "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress",
    "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
})
CONDITION_KEY = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9_./:@+=,-]+$")
# IAM counts a role's inline policies together (10,240 characters, whitespace not counted; IAM quotas). Half
# is left for the statements appstack writes itself (buckets, volumes, Prometheus), as the env check does.
STATEMENTS_MAX_CHARS = 5120
# What IAM spells differently, or what appstack never takes, with what to write instead.
_NOT_ACTION = "NotAction is not supported: it grants everything but a list; list the actions the workload needs"
_NOT_RESOURCE = "NotResource is not supported: it covers everything but a list; list the resources it uses"
_PRINCIPAL = "a task role's policy names no principal (the role is the principal)"
REFUSED_KEYS = {
    "NotAction": _NOT_ACTION, "not_actions": _NOT_ACTION, "NotResource": _NOT_RESOURCE,
    "not_resources": _NOT_RESOURCE, "Principal": _PRINCIPAL, "principal": _PRINCIPAL, "NotPrincipal": _PRINCIPAL,
    "Effect": "'Effect' is IAM's spelling: write effect",
    "Action": "'Action' is IAM's spelling: write actions (a list)",
    "Resource": "'Resource' is IAM's spelling: write resources (a list)",
    "Condition": "'Condition' is IAM's spelling: write condition",
}


def _action(value: str) -> str:
    if value == "*" or value.startswith("*:"):
        raise ValueError(f"'{value}' grants every action of every service: never allowed")
    if not ACTION.fullmatch(value):
        raise ValueError(f"'{value}' is not an action such as s3:GetObject (service:Action, wildcards * and ? "
                         "only after the ':')")
    return value


def _resource(value: str) -> str:
    if value == "*":
        return value
    if "$" in value:
        raise ValueError(f"'{value}': policy variables and ${{bindings}} are not supported here; give the ARN")
    if not ARN.fullmatch(value):
        raise ValueError(f"'{value}' is not an ARN (arn:partition:service:region:account:resource) or '*'")
    return value


Action = Annotated[str, AfterValidator(_action)]
Resource = Annotated[str, AfterValidator(_resource)]
ConditionValue = str | int | bool


def every_resource(resource: str) -> bool:
    """'*', or an ARN whose resource part is only wildcards (arn:aws:s3:::*: every bucket)."""
    return resource == "*" or (resource.startswith("arn:") and set(resource.split(":", 5)[5]) <= {"*", "/", ":"})


class IamStatement(Strict):
    """One statement added to the workload's task role (AWS only): what the app's code may call."""

    effect: Literal["Allow", "Deny"] = "Allow"
    actions: list[Action] = Field(min_length=1, max_length=100, description="service:Action, e.g. sqs:SendMessage")
    resources: list[Resource] = Field(
        min_length=1, max_length=100, description="ARNs (wildcards allowed in the resource part) or '*'"
    )
    condition: dict[str, dict[str, ConditionValue | list[ConditionValue]]] | None = Field(
        None, description="IAM condition block: operator -> {condition key: value or values}"
    )

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, why in REFUSED_KEYS.items():
                if key in data:
                    raise ValueError(why)
        return data

    @model_validator(mode="after")
    def _safe(self) -> IamStatement:
        for operator, tests in (self.condition or {}).items():
            base = re.sub(r"^(ForAllValues|ForAnyValue):", "", operator)
            base = base if base == "Null" else base.removesuffix("IfExists")
            if base not in OPERATORS:
                raise ValueError(f"condition: unknown operator '{operator}'")
            if not tests:
                raise ValueError(f"condition.{operator}: give at least one condition key")
            bad = [key for key, values in tests.items() if not CONDITION_KEY.fullmatch(key) or values == []]
            if bad:
                raise ValueError(f"condition.{operator}: '{bad[0]}' needs a key such as aws:SourceVpce and a value")
        if len(set(self.actions)) != len(self.actions) or len(set(self.resources)) != len(self.resources):
            raise ValueError("lists an action or a resource twice")
        if self.effect == "Deny":
            return self  # a Deny only takes permissions away
        everything = [r for r in self.resources if every_resource(r)]
        wild = [a for a in self.actions if "*" in a or "?" in a]
        if everything and wild:
            raise ValueError(f"wildcard action {wild[0]} on every resource ({everything[0]}): name the actions, "
                             "or scope the resources to ARNs")
        for how, action in escalations(self.document(0)):
            via = "" if how == action else f" through {how}"
            scope = "; scope it to named role ARNs" if action in PASS_ROLE_ACTIONS else ""
            raise ValueError(f"grants {action}{via}, which lets the workload raise its own permissions "
                             f"(privilege escalation){scope}")
        return self

    def document(self, index: int) -> dict[str, Any]:
        """The statement as the task role's policy holds it (Sid Spec<index>, unique within the policy)."""
        statement: dict[str, Any] = {"Sid": f"Spec{index}", "Effect": self.effect, "Action": list(self.actions),
                                     "Resource": list(self.resources)}
        if self.condition:
            statement["Condition"] = self.condition
        return statement


def statements_size(statements: list[IamStatement]) -> int:
    """Characters IAM counts for these statements (JSON without whitespace)."""
    rendered = json.dumps([s.document(i) for i, s in enumerate(statements)], separators=(",", ":"))
    return len("".join(rendered.split()))


def _fits(statements: list[IamStatement]) -> list[IamStatement]:
    size = statements_size(statements)
    if size > STATEMENTS_MAX_CHARS:
        raise ValueError(f"the statements take {size} characters; at most {STATEMENTS_MAX_CHARS} (half of IAM's "
                         "10,240 for all of a role's inline policies, the rest is appstack's own)")
    return statements


IamStatements = Annotated[list[IamStatement], AfterValidator(_fits)]
