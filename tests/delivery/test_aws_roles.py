"""The AWS side of delivery (delivery/aws/): one GitHub OIDC role per stack, its key and its state.

What must hold, evaluated from the documents themselves (explicit Deny wins, a key policy without an
account-root statement ignores IAM policies):
- a role trusts only GitHub Actions jobs of this repository running in its stack's environment
  (`sub` pinned with StringEquals, `aud` = sts.amazonaws.com; never `aud` alone, no wildcard);
- a stack's secrets key is usable by its deploy role (and the MFA-gated admin role that sets secrets)
  and by nobody else, whatever their IAM policies say;
- a stack's state objects are readable and writable by its deploy role only (and the admin role);
- the prod deploy role manages exactly the AWS services the prod plan uses, and never the delivery
  roles, users, access keys, managed policies or identity providers;
- every stack the workflows can deploy (the root stacks and every split's, stacks.py `all_layouts`) has its
  documents; a split's app stack role reads its environment stack's outputs (the state's current
  checkpoint, and Decrypt with the environment's key: Pulumi builds the referenced stack's secrets manager
  when it loads that state) and writes nothing of it; an AWS app stack role manages its own app's
  resources, by name where the ARN carries one, and none of another app's or of the environment's.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from moto.iam.policy_validation import IAMPolicyDocumentValidator, IAMTrustPolicyDocumentValidator

from appstack.synth import SECRET, mask, stack_config
from tests.conftest import synth_stack

from .workflow_rules import stacks_script

ROOT = Path(__file__).resolve().parents[2]
AWS = ROOT / "delivery" / "aws"
ACCOUNT, REPO, BUCKET, PROJECT = "111122223333", "example-org/appstack", "example-pulumi-state", "appstack"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/appstack-admin"
GITHUB_OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
_stacks = stacks_script()
STACKS = {entry["stack"]: entry for entry in _stacks.layout(ROOT)["all_layouts"]}
# a split's environment stack -> its app stacks (their roles read its outputs)
READERS = {env["stack"]: [e["stack"] for e in STACKS.values() if e["mode"] == "app" and e["project_dir"] == env["project_dir"]]
           for env in STACKS.values() if env["mode"] == "environment"}
ENVIRONMENT_OF = {app: env for env, apps in READERS.items() for app in apps}
APPS = ("claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage")
# Pulumi type module -> the IAM service prefixes managing it.
SERVICES = {
    "acm": {"acm"}, "amp": {"aps"}, "appautoscaling": {"application-autoscaling"}, "cloudfront": {"cloudfront"},
    "cloudwatch": {"cloudwatch", "logs"}, "ec2": {"ec2"}, "vpc": {"ec2"}, "ecr": {"ecr"}, "ecs": {"ecs"},
    "efs": {"elasticfilesystem"}, "elasticache": {"elasticache"}, "iam": {"iam"}, "kms": {"kms"},
    "lb": {"elasticloadbalancing"}, "rds": {"rds"}, "s3": {"s3"}, "secretsmanager": {"secretsmanager"},
    "servicediscovery": {"servicediscovery"}, "sns": {"sns"},
}


def deploy_role(stack: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/appstack-deploy-{stack}"


def _doc(*parts: str) -> dict:
    return json.loads(AWS.joinpath(*parts).read_text())


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def _statements(doc: dict) -> list[dict]:
    return _list(doc["Statement"])


def _matches(patterns, value: str) -> bool:
    return any(fnmatchcase(value, p) for p in _list(patterns))


def _principals(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    return [p for values in (principal or {}).values() for p in _list(values)]


def _documents():
    for path in sorted(AWS.rglob("*.json")):
        validator = IAMTrustPolicyDocumentValidator if path.name == "trust-policy.json" else IAMPolicyDocumentValidator
        yield path, validator


@pytest.mark.parametrize(("path", "validator"), list(_documents()), ids=lambda v: getattr(v, "name", ""))
def test_every_document_is_valid_iam(path, validator):
    text = path.read_text()
    validator(text).validate()
    document = json.loads(text)
    assert document["Version"] == "2012-10-17"
    sids = [s.get("Sid") for s in _statements(document)]
    assert all(sids) and len(set(sids)) == len(sids), path


def test_one_role_per_stack_and_one_key_per_kms_stack():
    assert {p.name for p in AWS.iterdir() if p.is_dir()} == set(STACKS)
    for stack, entry in STACKS.items():
        files = {p.name for p in (AWS / stack).iterdir()}
        expected = {"trust-policy.json", "deploy-policy.json"}
        if entry["secrets_provider"] == "awskms":
            expected.add("kms-key-policy.json")
        assert files == expected, stack


# --- trust ---------------------------------------------------------------------------------------

def trust_problems(document: dict, stack: str) -> list[str]:
    """Why a trust policy would let more than GitHub jobs of this repository in the stack's environment in."""
    problems = []
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        where = statement.get("Sid", "?")
        if _principals(statement) != [GITHUB_OIDC] or _list(statement["Action"]) != ["sts:AssumeRoleWithWebIdentity"]:
            problems.append(f"{where}: trusts {_principals(statement)} for {statement['Action']}: only the GitHub "
                            "OIDC provider, for sts:AssumeRoleWithWebIdentity")
        condition = statement.get("Condition") or {}
        if set(condition) != {"StringEquals"}:
            problems.append(f"{where}: conditions {sorted(condition)}: only StringEquals (exact values, no wildcard)")
        equals = condition.get("StringEquals") or {}
        if equals.get("token.actions.githubusercontent.com:aud") != "sts.amazonaws.com":
            problems.append(f"{where}: aud must be exactly sts.amazonaws.com")
        sub = equals.get("token.actions.githubusercontent.com:sub")
        if sub != f"repo:{REPO}:environment:{stack}":
            problems.append(f"{where}: sub {sub!r} must be exactly repo:{REPO}:environment:{stack}")
    return problems


