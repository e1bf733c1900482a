"""Identity and key material: IAM, KMS, Secrets Manager, and CloudWatch log groups."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .iam_documents import (
    ADMIN_ACTIONS,
    allows,
    escalations,
    every_resource,
    github_sub_problem,
    open_to_anyone,
    restricts_caller,
)
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
IAM_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
IAM_GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
IAM_ROLE = "aws:iam/role:Role"
KMS_KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

PERMISSION_TYPES = [IAM_POLICY, IAM_ROLE_POLICY, IAM_USER_POLICY, IAM_GROUP_POLICY, IAM_ROLE]
# Where a managed policy ARN is attached: one policyArn, or a list.
ATTACHMENT_ARN = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    IAM_ROLE: "managedPolicyArns",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
}
# AWS-managed policies (arn:<partition>:iam::aws:policy/...) that grant administrator-like reach.
ADMIN_MANAGED_POLICY = re.compile(
    r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?(AdministratorAccess[^/]*|PowerUserAccess|[^/]*FullAccess[^/]*)$"
)

rules = RuleSet()


def _permission_documents(r: Resource) -> Iterator[tuple[str, Any]]:
    if r.type == IAM_ROLE:
        for inline in items_of(r.get("inlinePolicies")):
            if isinstance(inline, dict):
                yield f"inline policy {inline.get('name')}", parse_json_document(inline.get("policy"))
    else:
        yield "policy", parse_json_document(r.get("policy"))


def _allow_statements(r: Resource) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, document in _permission_documents(r):
        for index, statement in enumerate(policy_statements(document)):
            if allows(statement):
                yield f"{where} statement {index}", statement


@rules.resource(
    "iam-no-wildcard-actions",
    MANDATORY,
    PERMISSION_TYPES,
    'IAM policies must not allow every action ("*" or "*:*", or NotAction on every resource).',
    "List the specific actions the workload needs, scoped to its resources; never Allow with NotAction on *.",
)
def iam_no_wildcard_actions(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A wildcard action is administrator access: one leaked credential compromises the account. Allow with
    NotAction on every resource is the same, minus a short list.
    """
    for where, statement in _allow_statements(r):
        if "NotAction" in statement:
            if every_resource(statement):
                yield f"{where} allows every action except its NotAction list on every resource."
            continue
        for action in as_strings(statement.get("Action")):
            if action in ADMIN_ACTIONS:
                yield f"{where} allows action {action}."


@rules.resource(
    "iam-no-privilege-escalation",
    MANDATORY,
    PERMISSION_TYPES,
    "IAM policies must not grant actions that escalate privileges (iam:* and the like, or PassRole on any role).",
    "Grant IAM write actions to no workload; scope iam:PassRole and sts:AssumeRole to named role ARNs.",
)
def iam_no_privilege_escalation(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A principal that can attach or write policies, mint keys, or pass any role can make itself an
    administrator, whatever its other statements say.
    """
    for where, statement in _allow_statements(r):
        for how, action in escalations(statement):
            via = "NotAction" if how == "NotAction" else f"action {how}"
            yield f"{where} grants {action} through {via} (privilege escalation)."


@rules.resource(
    "iam-no-admin-managed-policy",
    MANDATORY,
    list(ATTACHMENT_ARN),
    "Principals must not get AWS-managed administrator or full-access policies (AdministratorAccess, "
    "PowerUserAccess, *FullAccess).",
    "Write a customer-managed policy with the actions and resources the workload needs.",
)
def iam_no_admin_managed_policy(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """AWS-managed admin and full-access policies grant far more than any one workload needs, through an ARN
    that no wildcard check sees.
    """
    field = ATTACHMENT_ARN[r.type]
    arns = r.get(field)
    for index, arn in enumerate(as_strings(arns)):
        match = ADMIN_MANAGED_POLICY.match(arn) if isinstance(arn, str) else None
        if match:
            where = f"{field}[{index}]" if isinstance(arns, list) else field
            yield f"{where} attaches the AWS-managed policy {match.group(1)}."


def _trust_statements(r: Resource) -> Iterator[tuple[int, dict[str, Any]]]:
    yield from enumerate(policy_statements(parse_json_document(r.get("assumeRolePolicy"))))


@rules.resource(
    "iam-no-public-assume-role",
    MANDATORY,
    [IAM_ROLE],
    "IAM roles must not be assumable by any principal.",
    "Name the exact service or account principal in assumeRolePolicy, or add a Condition that pins the "
    "caller (aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn).",
)
def iam_no_public_assume_role(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A role anyone can assume hands its permissions to every AWS account; a condition that does not pin the
    caller (aws:SecureTransport, StringLike "*", IfExists) changes nothing.
    """
    for index, statement in _trust_statements(r):
        if not open_to_anyone(statement):
            continue
        where = f"assumeRolePolicy statement {index}"
        if not statement.get("Condition"):
            yield f"{where} lets any principal assume the role."
        elif not restricts_caller(statement.get("Condition")):
            yield f"{where} lets any principal assume the role (its Condition does not pin the caller)."


@rules.resource(
    "iam-github-oidc-trust-pinned",
    MANDATORY,
    [IAM_ROLE],
    "A role trusting GitHub Actions OIDC must pin the token's sub to one repository and one branch, tag or "
    "environment.",
    'Add Condition StringEquals {"token.actions.githubusercontent.com:sub": '
    '"repo:OWNER/REPO:environment:production"} (or ref:refs/heads/main) next to the aud check.',
)
def iam_github_oidc_trust_pinned(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Every GitHub workflow in every repository gets tokens from the same issuer with the same audience: an
    aud-only trust lets any of them, including a pull request's, assume the role.
    """
    for index, statement in _trust_statements(r):
        problem = github_sub_problem(statement)
        if problem:
            yield f"assumeRolePolicy statement {index} trusts GitHub Actions OIDC {problem}."


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
