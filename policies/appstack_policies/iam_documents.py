"""What an IAM policy document effectively allows, and to whom.

Shared by the IAM rules and the S3 bucket-policy rule. Everything here reasons about the
effect of a document (wildcard matching, NotAction, conditions that do or do not narrow
the caller), not about particular spellings. Opaque parts never count against a document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .addresses import is_internet_wide
from .values import as_strings, is_opaque, policy_statements

# IAM actions that let a principal grant itself (or a role it can use) more permissions.
ESCALATION_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:AddUserToGroup",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
)
# Normal when scoped to named roles; escalation when any role will do.
PASS_ROLE_ACTIONS = ("iam:PassRole", "sts:AssumeRole")
ADMIN_ACTIONS = {"*", "*:*"}

# Condition keys that pin who the caller is (account, organization, ARN) or where the
# request comes from (own VPC endpoint, a bounded IP set). Lower-cased: keys are case-insensitive.
ACCOUNT_KEYS = {
    # kms:CallerAccount pins the caller's account in key policies (AWS-managed keys use it with
    # Principal "*"); AWS:SourceOwner is the SNS console default's account key, kept by AWS for
    # compatibility next to its replacement aws:SourceAccount. Where a service does not set one of
    # these keys, the positive test on it fails, so counting them as pins never widens a grant.
    "kms:calleraccount",
    "aws:sourceowner",
    "aws:principalaccount",
    "aws:sourceaccount",
    "aws:principalorgid",
    "aws:sourceorgid",
    "aws:userid",
    "aws:username",
    "aws:sourcevpce",
    "aws:sourcevpc",
}
ARN_KEYS = {"aws:principalarn", "aws:sourcearn"}
ORG_PATH_KEYS = {"aws:principalorgpaths", "aws:sourceorgpaths"}
SOURCE_IP = "aws:sourceip"
# Bool keys that confine a request to a network path inside the VPC, like aws:SourceVpce: EFS's
# AccessedViaMountTarget admits only clients that reach a mount target, which security groups gate
# (docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html, "EFS condition keys for clients").
NETWORK_PATH_FLAGS = {"elasticfilesystem:accessedviamounttarget"}
POSITIVE_OPERATORS = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}

GITHUB_OIDC = "token.actions.githubusercontent.com"
# repo:OWNER/REPO: then one branch, tag or environment, all literal.
PINNED_GITHUB_SUB = re.compile(r"^repo:[^/:*?]+/[^/:*?]+:(ref:refs/(heads|tags)/|environment:)[^*?]+$")


def action_matches(pattern: Any, action: str) -> bool:
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards."""
    if not isinstance(pattern, str):
        return False
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, action, re.IGNORECASE) is not None


def allows(statement: dict[str, Any]) -> bool:
    return statement.get("Effect", "Allow") == "Allow"


def every_resource(statement: dict[str, Any]) -> bool:
    """Resource "*", or NotResource (everything but a list)."""
    return statement.get("NotResource") is not None or "*" in as_strings(statement.get("Resource"))


def any_role(statement: dict[str, Any]) -> bool:
    """Resources that include every role (or everything)."""
    resources = as_strings(statement.get("Resource"))
    return every_resource(statement) or any(isinstance(r, str) and r.endswith((":role/*", ":*")) for r in resources)


def granted(statement: dict[str, Any], action: str) -> str | None:
    """The Action pattern (or "NotAction") through which an Allow statement grants ``action``."""
    if "NotAction" in statement:
        excluded = as_strings(statement.get("NotAction"))
        if any(is_opaque(p) for p in excluded):
            return None
        return None if any(action_matches(p, action) for p in excluded) else "NotAction"
    for pattern in as_strings(statement.get("Action")):
        if action_matches(pattern, action):
            return pattern
    return None


