"""S3 buckets and their companion resources.

In pulumi-aws v7 a bucket's access block, encryption, policy, versioning and logging
are separate resources, so most checks are stack rules that pair each bucket with
its companions (by dependency, or by the bucket name when it is known).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .iam_documents import public_grants
from .model import ADVISORY, MANDATORY, Finding, Resource, RuleContext, RuleSet, Stack
from .values import (
    as_strings,
    is_opaque,
    items_of,
    lookup,
    must_be_true_but_is_not,
    parse_json_document,
    policy_statements,
)

# pulumi-aws v7 keeps the deprecated *V2 tokens next to the current ones; both create the same
# AWS objects, so every rule reads both.
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
BUCKET_ENCRYPTIONS = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_VERSIONINGS = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
BUCKET_LOGGINGS = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_CANNED_ACLS = {"public-read", "public-read-write", "authenticated-read"}

rules = RuleSet()


def attached(stack: Stack, bucket: Resource, *companion_types: str) -> list[Resource]:
    """Companions of ``companion_types`` that configure ``bucket``."""
    name = bucket.get("bucket")
    return [
        c
        for c in stack.of_type(*companion_types)
        if c.depends_on(bucket) or (isinstance(name, str) and c.get("bucket") == name)
    ]


@rules.stack(
    "s3-public-access-block",
    MANDATORY,
    "Every S3 bucket must have a public access block with all four flags on.",
    "Add a BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, "
    "ignorePublicAcls and restrictPublicBuckets all true.",
    types=[*BUCKETS, PUBLIC_ACCESS_BLOCK],
)
def s3_public_access_block(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """The account-independent access block is the guard rail that keeps a later ACL or policy mistake from
    publishing the bucket.
    """
    for bucket in stack.of_type(*BUCKETS):
        if not attached(stack, bucket, PUBLIC_ACCESS_BLOCK):
            yield Finding("bucket has no BucketPublicAccessBlock.", bucket.urn)
    for block in stack.of_type(PUBLIC_ACCESS_BLOCK):
        for flag in PUBLIC_ACCESS_FLAGS:
            if must_be_true_but_is_not(block.get(flag)):
                yield Finding(f"{flag} is not true.", block.urn)


@rules.resource(
    "s3-no-public-acl",
    MANDATORY,
    [*BUCKETS, *BUCKET_ACLS],
    "S3 buckets must not grant access to everyone through ACLs.",
    "Use acl private (or no ACL, with object ownership BucketOwnerEnforced) and share through policies.",
)
def s3_no_public_acl(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Public ACLs publish every object of the bucket to the internet."""
    acl = r.get("acl")
    if acl in PUBLIC_CANNED_ACLS:
        yield f"acl {acl} grants public access."
    for grant in items_of(r.get("accessControlPolicy.grants")):
        group = _public_group(lookup(grant, "grantee.uri"))
        if group:
            yield f"accessControlPolicy grants {lookup(grant, 'permission')} to {group}."
    for grant in items_of(r.get("grants")):  # the inline grants of Bucket/BucketV2
        group = _public_group(lookup(grant, "uri"))
        if group:
            yield f"grants give {', '.join(map(str, items_of(lookup(grant, 'permissions'))))} to {group}."


def _public_group(uri: Any) -> str | None:
    """AllUsers / AuthenticatedUsers, however the URI is spelled (http or https, case)."""
    if not isinstance(uri, str):
        return None
    tail = uri.rstrip("/").rsplit("/", 1)[-1].lower()
    return {"allusers": "AllUsers", "authenticatedusers": "AuthenticatedUsers"}.get(tail)


