"""Identity and key material: IAM, KMS, Secrets Manager, and CloudWatch log groups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .model import ADVISORY, MANDATORY, Finding, Resource, RuleContext, RuleSet, Stack
from .values import (
    as_int,
    as_strings,
    is_opaque,
    items_of,
    must_be_true_but_is_not,
    parse_json_document,
    policy_statements,
)

IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_ROLE = "aws:iam/role:Role"
KMS_KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

ADMIN_ACTIONS = {"*", "*:*"}

rules = RuleSet()


def _permission_documents(r: Resource) -> Iterator[tuple[str, Any]]:
    if r.type in (IAM_POLICY, IAM_ROLE_POLICY):
        yield "policy", parse_json_document(r.get("policy"))
    elif r.type == IAM_ROLE:
        for inline in items_of(r.get("inlinePolicies")):
            if isinstance(inline, dict):
                yield f"inline policy {inline.get('name')}", parse_json_document(inline.get("policy"))


@rules.resource(
    "iam-no-wildcard-actions",
    MANDATORY,
    [IAM_POLICY, IAM_ROLE_POLICY, IAM_ROLE],
    'IAM policies must not allow every action ("*" or "*:*").',
    "List the specific actions the workload needs, scoped to its resources.",
)
def iam_no_wildcard_actions(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A wildcard action is administrator access: one leaked credential compromises the account."""
    for where, document in _permission_documents(r):
        for index, statement in enumerate(policy_statements(document)):
            if statement.get("Effect", "Allow") != "Allow":
                continue
            for action in as_strings(statement.get("Action")):
                if action in ADMIN_ACTIONS:
                    yield f"{where} statement {index} allows action {action}."


def _anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in as_strings(principal.get("AWS"))
    return False


@rules.resource(
    "iam-no-public-assume-role",
    MANDATORY,
    [IAM_ROLE],
    "IAM roles must not be assumable by any principal.",
    "Name the exact service or account principal in assumeRolePolicy, or add restricting Conditions.",
)
def iam_no_public_assume_role(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A role anyone can assume hands its permissions to every AWS account."""
    document = parse_json_document(r.get("assumeRolePolicy"))
    for index, statement in enumerate(policy_statements(document)):
        allows_anyone = statement.get("Effect", "Allow") == "Allow" and _anyone(statement.get("Principal"))
        if allows_anyone and not statement.get("Condition"):
            yield f"assumeRolePolicy statement {index} lets any principal assume the role."


@rules.resource(
    "kms-key-rotation",
    MANDATORY,
    [KMS_KEY],
    "Symmetric KMS keys must rotate automatically.",
    "Set enableKeyRotation to true.",
)
def kms_key_rotation(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Rotation limits how much data a single compromised key version protects."""
    spec = r.get("customerMasterKeySpec")
    if spec not in (None, "SYMMETRIC_DEFAULT"):
        return  # AWS only rotates symmetric encryption keys
    if must_be_true_but_is_not(r.get("enableKeyRotation")):
        yield "enableKeyRotation is not true."


@rules.resource(
    "secret-customer-managed-key",
    ADVISORY,
    [SECRET],
    "Secrets Manager secrets should be encrypted with a customer-managed KMS key.",
    "Set kmsKeyId to the stack's KMS key so access can be governed in the key policy.",
)
def secret_customer_managed_key(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A customer-managed key lets the key policy, not only IAM, decide who can decrypt the secret."""
    if r.get("kmsKeyId") is None:
        yield "kmsKeyId is not set: the secret uses the AWS-managed key."


@rules.stack(
    "secret-rotation",
    ADVISORY,
    "Secrets Manager secrets should be rotated automatically.",
    "Add a SecretRotation for the secret with a rotation lambda and rotationRules.",
    types=[SECRET, SECRET_ROTATION],
)
def secret_rotation(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Rotated credentials limit the useful life of a leaked secret."""
    rotations = stack.of_type(SECRET_ROTATION)
    for secret in stack.of_type(SECRET):
        if not any(rotation.depends_on(secret) for rotation in rotations):
            yield Finding("secret has no SecretRotation.", secret.urn)


@rules.resource(
    "log-group-retention",
    MANDATORY,
    [LOG_GROUP],
    "CloudWatch log groups must have a retention period.",
    "Set retentionInDays (e.g. 30 in dev, 365 in prod).",
)
def log_group_retention(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Log groups without retention grow (and bill) forever and keep personal data longer than needed."""
    retention = r.get("retentionInDays")
    if not is_opaque(retention) and not as_int(retention):
        yield "retentionInDays is not set: logs are kept forever."


@rules.resource(
    "log-group-retention-minimum",
    ADVISORY,
    [LOG_GROUP],
    "CloudWatch log groups should keep logs for at least the configured number of days.",
    "Raise retentionInDays to at least the configured minimumDays.",
    settings={"minimumDays": {"type": "integer", "minimum": 1, "default": 30}},
)
def log_group_retention_minimum(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Investigations need logs that reach back far enough."""
    days, minimum = as_int(r.get("retentionInDays")), int(ctx["minimumDays"])
    if days and days < minimum:  # unset is log-group-retention's finding
        yield f"retentionInDays is {days}; at least {minimum} recommended."


@rules.resource(
    "log-group-encrypted",
    ADVISORY,
    [LOG_GROUP],
    "CloudWatch log groups should be encrypted with a customer-managed KMS key.",
    "Set kmsKeyId to a KMS key whose policy allows the CloudWatch Logs service.",
)
def log_group_encrypted(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Logs often contain identifiers and tokens; a customer-managed key controls who can read them."""
    if r.get("kmsKeyId") is None:
        yield "kmsKeyId is not set."