def escalations(statement: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(how, action) for each privilege-escalation action an Allow statement grants."""
    if not allows(statement):
        return
    reported: set[str] = set()
    candidates = [*ESCALATION_ACTIONS, *(PASS_ROLE_ACTIONS if any_role(statement) else ())]
    for action in candidates:
        how = granted(statement, action)
        if how is None or how in ADMIN_ACTIONS or how in reported:
            continue  # "*" is iam-no-wildcard-actions' finding
        reported.add(how)
        yield how, action


def anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in as_strings(principal.get("AWS"))
    return False


def open_to_anyone(statement: dict[str, Any]) -> bool:
    """An Allow whose principal is everyone: "*", {"AWS": "*"}, or any NotPrincipal."""
    return allows(statement) and (anyone(statement.get("Principal")) or statement.get("NotPrincipal") is not None)


def public_grants(document: Any) -> Iterator[tuple[int, str]]:
    """(statement index, its actions) for each Allow statement of a resource policy that any principal
    may use: Principal "*" (or NotPrincipal) and no Condition that pins the caller."""
    for index, statement in enumerate(policy_statements(document)):
        if open_to_anyone(statement) and not restricts_caller(statement.get("Condition")):
            actions = ", ".join(str(a) for a in as_strings(statement.get("Action") or statement.get("NotAction")))
            yield index, actions or "its actions"


def _value_pins(key: str, value: Any) -> bool:
    if is_opaque(value):
        return True
    text = str(value)
    if set(text) <= {"*", "?"}:
        return False
    if key in ARN_KEYS:
        parts = text.split(":")
        account = parts[4] if len(parts) > 5 else ""
        pinned = account if account else text  # arn:aws:s3:::bucket has no account field
        return not any(c in pinned for c in "*?")
    if key in ORG_PATH_KEYS:
        return not any(c in text.split("/")[0] for c in "*?")
    return not any(c in text for c in "*?")


def _network_path_pinned(tests: dict[str, Any]) -> bool:
    for key, values in tests.items():
        flags = as_strings(values)
        if str(key).lower() in NETWORK_PATH_FLAGS and flags:
            return all(is_opaque(v) or str(v).lower() == "true" for v in flags)
    return False


def restricts_caller(condition: Any) -> bool:
    """True when the Condition narrows who may call (or is opaque); False when it is vacuous,
    e.g. only aws:SecureTransport, StringLike "*", an IfExists or ForAllValues test, or a
    negated operator."""
    if is_opaque(condition):
        return True
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        op = str(operator).lower()
        if op.startswith("forallvalues:") or op.endswith("ifexists"):
            continue  # true when the key is absent
        op = op.split(":")[-1]
        if op == "bool" and isinstance(tests, dict) and _network_path_pinned(tests):
            return True
        if op not in POSITIVE_OPERATORS or not isinstance(tests, dict):
            continue
        if is_opaque(tests):
            return True
        for key, values in tests.items():
            key = str(key).lower()
            values = as_strings(values)
            if not values:
                continue
            if key == SOURCE_IP:
                if op == "ipaddress" and (any(is_opaque(v) for v in values) or not is_internet_wide(values)):
                    return True
            elif key in ACCOUNT_KEYS | ARN_KEYS | ORG_PATH_KEYS and all(_value_pins(key, v) for v in values):
                return True
    return False


def _github_trust(statement: dict[str, Any]) -> bool:
    federated = (
        statement.get("Principal", {}).get("Federated") if isinstance(statement.get("Principal"), dict) else None
    )
    if any(isinstance(f, str) and GITHUB_OIDC in f for f in as_strings(federated)):
        return True
    condition = statement.get("Condition")
    return isinstance(condition, dict) and any(
        isinstance(tests, dict) and any(str(k).lower().startswith(GITHUB_OIDC) for k in tests)
        for tests in condition.values()
    )


def github_sub_problem(statement: dict[str, Any]) -> str | None:
    """Why a GitHub Actions OIDC trust statement lets more than one repository and ref in, or None."""
    if not allows(statement) or not _github_trust(statement):
        return None
    condition = statement.get("Condition")
    if is_opaque(condition):
        return None
    subs: list[Any] = []
    for operator, tests in (condition or {}).items():
        op = str(operator).lower()
        if (
            op.split(":")[-1] not in ("stringequals", "stringlike")
            or op.endswith("ifexists")
            or not isinstance(tests, dict)
        ):
            continue
        subs += [v for k, values in tests.items() if str(k).lower() == f"{GITHUB_OIDC}:sub" for v in as_strings(values)]
    if not subs:
        return f"without a {GITHUB_OIDC}:sub condition, so any repository's workflow can assume it"
    for sub in subs:
        if not is_opaque(sub) and not PINNED_GITHUB_SUB.match(str(sub)):
            return f"for sub {sub}, which is not one repository and one branch, tag or environment"
    return None