@rules.resource(
    "s3-no-public-policy",
    MANDATORY,
    [BUCKET_POLICY, *BUCKETS],
    "S3 bucket policies must not allow any principal unless a Condition pins the caller.",
    "Name the principals (a role ARN, cloudfront.amazonaws.com with aws:SourceArn), or add a Condition on "
    "aws:PrincipalOrgID, aws:SourceVpce or a bounded aws:SourceIp set.",
)
def s3_no_public_policy(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Principal "*" (or NotPrincipal) in an Allow publishes the bucket to every AWS account and, for object
    reads, to anonymous users; a condition such as aws:SecureTransport narrows nothing.
    """
    for index, actions in public_grants(parse_json_document(r.get("policy"))):
        yield f"policy statement {index} allows {actions} to any principal."


def _sets_algorithm(rule: Any) -> bool:
    algorithm = lookup(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")
    return is_opaque(rule) or is_opaque(algorithm) or bool(algorithm)


@rules.stack(
    "s3-encryption",
    MANDATORY,
    "Every S3 bucket must have default server-side encryption configured.",
    "Add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms (preferred) or AES256.",
    types=[*BUCKETS, *BUCKET_ENCRYPTIONS],
)
def s3_encryption(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """An explicit default encryption (ideally with a customer-managed key) governs who can decrypt the
    objects.
    """
    for bucket in stack.of_type(*BUCKETS):
        inline = bucket.get("serverSideEncryptionConfiguration.rule")
        if not inline and not attached(stack, bucket, *BUCKET_ENCRYPTIONS):
            yield Finding("bucket has no server-side encryption configuration.", bucket.urn)
    for config in stack.of_type(*BUCKET_ENCRYPTIONS):
        rules_ = config.get("rules")
        if not is_opaque(rules_) and not any(_sets_algorithm(rule) for rule in items_of(rules_)):
            yield Finding("the encryption configuration sets no sseAlgorithm.", config.urn)


def denies_insecure_transport(document: Any) -> bool:
    """True when a Deny statement matches aws:SecureTransport false (or might: opaque parts)."""
    for statement in policy_statements(document):
        effect, condition = statement.get("Effect"), statement.get("Condition")
        if is_opaque(effect) or is_opaque(condition):
            return True
        if effect != "Deny" or not isinstance(condition, dict):
            continue
        for operator in condition.values():
            values = as_strings(lookup(operator, "aws:SecureTransport"))
            if any(is_opaque(v) or str(v).lower() == "false" for v in values):
                return True
    return False


@rules.stack(
    "s3-require-tls",
    MANDATORY,
    "Every S3 bucket policy must deny requests that do not use TLS.",
    'Add a bucket policy statement: Effect Deny, Principal "*", Action "s3:*", '
    'Condition {"Bool": {"aws:SecureTransport": "false"}}.',
    types=[*BUCKETS, BUCKET_POLICY],
)
def s3_require_tls(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """S3 accepts plain HTTP unless the bucket policy refuses it."""
    for bucket in stack.of_type(*BUCKETS):
        documents = [parse_json_document(p.get("policy")) for p in attached(stack, bucket, BUCKET_POLICY)]
        if bucket.get("policy") is not None:
            documents.append(parse_json_document(bucket.get("policy")))
        if any(is_opaque(d) for d in documents):
            continue
        if not any(denies_insecure_transport(d) for d in documents):
            message = "no bucket policy denies requests without TLS (aws:SecureTransport false)."
            yield Finding(message, bucket.urn)


@rules.stack(
    "s3-versioning",
    ADVISORY,
    "S3 buckets should keep object versions.",
    "Add a BucketVersioning with versioningConfiguration.status Enabled.",
    types=[*BUCKETS, *BUCKET_VERSIONINGS],
)
def s3_versioning(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Versioning lets you recover objects that were overwritten or deleted by mistake or by malware."""
    for bucket in stack.of_type(*BUCKETS):
        versionings = attached(stack, bucket, *BUCKET_VERSIONINGS)
        statuses = [v.get("versioningConfiguration.status") for v in versionings]
        inline = bucket.get("versioning.enabled")
        if is_opaque(inline) or any(is_opaque(s) for s in statuses):
            continue
        if inline is not True and "Enabled" not in statuses:
            yield Finding("bucket versioning is not enabled.", bucket.urn)


@rules.stack(
    "s3-access-logging",
    ADVISORY,
    "S3 buckets should log access requests (except the buckets that receive the logs).",
    "Add a BucketLogging that targets the stack's log bucket.",
    types=[*BUCKETS, *BUCKET_LOGGINGS],
)
def s3_access_logging(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Access logs show who read or changed objects."""
    log_targets = {c.get("targetBucket") for c in stack.of_type(*BUCKET_LOGGINGS)}
    for bucket in stack.of_type(*BUCKETS):
        if bucket.get("bucket") in log_targets and bucket.get("bucket") is not None:
            continue  # a log bucket logging into itself would loop
        if bucket.get("logging") is None and not attached(stack, bucket, *BUCKET_LOGGINGS):
            yield Finding("bucket has no access logging.", bucket.urn)