def test_each_role_trusts_its_stack_environment_only():
    for stack in STACKS:
        document = _doc(stack, "trust-policy.json")
        assert trust_problems(document, stack) == []
        assert len(_statements(document)) == 1


def _condition(**equals):
    return {"StringEquals": equals}


AUD = "token.actions.githubusercontent.com:aud"
SUB = "token.actions.githubusercontent.com:sub"


@pytest.mark.parametrize(("condition", "phrase"), [
    (_condition(**{AUD: "sts.amazonaws.com"}), "sub None must be exactly"),  # aud alone: any repository on GitHub
    ({"StringEquals": {AUD: "sts.amazonaws.com"}, "StringLike": {SUB: f"repo:{REPO}:*"}}, "only StringEquals"),
    (_condition(**{AUD: "sts.amazonaws.com", SUB: f"repo:{REPO}:pull_request"}), "must be exactly"),
    (_condition(**{AUD: "sts.amazonaws.com", SUB: f"repo:{REPO}:ref:refs/heads/main"}), "must be exactly"),
    (_condition(**{AUD: "sts.amazonaws.com", SUB: f"repo:{REPO}:environment:dev"}), "must be exactly"),
    (_condition(**{AUD: "sts.amazonaws.com", SUB: [f"repo:{REPO}:environment:prod", f"repo:{REPO}:pull_request"]}),
     "must be exactly"),
    (_condition(**{SUB: f"repo:{REPO}:environment:prod"}), "aud must be exactly"),
    ({"ForAnyValue:StringEquals": {AUD: "sts.amazonaws.com", SUB: f"repo:{REPO}:environment:prod"}},
     "only StringEquals"),
])
def test_a_trust_that_lets_more_in_is_refused(condition, phrase):
    document = _doc("prod", "trust-policy.json")
    document["Statement"][0]["Condition"] = condition
    IAMTrustPolicyDocumentValidator(json.dumps(document)).validate()  # valid IAM, still refused
    assert any(phrase in p for p in trust_problems(document, "prod"))


def test_a_second_trusted_principal_is_refused():
    document = _doc("prod", "trust-policy.json")
    document["Statement"].append({"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                  "Action": "sts:AssumeRole"})
    assert any("only the GitHub OIDC provider" in p for p in trust_problems(document, "prod"))


# --- evaluation ----------------------------------------------------------------------------------

def _condition_holds(condition: dict, context: dict) -> bool:
    """The few operators these documents use, evaluated against a request context."""
    for operator, checks in (condition or {}).items():
        for key, expected in checks.items():
            actual = context.get(key)
            expected = _list(expected)
            if operator == "ArnNotEquals":
                holds = actual not in expected
            elif operator == "StringEquals":
                holds = actual in expected
            elif operator == "StringNotEquals":  # an absent key matches no value: the negation holds
                holds = actual not in expected
            elif operator == "Null":  # "true": the key is absent, "false": present
                holds = (actual is None) == (str(expected[0]).lower() == "true")
            elif operator == "Bool":
                holds = str(actual).lower() in [str(e).lower() for e in expected]
            elif operator == "ForAnyValue:StringEquals":
                holds = any(a in expected for a in _list(actual or []))
            elif operator == "ForAnyValue:StringLike":
                holds = any(_matches(expected, a) for a in _list(actual or []))
            elif operator == "ForAllValues:StringNotEquals":
                holds = all(a not in expected for a in _list(actual or []))
            elif operator == "ForAllValues:StringEquals":  # an absent key holds: every one of no values matches
                holds = all(a in expected for a in _list(actual or []))
            else:
                raise AssertionError(f"operator {operator} is not modelled by this test")
            if not holds:
                return False
    return True


def _applies(statement: dict, action: str, resource: str, context: dict, principal: str | None = None) -> bool:
    if principal is not None and not _matches(_principals(statement), principal):
        return False
    acts = _matches(statement["Action"], action) if "Action" in statement else not _matches(statement["NotAction"], action)
    return (acts and _matches(statement.get("Resource", "*"), resource)
            and _condition_holds(statement.get("Condition"), context))


def _decide(document: dict, action: str, resource: str, context: dict, principal: str | None = None) -> str:
    """'deny' (explicit), 'allow' or 'none' (implicit deny) for one policy."""
    effects = {s["Effect"] for s in _statements(document) if _applies(s, action, resource, context, principal)}
    return "deny" if "Deny" in effects else "allow" if "Allow" in effects else "none"


def _context(role: str, **extra) -> dict:
    return {"aws:PrincipalArn": role, "aws:MultiFactorAuthPresent": "false", **extra}


# --- secrets keys --------------------------------------------------------------------------------

KMS_STACKS = [s for s, e in STACKS.items() if e["secrets_provider"] == "awskms"]
CRYPTO = ("kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey", "kms:CreateGrant")


def _alias_and_region(stack: str) -> tuple[str, str]:
    url = urlsplit(STACKS[stack]["secrets_provider_url"])
    return f"{url.netloc}{url.path}", parse_qs(url.query)["region"][0]


def can_use_key(key_stack: str, role: str, action: str, *, mfa: bool = False,
                key_policy: dict | None = None) -> bool:
    """Key policy AND the role's identity policy (the key policy names principals; no IAM delegation)."""
    alias, region = _alias_and_region(key_stack)
    key = f"arn:aws:kms:{region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    context = _context(role, **{"aws:MultiFactorAuthPresent": str(mfa).lower(), "kms:ResourceAliases": [alias]})
    policy = key_policy or _doc(key_stack, "kms-key-policy.json")
    by_key = _decide(policy, action, "*", context, principal=role)
    root_delegates = any(_matches(_principals(s), f"arn:aws:iam::{ACCOUNT}:root") or _principals(s) == ["*"]
                         for s in _statements(policy) if s["Effect"] == "Allow")
    stack = role.rsplit("appstack-deploy-", 1)[-1] if "appstack-deploy-" in role else None
    by_identity = _decide(_doc(stack, "deploy-policy.json"), action, key, context) if stack in STACKS else "allow"
    if "deny" in (by_key, by_identity):
        return False
    return by_key == "allow" and by_identity == "allow" or root_delegates and by_identity == "allow"


@pytest.mark.parametrize("key_stack", KMS_STACKS)
def test_only_the_stack_deploy_role_and_the_mfa_admin_use_the_stack_key(key_stack):
    readers = READERS.get(key_stack, [])  # an environment stack's app stacks: Decrypt, to read its outputs
    for action in CRYPTO[:2]:
        assert can_use_key(key_stack, deploy_role(key_stack), action)
        assert can_use_key(key_stack, ADMIN, action, mfa=True)
        assert not can_use_key(key_stack, ADMIN, action)  # without MFA
        for other in set(STACKS) - {key_stack}:
            expected = action == "kms:Decrypt" and other in readers
            assert can_use_key(key_stack, deploy_role(other), action) is expected, (other, action)
        assert not can_use_key(key_stack, f"arn:aws:iam::{ACCOUNT}:role/some-admin", action)
    for action in CRYPTO[2:]:  # never needed by the secrets provider
        for role_stack in (key_stack, *readers):
            assert not can_use_key(key_stack, deploy_role(role_stack), action)
    deny = [s for s in _statements(_doc(key_stack, "kms-key-policy.json")) if s["Effect"] == "Deny"]
    exceptions = {tuple(sorted(_list(s["Action"]))): sorted(s["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]) for s in deny}
    if readers:
        assert exceptions == {
            ("kms:CreateGrant", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"): sorted([deploy_role(key_stack), ADMIN]),
            ("kms:Decrypt",): sorted([deploy_role(key_stack), ADMIN, *map(deploy_role, readers)])}
    else:
        assert list(exceptions.values()) == [sorted([deploy_role(key_stack), ADMIN])]


def test_an_app_stack_role_decrypts_its_environment_key_and_nothing_more_of_it():
    assert {"prod-env": [f"prod-{a}" for a in APPS], "prod-k8s-env": [f"prod-k8s-{a}" for a in APPS]} == READERS
    for app_stack, env_stack in ENVIRONMENT_OF.items():
        policy = _doc(app_stack, "deploy-policy.json")
        alias, region = _alias_and_region(env_stack)
        context = _context(deploy_role(app_stack), **{"kms:ResourceAliases": [alias]})
        key = f"arn:aws:kms:{region}:{ACCOUNT}:key/k"
        assert _decide(policy, "kms:Decrypt", key, context) == "allow"
        for action in ("kms:Encrypt", "kms:GenerateDataKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CreateGrant"):
            assert _decide(policy, action, key, context) != "allow", (app_stack, action)
        if STACKS[app_stack]["platform"] == "aws":  # it manages its app's own key (kms:*): an explicit Deny
            tagged = {**context, "aws:ResourceTag/appstack:app": app_stack.removeprefix("prod-")}
            assert _decide(policy, "kms:PutKeyPolicy", key, tagged) == "deny"
        for other_env in set(READERS) - {env_stack}:
            assert not can_use_key(other_env, deploy_role(app_stack), "kms:Decrypt")


@pytest.mark.parametrize(("env_stack", "holds_secrets"), [("prod-env", False), ("prod-k8s-env", True)])
def test_what_an_app_stack_role_can_decrypt_of_its_environment(env_stack, holds_secrets):
    # Decrypt with the environment's key opens every secret of its state (docs/delivery.md says which)
    synthesis = _synth(env_stack)
    masked = json.dumps([r.masked() for r in synthesis.resources] + [mask(synthesis.outputs)])
    secret_config = stack_config(env_stack, ROOT / STACKS[env_stack]["project_dir"])[1]
    assert (SECRET in masked or bool(secret_config)) is holds_secrets


def test_an_environment_key_that_lets_an_app_stack_encrypt_is_refused():
    widened = _doc("prod-env", "kms-key-policy.json")
    next(s for s in widened["Statement"] if s["Sid"] == "NobodyElseEncryptsWithThisKey")["Condition"]["ArnNotEquals"][
        "aws:PrincipalArn"].append(deploy_role("prod-zmage"))
    reader = next(s for s in widened["Statement"] if s["Sid"] == "AppStackRolesDecryptOnlyToReadThisStacksOutputs")
    reader["Action"] = ["kms:Decrypt", "kms:Encrypt"]
    # the app role's own policy still refuses it (explicit Deny), and the key test above names the change
    assert not can_use_key("prod-env", deploy_role("prod-zmage"), "kms:Encrypt", key_policy=widened)
    with pytest.raises(AssertionError):
        assert [sorted(s["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]) for s in _statements(widened)
                if s["Effect"] == "Deny" and "kms:Encrypt" in _list(s["Action"])] == [sorted([deploy_role("prod-env"), ADMIN])]


@pytest.mark.parametrize("key_stack", KMS_STACKS)
def test_the_key_and_role_name_the_stack_file_key(key_stack):
    alias, region = _alias_and_region(key_stack)
    [statement] = [s for s in _statements(_doc(key_stack, "deploy-policy.json")) if s["Sid"] == "ThisStacksSecretsKey"]
    assert statement["Resource"] == f"arn:aws:kms:{region}:{ACCOUNT}:key/*"
    assert statement["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}}


def test_a_key_policy_that_delegates_to_iam_or_adds_a_role_is_refused():
    stack = KMS_STACKS[0]
    delegating = _doc(stack, "kms-key-policy.json")
    delegating["Statement"] = [s for s in delegating["Statement"] if s["Effect"] == "Allow"]
    delegating["Statement"].append({"Sid": "EnableIamPolicies", "Effect": "Allow",
                                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"})
    other = next(s for s in STACKS if s != stack)
    # without the explicit Deny, the root statement hands the key to every role whose IAM policy allows it
    assert can_use_key(stack, f"arn:aws:iam::{ACCOUNT}:role/some-admin", "kms:Decrypt", key_policy=delegating)
    widened = _doc(stack, "kms-key-policy.json")
    widened["Statement"][1]["Principal"]["AWS"] = [deploy_role(stack), deploy_role(other)]
    # the Deny still names the stack's own role only: the added role stays locked out, and a test
    # comparing the Deny's exceptions to the allowed principals (above) fails on the widened list
    assert not can_use_key(stack, deploy_role(other), "kms:Decrypt", key_policy=widened)


def test_the_prod_role_cannot_touch_another_stack_key_even_with_kms_star():
    prod_policy = _doc("prod", "deploy-policy.json")
    for stack in KMS_STACKS:
        alias, region = _alias_and_region(stack)
        context = _context(deploy_role("prod"), **{"kms:ResourceAliases": [alias]})
        decision = _decide(prod_policy, "kms:PutKeyPolicy", f"arn:aws:kms:{region}:{ACCOUNT}:key/k", context)
        assert decision == ("allow" if stack == "prod" else "deny"), stack
    app_key = _context(deploy_role("prod"), **{"kms:ResourceAliases": ["alias/zmage-prod-data"]})
    assert _decide(prod_policy, "kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k", app_key) == "allow"


# --- state ---------------------------------------------------------------------------------------

def _state_keys(stack: str) -> list[str]:
    return [f".pulumi/stacks/{PROJECT}/{stack}.json", f".pulumi/stacks/{PROJECT}/{stack}.json.bak",
            f".pulumi/stacks/{PROJECT}/{stack}.json.gz", f".pulumi/history/{PROJECT}/{stack}/{stack}-1700000000.history.json",
            f".pulumi/backups/{PROJECT}/{stack}/{stack}.1700000000.json",
            f".pulumi/journal/{PROJECT}/{stack}/0001.json",
            f".pulumi/locks/organization/{PROJECT}/{stack}/6c1c1f2e.json"]


def can_access_state(role: str, action: str, key: str) -> bool:
    resource = f"arn:aws:s3:::{BUCKET}/{key}"
    context = _context(role)
    stack = role.rsplit("appstack-deploy-", 1)[-1]
    identity = _decide(_doc(stack, "deploy-policy.json"), action, resource, context)
    bucket = _decide(_doc("state-bucket-policy.json"), action, resource, context, principal=role)
    return identity == "allow" and bucket != "deny"


def _may_access_state(role_stack: str, state_stack: str, action: str, key: str) -> bool:
    """Its own state; an app stack also reads its environment's current checkpoint (the StackReference)."""
    if role_stack == state_stack:
        return True
    return (ENVIRONMENT_OF.get(role_stack) == state_stack and action == "s3:GetObject"
            and key.startswith(f".pulumi/stacks/{PROJECT}/{state_stack}.json"))


@pytest.mark.parametrize("action", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
def test_each_deploy_role_reaches_its_own_state_only(action):
    for role_stack in STACKS:
        for state_stack in STACKS:
            for key in _state_keys(state_stack):
                assert can_access_state(deploy_role(role_stack), action, key) is _may_access_state(
                    role_stack, state_stack, action, key), (role_stack, key)
        assert can_access_state(deploy_role(role_stack), "s3:GetObject", ".pulumi/meta.yaml")


def test_an_app_stack_reads_its_environment_outputs_but_nothing_else_of_it():
    for app_stack, env_stack in ENVIRONMENT_OF.items():
        current, backup = _state_keys(env_stack)[:2]
        assert can_access_state(deploy_role(app_stack), "s3:GetObject", current)
        assert can_access_state(deploy_role(app_stack), "s3:GetObject", backup)  # the previous checkpoint
        for key in _state_keys(env_stack)[3:]:  # history, backups, journal, locks
            assert not can_access_state(deploy_role(app_stack), "s3:GetObject", key), key
        for action in ("s3:PutObject", "s3:DeleteObject"):
            assert not can_access_state(deploy_role(app_stack), action, current)


def test_the_state_bucket_policy_fits_for_any_bucket_name():
    text = json.dumps(_doc("state-bucket-policy.json"), separators=(",", ":"))  # docs/delivery.md applies it with jq -c
    assert len(text.replace(BUCKET, "b" * 63)) <= 20 * 1024  # S3's bucket policy limit, with the longest bucket name


def test_no_deploy_role_changes_the_state_bucket_settings():
    policy = _doc("state-bucket-policy.json")
    for stack in STACKS:
        for action in ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning", "s3:DeleteBucket"):
            assert _decide(policy, action, f"arn:aws:s3:::{BUCKET}", _context(deploy_role(stack)),
                           principal=deploy_role(stack)) == "deny"
        assert _decide(policy, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/.pulumi/meta.yaml",
                       _context(deploy_role(stack), **{"aws:SecureTransport": "false"}), principal="x") == "deny"
    assert _decide(policy, "s3:PutBucketPolicy", f"arn:aws:s3:::{BUCKET}", _context(ADMIN), principal=ADMIN) == "none"


# --- permissions ---------------------------------------------------------------------------------

def _allowed_actions(stack: str) -> set[str]:
    return {a for s in _statements(_doc(stack, "deploy-policy.json")) if s["Effect"] == "Allow" for a in _list(s["Action"])}


def test_the_prod_deploy_role_manages_exactly_the_services_of_the_prod_plan():
    modules = {r.type.split(":")[1].split("/")[0] for r in synth_stack("prod").resources if r.type.startswith("aws:")}
    unmapped = modules - set(SERVICES)
    assert not unmapped, f"map {unmapped} to IAM service prefixes and grant them in delivery/aws/prod/deploy-policy.json"
    needed = set().union(*(SERVICES[m] for m in modules)) - {"iam"}  # IAM is granted action by action
    wildcard_services = {a.removesuffix(":*") for a in _allowed_actions("prod") if a.endswith(":*")}
    assert wildcard_services == needed
    assert any(r.type == "docker:index/image:Image" for r in synth_stack("prod").resources) and "ecr" in needed


def test_the_prod_deploy_role_never_edits_the_delivery_roles_or_creates_users_keys_or_managed_policies():
    policy = _doc("prod", "deploy-policy.json")
    context = _context(deploy_role("prod"))
    for target in (deploy_role("prod"), deploy_role("dev"), ADMIN):
        for action in ("iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole"):
            assert _decide(policy, action, target, context) == "deny", (target, action)
    app_role = f"arn:aws:iam::{ACCOUNT}:role/zmage-web-task-1a2b3c4"
    assert _decide(policy, "iam:PutRolePolicy", app_role, context) == "allow"
    assert _decide(policy, "iam:AttachRolePolicy", app_role, context) == "deny"  # no AdministratorAccess
    for action in ("iam:CreateUser", "iam:CreateAccessKey", "iam:CreatePolicy", "iam:CreateOpenIDConnectProvider"):
        assert _decide(policy, action, "*", context) == "deny"
    passed = _context(deploy_role("prod"), **{"iam:PassedToService": "ec2.amazonaws.com"})
    assert _decide(policy, "iam:PassRole", app_role, passed) == "none"
    passed["iam:PassedToService"] = "ecs-tasks.amazonaws.com"
    assert _decide(policy, "iam:PassRole", app_role, passed) == "allow"


def _synth(stack: str):
    return synth_stack(stack, project=ROOT / STACKS[stack]["project_dir"])


@pytest.mark.parametrize("stack", [s for s, e in STACKS.items() if e["platform"] != "aws"])
def test_a_kubernetes_stack_role_has_state_and_its_key_only(stack):
    allowed = _allowed_actions(stack)
    assert allowed <= {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation",
                       "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"}
    assert not any(r.type.startswith("aws:") for r in _synth(stack).resources)


def _services_of_plan(stack: str) -> set[str]:
    """The IAM service prefixes managing the AWS resources of the stack's plan (IAM included)."""
    resources = _synth(stack).resources
    modules = {r.type.split(":")[1].split("/")[0] for r in resources if r.type.startswith("aws:")}
    assert not modules - set(SERVICES), f"map {modules - set(SERVICES)} to IAM service prefixes"
    images = {"ecr"} if any(r.type == "docker:index/image:Image" for r in resources) else set()
    return set().union(images, *(SERVICES[m] for m in modules))


@pytest.mark.parametrize("stack", [s for s, e in STACKS.items() if e["platform"] == "aws" and e["mode"] != "single"])
def test_a_split_stack_role_manages_the_services_of_its_plan_and_no_other(stack):
    needed = _services_of_plan(stack)
    granted = {a.split(":")[0] for a in _allowed_actions(stack)}
    assert needed <= granted
    # beyond its plan: its state (s3), its key (kms), IAM action by action, STS, and CloudMap's private zones
    assert granted - needed <= {"s3", "kms", "iam", "sts", "route53"}, granted - needed


REGION = "us-east-1"


def _app_resources(app: str) -> dict[str, str]:
    """action -> an ARN of this app's resource as the prod split names it (environment name prod)."""
    r, a = REGION, ACCOUNT
    return {
        "ecr:PutImage": f"arn:aws:ecr:{r}:{a}:repository/{app}-web-1a2b3c4",
        "logs:DeleteLogGroup": f"arn:aws:logs:{r}:{a}:log-group:/appstack/prod/{app}/web",
        "cloudwatch:DeleteAlarms": f"arn:aws:cloudwatch:{r}:{a}:alarm:{app}-prod-rds-cpu",
        "rds:DeleteDBInstance": f"arn:aws:rds:{r}:{a}:db:prod-{app}",
        "rds:ModifyDBParameterGroup": f"arn:aws:rds:{r}:{a}:pg:{app}-postgres-1a2b3c4",
        "elasticache:DeleteReplicationGroup": f"arn:aws:elasticache:{r}:{a}:replicationgroup:{app}-redis-1a2b3c4",
        "secretsmanager:GetSecretValue": f"arn:aws:secretsmanager:{r}:{a}:secret:{app}-env-database-url-1a2b3c4-AbCdEf",
        "s3:DeleteBucket": f"arn:aws:s3:::{app}-media-1a2b3c4",
        "s3:GetObject": f"arn:aws:s3:::{app}-media-1a2b3c4/uploads/x.png",
        "ecs:UpdateService": f"arn:aws:ecs:{r}:{a}:service/prod-shared/{app}-web",
        "ecs:RunTask": f"arn:aws:ecs:{r}:{a}:task-definition/{app}-prod-db-migrate:7",
        "elasticloadbalancing:DeleteTargetGroup": f"arn:aws:elasticloadbalancing:{r}:{a}:targetgroup/{app}-web-1a2b3c4/0123",
        "iam:PutRolePolicy": f"arn:aws:iam::{a}:role/{app}-web-task-1a2b3c4",
        "kms:DeleteAlias": f"arn:aws:kms:{r}:{a}:alias/appstack/prod/{app}",
    }


# the environment stack's resources (prod-env's plan): no app stack role may change them
ENVIRONMENT_RESOURCES = {
    "ecs:DeleteCluster": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod-shared",
    "ecs:PutClusterCapacityProviders": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod-shared",
    "elasticloadbalancing:DeleteLoadBalancer":
        f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/aws-shared-edge-1a2b3c4/0123",
    "elasticloadbalancing:ModifyListener":
        f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/aws-shared-edge-1a2b3c4/0123/4567",
    "ec2:DeleteVpc": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-0123",
    "ec2:DeleteNatGateway": f"arn:aws:ec2:{REGION}:{ACCOUNT}:natgateway/nat-0123",
    "ec2:CreateRoute": f"arn:aws:ec2:{REGION}:{ACCOUNT}:route-table/rtb-0123",
    "s3:DeleteBucket": "arn:aws:s3:::aws-shared-edge-access-logs-1a2b3c4",
    "logs:DeleteLogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:aws-flow-logs-1a2b3c4",
    "sns:DeleteTopic": f"arn:aws:sns:{REGION}:{ACCOUNT}:aws-shared-alarms-1a2b3c4",
    "iam:PutRolePolicy": f"arn:aws:iam::{ACCOUNT}:role/aws-flow-logs-1a2b3c4",
    "kms:DeleteAlias": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/appstack/prod/flow-logs",
}


def cross_app_problems(stack: str, document: dict) -> list[str]:
    """What an app stack's role may do to another app's resources or to its environment's (empty: nothing)."""
    app = stack.removeprefix("prod-")
    context = _context(deploy_role(stack))
    needed = _services_of_plan(stack) | {"iam"}
    problems = [f"{stack}: {action} on its own {arn} refused" for action, arn in _app_resources(app).items()
                if action.split(":")[0] in needed and _decide(document, action, arn, context) != "allow"]
    for other in set(APPS) - {app}:
        problems += [f"{stack}: {action} on {arn} of {other}" for action, arn in _app_resources(other).items()
                     if _decide(document, action, arn, context) == "allow"]
    problems += [f"{stack}: {action} on the environment's {arn}" for action, arn in ENVIRONMENT_RESOURCES.items()
                 if _decide(document, action, arn, context) == "allow"]
    env_key = _context(deploy_role(stack), **{"aws:ResourceTag/appstack:role": "flow-logs"})
    if _decide(document, "kms:ScheduleKeyDeletion", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k", env_key) == "allow":
        problems.append(f"{stack}: the environment's flow logs key")
    for other in set(APPS) - {app}:  # another app's tagged resources (its key, security groups) and its tasks' roles
        tagged = _context(deploy_role(stack), **{"aws:ResourceTag/appstack:app": other})
        for action, arn in (("kms:ScheduleKeyDeletion", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k"),
                            ("ec2:AuthorizeSecurityGroupIngress", f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/sg-0123"),
                            ("cloudfront:DeleteDistribution", f"arn:aws:cloudfront::{ACCOUNT}:distribution/E123"),
                            *TAGGED_CHANGES):  # its groups, their rules, its certificates and listener rules
            if _decide(document, action, arn, tagged) != "deny":
                problems.append(f"{stack}: {action} on a resource tagged with {other}")
        passed = _context(deploy_role(stack), **{"iam:PassedToService": "ecs-tasks.amazonaws.com"})
        if _decide(document, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/{other}-web-task-1a2b3c4", passed) == "allow":
            problems.append(f"{stack}: passes a role of {other}")
    return problems + tagged_resource_problems(stack, document)


# resources the components tag with `appstack:app` whose ARNs carry no app (the ID, or the shared listener's)
SG = f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/sg-0123"
SG_RULE = f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group-rule/sgr-0123"
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0123-4567"
SHARED_LISTENER = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/aws-shared-edge-1a2b3c4/0123/4567"
LISTENER_RULE = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/aws-shared-edge-1a2b3c4/0123/4567/89ab"
TAGGED_CHANGES = (("ec2:DeleteSecurityGroup", SG), ("ec2:AuthorizeSecurityGroupIngress", SG),
                  ("ec2:RevokeSecurityGroupEgress", SG), ("ec2:ModifySecurityGroupRules", SG_RULE),
                  ("ec2:DeleteTags", SG), ("acm:DeleteCertificate", CERTIFICATE),
                  ("acm:AddTagsToCertificate", CERTIFICATE), ("elasticloadbalancing:ModifyRule", LISTENER_RULE),
                  ("elasticloadbalancing:DeleteRule", LISTENER_RULE), ("elasticloadbalancing:RemoveTags", LISTENER_RULE))
TAGS_ON_CREATE = ("Name", "appstack:app", "appstack:role", "appstack:stack", "managed-by")
CREATIONS = (("ec2:CreateSecurityGroup", SG, {}), ("ec2:AuthorizeSecurityGroupEgress", SG_RULE, {}),
             ("ec2:CreateTags", SG, {"ec2:CreateAction": "CreateSecurityGroup"}),
             ("acm:RequestCertificate", "*", {}), ("elasticloadbalancing:CreateRule", SHARED_LISTENER, {}),
             ("elasticloadbalancing:AddTags", LISTENER_RULE, {"elasticloadbalancing:CreateAction": "CreateRule"}))


def _create_context(stack: str, app: str, keys=TAGS_ON_CREATE, **extra) -> dict:
    return _context(deploy_role(stack), **{"aws:RequestTag/appstack:app": app, "aws:TagKeys": list(keys), **extra})


def tagged_resource_problems(stack: str, document: dict) -> list[str]:
    """An app role changes the security groups, rules, certificates and listener rules tagged with its app, and
    creates them only tagged with it; none untagged (the environment's) or tagged with another app, and it
    tags nothing after the fact; on the environment's shared edge and endpoints groups it may add and
    remove rules (IAM cannot say which: docs/delivery.md)."""
    app, problems = stack.removeprefix("prod-"), []
    own = _context(deploy_role(stack), **{"aws:ResourceTag/appstack:app": app})
    untagged = _context(deploy_role(stack))
    for action, arn in TAGGED_CHANGES:
        if _decide(document, action, arn, own) != "allow":
            problems.append(f"{stack}: {action} on its own tagged {arn} refused")
        if _decide(document, action, arn, untagged) == "allow":
            problems.append(f"{stack}: {action} on an untagged {arn}")
    for action, arn, extra in CREATIONS:
        if _decide(document, action, arn, _create_context(stack, app, **extra)) != "allow":
            problems.append(f"{stack}: {action} tagged with its app refused")
        for other in set(APPS) - {app}:
            if _decide(document, action, arn, _create_context(stack, other, **extra)) == "allow":
                problems.append(f"{stack}: {action} tagged with {other}")
        if _decide(document, action, arn, _context(deploy_role(stack), **extra)) == "allow":
            problems.append(f"{stack}: {action} untagged")
        if _decide(document, action, arn, _create_context(stack, app, (*TAGS_ON_CREATE, "appstack:x"), **extra)) \
                == "allow":
            problems.append(f"{stack}: {action} with a tag key the components do not set")
    # handing its own resource to another app, or tagging an existing resource (no create action) with its
    # app, which would make it its own
    for action, arn in (("ec2:CreateTags", SG), ("elasticloadbalancing:AddTags", LISTENER_RULE),
                        ("acm:AddTagsToCertificate", CERTIFICATE), ("kms:TagResource", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k")):
        for other in set(APPS) - {app}:
            if _decide(document, action, arn, {**own, **_create_context(stack, other)}) == "allow":
                problems.append(f"{stack}: {action} hands its own {arn} to {other}")
    for action, arn in (("ec2:CreateTags", SG), ("elasticloadbalancing:AddTags", LISTENER_RULE),
                        ("acm:AddTagsToCertificate", CERTIFICATE), ("ec2:AuthorizeSecurityGroupIngress", SG)):
        if _decide(document, action, arn, _create_context(stack, app)) == "allow":
            problems.append(f"{stack}: {action} adds its tag to an untagged {arn}")
    for role in ("shared-edge", "endpoints"):
        shared = _context(deploy_role(stack), **{"aws:ResourceTag/appstack:role": role})
        for action in ("ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress"):
            if _decide(document, action, SG, shared) != "allow":
                problems.append(f"{stack}: {action} on the environment's {role} group refused")
        if _decide(document, "ec2:DeleteSecurityGroup", SG, shared) == "allow":
            problems.append(f"{stack}: deletes the environment's {role} group")
    if _decide(document, "elasticloadbalancing:AddListenerCertificates", SHARED_LISTENER, untagged) != "allow":
        problems.append(f"{stack}: its certificate on the shared listener refused")
    return problems


@pytest.mark.parametrize("stack", READERS["prod-env"])
def test_an_aws_app_stack_role_manages_its_own_app_only(stack):
    assert cross_app_problems(stack, _doc(stack, "deploy-policy.json")) == []
    app = stack.removeprefix("prod-")
    own_key = _context(deploy_role(stack), **{"aws:ResourceTag/appstack:app": app})
    assert _decide(_doc(stack, "deploy-policy.json"), "kms:ScheduleKeyDeletion", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k",
                   own_key) == "allow"


def test_no_app_name_is_a_name_prefix_of_another():
    # the roles scope an app by the prefix `<app>-`: an app named like another's prefix would reach its resources
    assert not [(a, b) for a in APPS for b in APPS if a != b and b.startswith(f"{a}-")]


@pytest.mark.parametrize(("statement", "resource"), [
    ("ThisAppsResourcesByName", "arn:aws:s3:::*"),
    ("ThisAppsResourcesByName", f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod-shared"),
    ("ThisAppsRolesWithInlinePolicies", f"arn:aws:iam::{ACCOUNT}:role/*"),
    ("ThisAppsKeyByTag", None),  # the tag condition dropped
    ("NoOtherAppsResources", None),  # the Deny of another app's tagged resources dropped
    ("NeverTagForAnotherApp", None),  # the Deny of tagging with another app dropped
    ("ItsTaggedGroupsRulesCertificatesAndListenerRules", None),
    ("CreateThemTaggedWithThisApp", None),
    ("NewRulesOfGroupsTaggedWithThisApp", None),
    ("RequestCertificatesTaggedWithThisApp", None),
    ("TagGroupsAndRulesOnlyAsTheyAreCreated", None),
    ("TagListenerRulesOnlyAsTheyAreCreated", None),
    ("RulesOnTheSharedEdgeAndEndpointsGroups", None),
    ("ByAction", None),  # the grant by action these replaced, added back
])
def test_an_app_stack_role_widened_past_its_app_is_refused(statement, resource):
    document = _doc("prod-zmage", "deploy-policy.json")
    if statement == "ByAction":
        document["Statement"].append({"Sid": statement, "Effect": "Allow", "Resource": [SG, SG_RULE, CERTIFICATE],
                                      "Action": ["acm:*", "ec2:*SecurityGroup*", "ec2:CreateTags"]})
    target = next(s for s in document["Statement"] if s["Sid"] == statement)
    if target["Effect"] == "Deny":
        document["Statement"].remove(target)
    elif statement == "ByAction":
        pass
    elif resource is None:
        target.pop("Condition")
    else:
        target["Resource"] = _list(target["Resource"]) + [resource]
    IAMPolicyDocumentValidator(json.dumps(document)).validate()  # valid IAM, still refused
    assert cross_app_problems("prod-zmage", document)


def test_the_environment_stack_role_manages_the_shared_pieces_and_no_app():
    policy, context = _doc("prod-env", "deploy-policy.json"), _context(deploy_role("prod-env"))
    for action, arn in ENVIRONMENT_RESOURCES.items():
        assert _decide(policy, action, arn, context) == "allow", action
    its_key = _context(deploy_role("prod-env"), **{"aws:ResourceTag/appstack:role": "flow-logs"})
    assert _decide(policy, "kms:PutKeyPolicy", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k", its_key) == "allow"
    for app in APPS:
        for action, arn in _app_resources(app).items():  # by name: none of them is granted
            assert _decide(policy, action, arn, context) == "none", (app, action)
        # what it manages by service (the network, the listener): never a resource tagged with an app
        tagged = _context(deploy_role("prod-env"), **{"aws:ResourceTag/appstack:app": app})
        for action, arn in (("kms:ScheduleKeyDeletion", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k"), *TAGGED_CHANGES):
            assert _decide(policy, action, arn, tagged) != "allow", (app, action)
        for action, arn in TAGGED_CHANGES:  # an app's groups, rules and certificates now carry its tag: denied
            if arn != LISTENER_RULE:  # not granted at all: the role manages the listener, not its rules
                assert _decide(policy, action, arn, tagged) == "deny", (app, action)
        passed = _context(deploy_role("prod-env"), **{"iam:PassedToService": "ecs-tasks.amazonaws.com"})
        assert _decide(policy, "iam:PassRole", _app_resources(app)["iam:PutRolePolicy"], passed) == "none"
    for role in ("shared-edge", "endpoints"):  # its own groups, and its own certificate (untagged)
        own = _context(deploy_role("prod-env"), **{"aws:ResourceTag/appstack:role": role})
        assert _decide(policy, "ec2:DeleteSecurityGroup", SG, own) == "allow"
    assert _decide(policy, "acm:DeleteCertificate", CERTIFICATE, context) == "allow"


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_deploy_policies_fit_an_inline_role_policy_and_grant_no_star(stack):
    document = _doc(stack, "deploy-policy.json")
    # installed with put-role-policy (docs/delivery.md): a role's inline policies hold 10,240 characters
    assert len(json.dumps(document, separators=(",", ":"))) <= 10240
    assert not {"*", "iam:*", "sts:*", "organizations:*"} & _allowed_actions(stack)
