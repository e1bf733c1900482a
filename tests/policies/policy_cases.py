"""Failing cases: each changes one field of a compliant scenario (or drops one companion
resource for coverage rules) and expects exactly one violation with this message/level."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policy_fixtures import (
    AS_SECRET,
    DELETE,
    GITHUB_AUD,
    GITHUB_SUB,
    PINNED_SUB,
    SCENARIOS,
    SECRET,
    UNKNOWN,
    Json,
    _container,
)

M, A = "mandatory", "advisory"
ACCOUNT_ROOT = "arn:aws:iam::123456789012:root"
QUARTERS = ["81.0.0.0/10", "81.64.0.0/10", "81.128.0.0/10"]  # three quarters of a /8
PUBLIC_READ = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app-assets/*"}
WORLD_ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class Case:
    rule: str
    level: str
    scenario: str
    message: str
    change: dict[str, Any] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    tier: str = "prod"
    outputs: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        what = ",".join(f"{k}={v!r}" for k, v in self.change.items()) or f"drop {','.join(self.drop)}"
        return f"{self.rule}[{self.scenario}:{what}]"[:120]


CONTAINERS = "containerDefinitions.0"
POD = "web:spec.template.spec"
C0 = f"{POD}.containers.0"
SC = f"{C0}.securityContext"

def _native_sidecar(**security: Any) -> dict[str, Any]:
    """A compliant native sidecar (an init container that keeps running) but for `security`."""
    sidecar = {**_container("proxy", probes=False), "restartPolicy": "Always"}
    sidecar["securityContext"] = {**sidecar["securityContext"], **security}
    return sidecar


def _task_with_sidecar(**fields: Any) -> Json:
    """The compliant task's containers plus a copy of its main one named proxy, but for `fields`."""
    task = next(r for r in SCENARIOS["task_definition"]() if "containerDefinitions" in r["inputs"])
    main = task["inputs"]["containerDefinitions"].value[0]
    return Json([main, {**main, "name": "proxy", "essential": False, **fields}])


CASES = [
    # --- RDS / Redis ---------------------------------------------------------------------
    Case(
        "rds-not-publicly-accessible",
        M,
        "rds",
        "publiclyAccessible is true: the instance gets a public endpoint.",
        {"publiclyAccessible": True},
    ),
    Case("rds-storage-encrypted", M, "rds", "storageEncrypted is not true.", {"storageEncrypted": False}),
    Case("rds-storage-encrypted", M, "rds", "storageEncrypted is not true.", {"storageEncrypted": DELETE}),
    Case(
        "rds-backup-retention",
        M,
        "rds",
        "backupRetentionPeriod is 3 day(s); at least 7 required.",
        {"backupRetentionPeriod": 3},
    ),
    Case(
        "rds-backup-retention",
        M,
        "rds",
        "backupRetentionPeriod is 0 day(s); at least 7 required.",
        {"backupRetentionPeriod": DELETE},
    ),
    Case(
        "rds-deletion-protection-prod",
        M,
        "rds",
        "deletionProtection is not true on a prod database.",
        {"deletionProtection": False},
    ),
    Case("rds-multi-az", A, "rds", "multiAz is not true.", {"multiAz": False}),
    Case(
        "rds-iam-authentication",
        A,
        "rds",
        "iamDatabaseAuthenticationEnabled is not true.",
        {"iamDatabaseAuthenticationEnabled": DELETE},
    ),
    Case(
        "rds-log-exports",
        A,
        "rds",
        "enabledCloudwatchLogsExports is empty.",
        {"enabledCloudwatchLogsExports": []},
    ),
    Case(
        "rds-auto-minor-upgrade",
        A,
        "rds",
        "autoMinorVersionUpgrade is false.",
        {"autoMinorVersionUpgrade": False},
    ),
    Case(
        "rds-force-ssl",
        A,
        "rds",
        "the instance uses the engine's default parameter group, which does not force SSL.",
        {"parameterGroupName": DELETE},
    ),
    Case(
        "rds-force-ssl",
        A,
        "rds_params",
        "parameter rds.force_ssl is not set to 1.",
        {"parameters.1.value": "0"},
    ),
    Case(
        "redis-encrypted-at-rest",
        M,
        "redis",
        "atRestEncryptionEnabled is not true.",
        {"atRestEncryptionEnabled": False},
    ),
    Case(
        "redis-encrypted-in-transit",
        M,
        "redis",
        "transitEncryptionEnabled is not true.",
        {"transitEncryptionEnabled": DELETE},
    ),
    Case(
        "redis-auth-token",
        M,
        "redis",
        "neither authToken nor userGroupIds is set: any client in the network can connect.",
        {"authToken": DELETE},
    ),
    Case(
        "redis-automatic-failover",
        A,
        "redis",
        "automaticFailoverEnabled is not true.",
        {"automaticFailoverEnabled": False},
    ),
    Case(
        "rds-not-publicly-accessible",
        M,
        "aurora",
        "publiclyAccessible is true: the instance gets a public endpoint.",
        {"aurora-1:publiclyAccessible": True},
    ),
    Case(
        "rds-not-publicly-accessible",
        M,
        "aurora",
        "publiclyAccessible is true: the instance gets a public endpoint.",
        {"aurora:publiclyAccessible": True},
    ),
    Case("rds-storage-encrypted", M, "aurora", "storageEncrypted is not true.", {"aurora:storageEncrypted": DELETE}),
    Case(
        "rds-backup-retention",
        M,
        "aurora",
        "backupRetentionPeriod is 1 day(s); at least 7 required.",
        {"aurora:backupRetentionPeriod": 1},
    ),
    Case(
        "rds-deletion-protection-prod",
        M,
        "aurora",
        "deletionProtection is not true on a prod database.",
        {"aurora:deletionProtection": False},
    ),
    Case(
        "prod-stateful-resources-protected",
        M,
        "aurora",
        "Cluster aurora is not protected (protect=True).",
        {"aurora:options/protect": False},
    ),
    Case(
        "redis-encrypted-at-rest",
        M,
        "cache_cluster",
        "a standalone Redis cache cluster cannot encrypt at rest: use a replication group.",
        {"engine": "redis"},
    ),
    Case(
        "redis-auth-token",
        M,
        "cache_cluster",
        "a standalone Redis cache cluster cannot require AUTH: use a replication group with authToken.",
        {"engine": "valkey"},
    ),
    Case(
        "redis-encrypted-in-transit",
        M,
        "cache_cluster",
        "transitEncryptionEnabled is not true.",
        {"transitEncryptionEnabled": False},
    ),
    Case(
        "prod-stateful-resources-protected",
        M,
        "cache_cluster",
        "Cluster sessions is not protected (protect=True).",
        {"options/protect": False},
    ),
    Case(
        "alb-drop-invalid-headers",
        M,
        "alb_alias",
        "dropInvalidHeaderFields is not true.",
        {"alb:dropInvalidHeaderFields": False},
    ),
    Case(
        "alb-listener-tls-policy",
        M,
        "alb_alias",
        "sslPolicy ELBSecurityPolicy-2016-08 accepts TLS versions below 1.2.",
        {"https:sslPolicy": "ELBSecurityPolicy-2016-08"},
    ),
    Case(
        "alb-listener-https",
        M,
        "alb_alias",
        "HTTP listener serves traffic instead of only redirecting to HTTPS.",
        {"https:protocol": "HTTP"},
    ),
    Case(
        "alb-desync-mitigation",
        A,
        "alb_alias",
        "desyncMitigationMode is monitor: request smuggling attempts are only logged.",
        {"alb:desyncMitigationMode": "monitor"},
    ),
    Case("alb-access-logs", A, "alb_alias", "accessLogs.enabled is not true.", {"alb:accessLogs.enabled": False}),
    Case(
        "alb-deletion-protection",
        A,
        "alb_alias",
        "enableDeletionProtection is not true.",
        {"alb:enableDeletionProtection": DELETE},
    ),
    Case(
        "prod-stateful-resources-protected",
        M,
        "bucket_v2",
        "BucketV2 assets is not protected (protect=True).",
        {"assets:options/protect": False},
    ),
    # Narrow grants that add up per port (inline + SecurityGroupRule + vpc IngressRule, IPv4 and IPv6).
    Case(
        "sg-world-ingress-web-ports-only",
        M,
        "split_web",
        "app-sg ingress[0], app-rule-b together allow the internet to ports 8080-8085.",
        {"app-rule-b:cidrBlocks": ["81.64.0.0/10", "81.128.0.0/9"]},
    ),
    Case(
        "sg-world-ingress-web-ports-only",
        M,
        "split_web",
        "app-sg ingress[1], app-in-c together allow the internet to port 22.",
        {"app-sg:ingress.1.ipv6CidrBlocks": ["2400::/10", "2440::/10", "2480::/10"]},
    ),
    Case(
        "sg-world-ingress-web-ports-only",
        M,
        "split_web",
        "app-sg ingress[0], app-rule-b together allow the internet to ports 8000-8085.",
        {"app-sg:ingress.0": {"protocol": "tcp", "fromPort": 7000, "toPort": 9000, "cidrBlocks": QUARTERS}},
    ),
    Case(
        "sg-world-ingress-web-ports-only",
        M,
        "split_web",
        "app-sg ingress[0], app-rule-b together allow the internet to ports 8000-8085.",
        {"app-sg:ingress.0": {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": QUARTERS}},
    ),
    Case(
        "sg-unrestricted-egress",
        A,
        "sg_egress_rule",
        "egress allows all traffic to 0.0.0.0/1 and 128.0.0.0/1.",
        {"protocol": "-1", "cidrBlocks": ["0.0.0.0/1", "128.0.0.0/1"]},
    ),
    Case(
        "iam-no-wildcard-actions",
        M,
        "group_policy",
        "policy statement 0 allows action *:*.",
        {"policy.Statement.0.Action": "*:*"},
    ),
    Case(
        "iam-no-privilege-escalation",
        M,
        "group_policy",
        "policy statement 0 grants iam:PassRole through action iam:Pass* (privilege escalation).",
        {
            "policy.Statement.0": {
                "Effect": "Allow",
                "Action": "iam:Pass*",
                "Resource": "arn:aws:iam::123456789012:role/*",
            }
        },
    ),
    Case(
        "prod-public-routes-tls",
        M,
        "alb_alias",
        "public load balancer alb has no HTTPS listener.",
        {"https:protocol": "HTTP"},
    ),
    # --- network -------------------------------------------------------------------------
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "security_group",
        "ingress[1] allows 0.0.0.0/0 to port 5432 (PostgreSQL).",
        {"ingress.1.cidrBlocks": ["0.0.0.0/0"]},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "security_group",
        "ingress[0] allows 0.0.0.0/0 and ::/0 to all ports.",
        {"ingress.0.protocol": "-1"},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "private_ingress_rule",
        "ingress allows 0.0.0.0/0 to port 6379 (Redis).",
        {"cidrIpv4": "0.0.0.0/0"},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "ingress_rule",
        "ingress allows 0.0.0.0/0 to all ports.",
        {"ipProtocol": "-1"},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "private_sg_rule",
        "ingress allows ::/0 to port 5432 (PostgreSQL).",
        {"ipv6CidrBlocks": ["::/0"]},
    ),
    Case(
        "sg-no-world-ingress-admin-ports",
        M,
        "security_group",
        "ingress[0] allows 0.0.0.0/0 and ::/0 to port 22 (SSH).",
        {"ingress.0.fromPort": 22},
    ),
    Case(
        "sg-no-world-ingress-admin-ports",
        M,
        "ingress_rule",
        "ingress allows 0.0.0.0/0 to port 3389 (RDP).",
        {"toPort": 3389},
    ),
    Case(
        "sg-no-world-ingress-admin-ports",
        M,
        "sg_rule",
        "ingress allows 0.0.0.0/0 to port 22 (SSH).",
        {"fromPort": 22},
    ),
    # effective reach: other spellings, split blocks, prefix lists, per-group unions
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "security_group",
        "ingress[1] allows 0.0.0.0/1 and 128.0.0.0/1 to port 5432 (PostgreSQL).",
        {"ingress.1.cidrBlocks": ["10.0.0.0/16", "0.0.0.0/1", "128.0.0.0/1"]},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "security_group",
        "ingress[1] allows 0::/0 to port 5432 (PostgreSQL).",
        {"ingress.1.ipv6CidrBlocks": ["0::/0"]},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "private_ingress_rule",
        "ingress allows 2000::/3 to port 6379 (Redis).",
        {"cidrIpv6": "2000::/3"},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "private_sg_rule",
        "ingress allows 0.0.0.0/0 to port 5432 (PostgreSQL).",
        {"cidrBlocks": ["0.0.0.0/0"]},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "prefix_list",
        "ingress allows 0.0.0.0/0 via prefix list office to port 5432 (PostgreSQL).",
        {"office:entries.0.cidr": "0.0.0.0/0"},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "prefix_list",
        "ingress allows 0.0.0.0/1 via prefix list office to port 5432 (PostgreSQL).",
        {"office-vpn:cidr": "0.0.0.0/1"},
    ),
    Case(
        "sg-no-world-ingress-data-ports",
        M,
        "split_rules",
        "db-in-a, db-in-b together allow the internet to port 5432 (PostgreSQL).",
        {"db-in-a:cidrIpv4": "64.0.0.0/9", "db-in-b:cidrIpv4": "64.128.0.0/9"},
    ),
    Case(
        "sg-no-world-ingress-admin-ports",
        M,
        "sg_rule",
        "ingress allows 0.0.0.0/1 and 128.0.0.0/1 to port 22 (SSH).",
        {"fromPort": 22, "cidrBlocks": ["0.0.0.0/1", "128.0.0.0/1"]},
    ),
    Case(
        "sg-no-world-ingress-admin-ports",
        M,
        "ingress_rule",
        "ingress allows ::/0 to port 3389 (RDP).",
        {"cidrIpv4": DELETE, "cidrIpv6": "::/0", "toPort": 3389},
    ),
    Case(
        "sg-world-ingress-web-ports-only",
        M,
        "sg_rule",
        "ingress allows 0.0.0.0/0 to ports 80-443.",
        {"fromPort": 80},
    ),
    Case(
        "sg-world-ingress-web-ports-only",
        M,
        "ingress_rule",
        "ingress allows 0.0.0.0/0 to port 8443.",
        {"fromPort": 8443, "toPort": 8443},
    ),
    Case(
        "sg-world-ingress-web-ports-only",
        M,
        "security_group",
        "ingress[0] allows 0.0.0.0/0 and ::/0 to all ports.",
        {"ingress.0.protocol": "-1"},
    ),
    Case(
        "sg-world-ingress-web-ports-only",
        M,
        "private_ingress_rule",
        "ingress allows 0.0.0.0/0 to port 6379.",
        {"cidrIpv4": "0.0.0.0/0"},
    ),
    Case(
        "sg-world-ingress-web-ports-only",
        M,
        "prefix_list",
        "ingress allows ::/0 via prefix list office to port 5432.",
        {"office:entries.0.cidr": "::/0"},
    ),
    Case(
        "sg-unrestricted-egress",
        A,
        "security_group",
        "egress[0] allows all traffic to 0.0.0.0/0.",
        {"egress.0.protocol": "-1"},
    ),
    Case(
        "sg-unrestricted-egress",
        A,
        "egress_rule",
        "egress allows all traffic to 0.0.0.0/0.",
        {"ipProtocol": "-1"},
    ),
    Case(
        "sg-unrestricted-egress",
        A,
        "sg_egress_rule",
        "egress allows all traffic to 0.0.0.0/0.",
        {"protocol": "-1"},
    ),
    Case(
        "alb-listener-https",
        M,
        "http_listener",
        "HTTP listener serves traffic instead of only redirecting to HTTPS.",
        {"defaultActions.0.type": "forward"},
    ),
    Case(
        "alb-listener-https",
        M,
        "http_listener",
        "HTTP listener serves traffic instead of only redirecting to HTTPS.",
        {"defaultActions.0.redirect.protocol": "HTTP"},
    ),
    Case(
        "alb-listener-https",
        M,
        "https_listener",
        "HTTP listener serves traffic instead of only redirecting to HTTPS.",
        {"protocol": "HTTP"},
    ),
    Case(
        "alb-listener-tls-policy",
        M,
        "https_listener",
        "sslPolicy is not set: the default policy accepts TLS 1.0.",
        {"sslPolicy": DELETE},
    ),
    Case(
        "alb-listener-tls-policy",
        M,
        "https_listener",
        "sslPolicy ELBSecurityPolicy-TLS13-1-1-2021-06 accepts TLS versions below 1.2.",
        {"sslPolicy": "ELBSecurityPolicy-TLS13-1-1-2021-06"},
    ),
    Case(
        "alb-drop-invalid-headers",
        M,
        "load_balancer",
        "dropInvalidHeaderFields is not true.",
        {"dropInvalidHeaderFields": DELETE},
    ),
    Case(
        "alb-desync-mitigation",
        A,
        "load_balancer",
        "desyncMitigationMode is monitor: request smuggling attempts are only logged.",
        {"desyncMitigationMode": "monitor"},
    ),
    Case(
        "alb-access-logs",
        A,
        "load_balancer",
        "accessLogs.enabled is not true.",
        {"accessLogs.enabled": False},
    ),
    Case(
        "alb-deletion-protection",
        A,
        "load_balancer",
        "enableDeletionProtection is not true.",
        {"enableDeletionProtection": False},
    ),
    # --- S3 ------------------------------------------------------------------------------
    Case(
        "s3-public-access-block",
        M,
        "bucket",
        "restrictPublicBuckets is not true.",
        {"assets-pab:restrictPublicBuckets": False},
    ),
    Case("s3-public-access-block", M, "bucket", "bucket has no BucketPublicAccessBlock.", drop=("assets-pab",)),
    Case("s3-no-public-acl", M, "bucket_acl", "acl public-read grants public access.", {"acl": "public-read"}),
    Case(
        "s3-no-public-acl",
        M,
        "bucket_acl",
        "accessControlPolicy grants READ to AllUsers.",
        {
            "accessControlPolicy": {
                "grants": [
                    {
                        "permission": "READ",
                        "grantee": {
                            "type": "Group",
                            "uri": "http://acs.amazonaws.com/groups/global/AllUsers",
                        },
                    }
                ]
            }
        },
    ),
    Case(
        "s3-no-public-acl",
        M,
        "bucket",
        "acl public-read-write grants public access.",
        {"assets:acl": "public-read-write"},
    ),
    Case(
        "s3-encryption",
        M,
        "bucket",
        "bucket has no server-side encryption configuration.",
        drop=("assets-sse",),
    ),
    Case(
        "s3-encryption",
        M,
        "bucket",
        "the encryption configuration sets no sseAlgorithm.",
        {"assets-sse:rules.0.applyServerSideEncryptionByDefault": DELETE},
    ),
    Case(
        "s3-require-tls",
        M,
        "bucket",
        "no bucket policy denies requests without TLS (aws:SecureTransport false).",
        {"assets-policy:policy.Statement.0.Condition.Bool.aws:SecureTransport": "true"},
    ),
    Case(
        "s3-require-tls",
        M,
        "bucket",
        "no bucket policy denies requests without TLS (aws:SecureTransport false).",
        drop=("assets-policy",),
    ),
    Case(
        "s3-versioning",
        A,
        "bucket",
        "bucket versioning is not enabled.",
        {"assets-versioning:versioningConfiguration.status": "Suspended"},
    ),
    Case("s3-access-logging", A, "bucket", "bucket has no access logging.", drop=("assets-logging",)),
    Case("s3-public-access-block", M, "bucket_v2", "bucket has no BucketPublicAccessBlock.", drop=("assets-pab",)),
    Case(
        "s3-public-access-block",
        M,
        "bucket_v2",
        "ignorePublicAcls is not true.",
        {"assets-pab:ignorePublicAcls": DELETE},
    ),
    Case("s3-encryption", M, "bucket_v2", "bucket has no server-side encryption configuration.", drop=("assets-sse",)),
    Case(
        "s3-require-tls",
        M,
        "bucket_v2",
        "no bucket policy denies requests without TLS (aws:SecureTransport false).",
        drop=("assets-policy",),
    ),
    Case("s3-versioning", A, "bucket_v2", "bucket versioning is not enabled.", drop=("assets-versioning",)),
    Case("s3-access-logging", A, "bucket_v2", "bucket has no access logging.", drop=("assets-logging",)),
    Case("s3-no-public-acl", M, "bucket_acl_v2", "acl public-read grants public access.", {"acl": "public-read"}),
    Case(
        "s3-no-public-acl",
        M,
        "bucket_acl_v2",
        "acl authenticated-read grants public access.",
        {"acl": "authenticated-read"},
    ),
    Case(
        "s3-no-public-acl",
        M,
        "bucket_acl_v2",
        "accessControlPolicy grants WRITE to AuthenticatedUsers.",
        {
            "accessControlPolicy": {
                "grants": [
                    {
                        "permission": "WRITE",
                        "grantee": {
                            "type": "Group",
                            "uri": "https://acs.amazonaws.com/groups/global/AuthenticatedUsers",
                        },
                    }
                ]
            }
        },
    ),
    Case(
        "s3-no-public-acl",
        M,
        "bucket_v2",
        "acl public-read grants public access.",
        {"assets:acl": "public-read"},
    ),
    Case(
        "s3-no-public-acl",
        M,
        "bucket",
        "grants give READ, READ_ACP to AllUsers.",
        {
            "assets:grants": [
                {
                    "type": "Group",
                    "uri": "http://acs.amazonaws.com/groups/global/AllUsers",
                    "permissions": ["READ", "READ_ACP"],
                }
            ]
        },
    ),
    Case(
        "s3-no-public-policy",
        M,
        "bucket",
        "policy statement 1 allows s3:GetObject to any principal.",
        {"assets-policy:policy.Statement.1": PUBLIC_READ},
    ),
    Case(
        "s3-no-public-policy",
        M,
        "bucket",
        "policy statement 1 allows s3:GetObject to any principal.",
        {"assets-policy:policy.Statement.1": {**PUBLIC_READ, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}},
    ),
    Case(
        "s3-no-public-policy",
        M,
        "bucket",
        "policy statement 1 allows s3:GetObject to any principal.",
        {
            "assets-policy:policy.Statement.1": {
                **PUBLIC_READ,
                "Principal": {"AWS": ["*"]},
                "Condition": {"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}},
            }
        },
    ),
    Case(
        "s3-no-public-policy",
        M,
        "bucket",
        "policy statement 1 allows s3:GetObject to any principal.",
        {
            "assets-policy:policy.Statement.1": {
                **PUBLIC_READ,
                "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
            }
        },
    ),
    Case(
        "s3-no-public-policy",
        M,
        "bucket_v2",
        "policy statement 0 allows s3:GetObject to any principal.",
        {"assets:policy": Json({"Version": "2012-10-17", "Statement": [PUBLIC_READ]})},
    ),
    # --- Resource policies beyond S3: one bypass class each, on a different resource type ------
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "policy statement 1 allows kms:Decrypt, kms:GenerateDataKey* to any principal.",
        {"data-key:policy.Statement.1.Condition": DELETE},
    ),
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "policy statement 1 allows kms:Decrypt to any principal.",
        {"logs-key-policy:policy.Statement.1.Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    ),
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "policy statement 1 allows SNS:Subscribe, SNS:Publish to any principal.",
        {"alerts-policy:policy.Statement.1.Condition": {"StringLike": {"AWS:SourceOwner": "*"}}},
    ),
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "policy statement 1 allows sqs:SendMessage to any principal.",
        {"jobs-policy:policy.Statement.1.Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:alerts"}}},
    ),
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "policy statement 1 allows secretsmanager:GetSecretValue to any principal.",
        {"db-secret-policy:policy.Statement.1.Effect": "Allow"},
    ),
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "policy statement 0 allows ecr:BatchGetImage to any principal.",
        {"web-repo-policy:policy.Statement.0.Principal": {"AWS": ["*"]}},
    ),
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "policy statement 1 allows ecr:BatchGetImage to any principal.",
        {
            "web-repo-policy:policy.Statement.1.Condition": {
                "ForAllValues:StringEquals": {"aws:PrincipalAccount": ["123456789012"]}
            }
        },
    ),
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "accessPolicies statement 0 allows es:ESHttp* to any principal.",
        {
            "search:accessPolicies.Statement.0": {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": ACCOUNT_ROOT},
                "Action": "es:ESHttp*",
            }
        },
    ),
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "accessPolicies statement 1 allows es:ESHttpGet to any principal.",
        {"search:accessPolicies.Statement.1.Condition.IpAddress.aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]},
    ),
    Case(
        "resource-policy-no-public-principal",
        M,
        "resource_policies",
        "policy statement 1 allows elasticfilesystem:ClientMount, elasticfilesystem:ClientWrite to any principal.",
        {"uploads-policy:policy.Statement.1.Condition.Bool.elasticfilesystem:AccessedViaMountTarget": "false"},
    ),
    # --- ECS / ECR -----------------------------------------------------------------------
    Case(
        "ecs-no-privileged-containers",
        M,
        "task_definition",
        "container web is privileged.",
        {f"{CONTAINERS}.privileged": True},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web sets DB_PASSWORD in its plaintext environment.",
        {f"{CONTAINERS}.environment.1": {"name": "DB_PASSWORD", "value": "hunter22"}},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web environment DATABASE_URL holds what looks like a URL with an embedded password.",
        {
            f"{CONTAINERS}.environment.1": {
                "name": "DATABASE_URL",
                "value": "postgres://app:s3cr3t@db:5432/app",
            }
        },
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web environment UPSTREAM holds what looks like an AWS access key id.",
        {f"{CONTAINERS}.environment.1": {"name": "UPSTREAM", "value": "AKIAIOSFODNN7EXAMPLE"}},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web sets ENCRYPTION_KEY in its plaintext environment.",
        {f"{CONTAINERS}.environment.1": {"name": "ENCRYPTION_KEY", "value": "b64:Zm9vYmFy"}},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web sets STRIPE_SK in its plaintext environment.",
        {f"{CONTAINERS}.environment.1": {"name": "STRIPE_SK", "value": "sk_test_abc"}},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web sets DB_PASS in its plaintext environment.",
        {f"{CONTAINERS}.environment.1": {"name": "DB_PASS", "value": "hunter22"}},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web sets signingKey in its plaintext environment.",
        {f"{CONTAINERS}.environment.1": {"name": "signingKey", "value": "k1"}},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web environment REDIS_URL holds what looks like a URL with an embedded password.",
        {f"{CONTAINERS}.environment.1": {"name": "REDIS_URL", "value": "rediss://:tok3n@cache.internal:6379/0"}},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web environment DATABASE_URL holds what looks like a connection string with a credential parameter.",
        {
            f"{CONTAINERS}.environment.1": {
                "name": "DATABASE_URL",
                "value": "postgres://db.internal/app?user=app&password=s3cr3t",
            }
        },
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "container web environment PG_DSN holds what looks like a connection string with a credential parameter.",
        {f"{CONTAINERS}.environment.1": {"name": "PG_DSN", "value": "host=db.internal user=app pwd=s3cr3t"}},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "containerDefinitions holds a Pulumi secret, which the task definition stores in plaintext.",
        {"containerDefinitions": AS_SECRET},
    ),
    Case(
        "ecs-no-plaintext-secrets",
        M,
        "task_definition",
        "containerDefinitions holds a Pulumi secret, which the task definition stores in plaintext.",
        {"containerDefinitions": SECRET},
    ),
    Case(
        "ecs-service-no-public-ip",
        M,
        "ecs_service",
        "networkConfiguration.assignPublicIp is true.",
        {"networkConfiguration.assignPublicIp": True},
    ),
    Case(
        "ecs-scheduled-task-no-public-ip",
        M,
        "ecs_schedule",
        "target.ecsParameters.networkConfiguration.assignPublicIp is true.",
        {"target.ecsParameters.networkConfiguration.assignPublicIp": True},
    ),
    Case(
        "ecs-read-only-root-filesystem",
        A,
        "task_definition",
        "container web does not set readonlyRootFilesystem.",
        {f"{CONTAINERS}.readonlyRootFilesystem": DELETE},
    ),
    Case(
        "ecs-non-root-user",
        A,
        "task_definition",
        "container web runs as root (user 0:0).",
        {f"{CONTAINERS}.user": "0:0"},
    ),
    Case(
        "ecs-non-root-user",
        A,
        "task_definition",
        "container web sets no user, so it runs as the image's user (often root).",
        {f"{CONTAINERS}.user": DELETE},
    ),
    Case(
        "ecr-scan-on-push",
        M,
        "ecr",
        "imageScanningConfiguration.scanOnPush is not true.",
        {"imageScanningConfiguration.scanOnPush": False},
    ),
    Case("ecr-immutable-tags", M, "ecr", "imageTagMutability is MUTABLE.", {"imageTagMutability": "MUTABLE"}),
    Case(
        "ecr-immutable-tags",
        M,
        "ecr",
        "imageTagMutability is not set (defaults to MUTABLE).",
        {"imageTagMutability": DELETE},
    ),
    # --- IAM / KMS / secrets / logs -------------------------------------------------------
    Case(
        "iam-no-wildcard-actions",
        M,
        "iam_policy",
        "policy statement 0 allows action *.",
        {"policy.Statement.0.Action": "*"},
    ),
    Case(
        "iam-no-wildcard-actions",
        M,
        "role_policy",
        "policy statement 0 allows action *:*.",
        {"policy.Statement.0.Action": ["s3:GetObject", "*:*"]},
    ),
    Case(
        "iam-no-wildcard-actions",
        M,
        "role",
        "inline policy read-assets statement 0 allows action *.",
        {"inlinePolicies.0.policy": Json(WORLD_ADMIN)},
    ),
    Case(
        "iam-no-public-assume-role",
        M,
        "role",
        "assumeRolePolicy statement 0 lets any principal assume the role.",
        {"assumeRolePolicy.Statement.0.Principal": {"AWS": "*"}},
    ),
    Case(
        "iam-no-wildcard-actions",
        M,
        "iam_policy",
        "policy statement 0 allows every action except its NotAction list on every resource.",
        {"policy.Statement.0": {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}},
    ),
    Case(
        "iam-no-wildcard-actions",
        M,
        "user_policy",
        "policy statement 0 allows every action except its NotAction list on every resource.",
        {"policy.Statement.0": {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "NotResource": "arn:aws:s3:::x"}},
    ),
    Case(
        "iam-no-privilege-escalation",
        M,
        "iam_policy",
        "policy statement 0 grants iam:AttachRolePolicy through action iam:* (privilege escalation).",
        {"policy.Statement.0.Action": "iam:*"},
    ),
    Case(
        "iam-no-privilege-escalation",
        M,
        "role_policy",
        "policy statement 0 grants iam:PutRolePolicy through action IAM:Put* (privilege escalation).",
        {"policy.Statement.0.Action": ["s3:GetObject", "IAM:Put*"]},
    ),
    Case(
        "iam-no-privilege-escalation",
        M,
        "user_policy",
        "policy statement 0 grants iam:AttachRolePolicy through action *:Attach* (privilege escalation).",
        {"policy.Statement.0.Action": "*:Attach*"},
    ),
    Case(
        "iam-no-privilege-escalation",
        M,
        "iam_policy",
        "policy statement 0 grants iam:PassRole through action iam:PassRole (privilege escalation).",
        {"policy.Statement.0": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}},
    ),
    Case(
        "iam-no-privilege-escalation",
        M,
        "role_policy",
        "policy statement 0 grants iam:AttachRolePolicy through NotAction (privilege escalation).",
        {
            "policy.Statement.0": {
                "Effect": "Allow",
                "NotAction": "s3:*",
                "Resource": "arn:aws:iam::123456789012:role/app",
            }
        },
    ),
    Case(
        "iam-no-privilege-escalation",
        M,
        "role",
        "inline policy read-assets statement 0 grants iam:CreateAccessKey through action "
        "iam:CreateAccessKey (privilege escalation).",
        {"inlinePolicies.0.policy.Statement.0.Action": "iam:CreateAccessKey"},
    ),
    Case(
        "iam-no-admin-managed-policy",
        M,
        "role_attachment",
        "policyArn attaches the AWS-managed policy AdministratorAccess.",
        {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    Case(
        "iam-no-admin-managed-policy",
        M,
        "role_attachment",
        "policyArn attaches the AWS-managed policy IAMFullAccess.",
        {"policyArn": "arn:aws-us-gov:iam::aws:policy/IAMFullAccess"},
    ),
    Case(
        "iam-no-admin-managed-policy",
        M,
        "role",
        "managedPolicyArns[0] attaches the AWS-managed policy PowerUserAccess.",
        {"managedPolicyArns.0": "arn:aws:iam::aws:policy/PowerUserAccess"},
    ),
    Case(
        "iam-no-public-assume-role",
        M,
        "cross_account_role",
        "assumeRolePolicy statement 0 lets any principal assume the role (its Condition does not pin the caller).",
        {"assumeRolePolicy.Statement.0.Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    ),
    Case(
        "iam-no-public-assume-role",
        M,
        "cross_account_role",
        "assumeRolePolicy statement 0 lets any principal assume the role (its Condition does not pin the caller).",
        {"assumeRolePolicy.Statement.0.Condition": {"StringLike": {"aws:PrincipalArn": "*"}}},
    ),
    Case(
        "iam-no-public-assume-role",
        M,
        "cross_account_role",
        "assumeRolePolicy statement 0 lets any principal assume the role (its Condition does not pin the caller).",
        {"assumeRolePolicy.Statement.0.Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy"}}},
    ),
    Case(
        "iam-no-public-assume-role",
        M,
        "cross_account_role",
        "assumeRolePolicy statement 0 lets any principal assume the role (its Condition does not pin the caller).",
        {"assumeRolePolicy.Statement.0.Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123def4"}}},
    ),
    Case(
        "iam-no-public-assume-role",
        M,
        "cross_account_role",
        "assumeRolePolicy statement 0 lets any principal assume the role (its Condition does not pin the caller).",
        {"assumeRolePolicy.Statement.0.Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}},
    ),
    Case(
        "iam-no-public-assume-role",
        M,
        "cross_account_role",
        "assumeRolePolicy statement 0 lets any principal assume the role.",
        {"assumeRolePolicy.Statement.0.Principal": "*", "assumeRolePolicy.Statement.0.Condition": DELETE},
    ),
    Case(
        "iam-github-oidc-trust-pinned",
        M,
        "github_role",
        "assumeRolePolicy statement 0 trusts GitHub Actions OIDC without a token.actions.githubusercontent.com:sub "
        "condition, so any repository's workflow can assume it.",
        {"assumeRolePolicy.Statement.0.Condition": {"StringEquals": {GITHUB_AUD: "sts.amazonaws.com"}}},
    ),
    Case(
        "iam-github-oidc-trust-pinned",
        M,
        "github_role",
        "assumeRolePolicy statement 0 trusts GitHub Actions OIDC for sub repo:acme/*:ref:refs/heads/main, which is "
        "not one repository and one branch, tag or environment.",
        {
            "assumeRolePolicy.Statement.0.Condition": {
                "StringEquals": {GITHUB_AUD: "sts.amazonaws.com"},
                "StringLike": {GITHUB_SUB: "repo:acme/*:ref:refs/heads/main"},
            }
        },
    ),
    Case(
        "iam-github-oidc-trust-pinned",
        M,
        "github_role",
        "assumeRolePolicy statement 0 trusts GitHub Actions OIDC for sub repo:acme/shop:*, which is "
        "not one repository and one branch, tag or environment.",
        {"assumeRolePolicy.Statement.0.Condition": {"StringLike": {GITHUB_SUB: "repo:acme/shop:*"}}},
    ),
    Case(
        "iam-github-oidc-trust-pinned",
        M,
        "github_role",
        "assumeRolePolicy statement 0 trusts GitHub Actions OIDC for sub repo:acme/shop:pull_request, which is "
        "not one repository and one branch, tag or environment.",
        {"assumeRolePolicy.Statement.0.Condition": {"StringEquals": {GITHUB_SUB: "repo:acme/shop:pull_request"}}},
    ),
    Case(
        "iam-github-oidc-trust-pinned",
        M,
        "github_role",
        "assumeRolePolicy statement 0 trusts GitHub Actions OIDC without a token.actions.githubusercontent.com:sub "
        "condition, so any repository's workflow can assume it.",
        {"assumeRolePolicy.Statement.0.Condition": {"StringEqualsIfExists": {GITHUB_SUB: PINNED_SUB}}},
    ),
    Case("kms-key-rotation", M, "kms", "enableKeyRotation is not true.", {"enableKeyRotation": DELETE}),
    Case(
        "secret-customer-managed-key",
        A,
        "secret",
        "kmsKeyId is not set: the secret uses the AWS-managed key.",
        {"db-credentials:kmsKeyId": DELETE},
    ),
    Case("secret-rotation", A, "secret", "secret has no SecretRotation.", drop=("db-credentials-rotation",)),
    Case(
        "log-group-retention",
        M,
        "log_group",
        "retentionInDays is not set: logs are kept forever.",
        {"retentionInDays": DELETE},
    ),
    Case(
        "log-group-retention",
        M,
        "log_group",
        "retentionInDays is not set: logs are kept forever.",
        {"retentionInDays": 0},
    ),
    Case(
        "log-group-retention-minimum",
        A,
        "log_group",
        "retentionInDays is 7; at least 30 recommended.",
        {"retentionInDays": 7},
    ),
    Case("log-group-encrypted", A, "log_group", "kmsKeyId is not set.", {"kmsKeyId": DELETE}),
    # --- Kubernetes workloads ------------------------------------------------------------
    Case(
        "k8s-no-privileged-containers",
        M,
        "deployment",
        "container web: securityContext.privileged is true.",
        {f"{SC}.privileged": True},
    ),
    Case(
        "k8s-no-privileged-containers",
        M,
        "cronjob",
        "container web: securityContext.privileged is true.",
        {"report:spec.jobTemplate.spec.template.spec.containers.0.securityContext.privileged": True},
    ),
    Case(
        "k8s-no-host-namespaces",
        M,
        "deployment",
        "pod spec sets hostNetwork: true.",
        {f"{POD}.hostNetwork": True},
    ),
    Case("k8s-no-host-namespaces", M, "pod", "pod spec sets hostPID: true.", {"debug:spec.hostPID": True}),
    Case(
        "k8s-no-host-path-volumes",
        M,
        "deployment",
        "volume tmp mounts a hostPath.",
        {f"{POD}.volumes.0.hostPath": {"path": "/var/run"}},
    ),
    Case(
        "k8s-no-host-path-volumes",
        M,
        "persistent_volume",
        "PersistentVolume data-pv is a hostPath volume (/var/lib/data).",
        {"spec.csi": DELETE, "spec.hostPath": {"path": "/var/lib/data"}},
    ),
    Case(
        "k8s-no-privilege-escalation",
        M,
        "deployment",
        "container web: allowPrivilegeEscalation is not false.",
        {f"{SC}.allowPrivilegeEscalation": DELETE},
    ),
    Case(
        "k8s-no-privilege-escalation",
        M,
        "job",
        "container web: allowPrivilegeEscalation is not false.",
        {"migrate:spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation": True},
    ),
    Case(
        "k8s-run-as-non-root",
        M,
        "deployment",
        "container web: runAsNonRoot is not true.",
        {f"{POD}.securityContext.runAsNonRoot": DELETE},
    ),
    Case(
        "k8s-run-as-non-root",
        M,
        "deployment",
        "container web: runAsNonRoot is not true.",
        {f"{SC}.runAsNonRoot": False},
    ),
    Case("k8s-no-root-uid", M, "deployment", "container web: runAsUser is 0.", {f"{SC}.runAsUser": 0}),
    Case(
        "k8s-no-root-uid",
        M,
        "statefulset",
        "container web: runAsUser is 0.",
        {"queue:spec.template.spec.securityContext.runAsUser": 0},
    ),
    Case(
        "k8s-drop-all-capabilities",
        M,
        "deployment",
        "container web: capabilities.drop does not include ALL.",
        {f"{SC}.capabilities.drop": ["NET_RAW"]},
    ),
    Case(
        "k8s-no-added-capabilities",
        M,
        "deployment",
        "container web: capabilities.add includes SYS_ADMIN.",
        {f"{SC}.capabilities.add": ["SYS_ADMIN"]},
    ),
    Case(
        "k8s-no-added-capabilities",
        M,
        "cronjob",
        "container web: capabilities.add includes cap_net_raw.",
        {
            "report:spec.jobTemplate.spec.template.spec.containers.0.securityContext.capabilities.add": [
                "NET_BIND_SERVICE",
                "cap_net_raw",
            ]
        },
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "deployment",
        "container web: env ENCRYPTION_KEY is set in plaintext.",
        {f"{C0}.env.0": {"name": "ENCRYPTION_KEY", "value": "0123456789abcdef"}},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "deployment",
        "container web: env DB_PASSWORD is set in plaintext.",
        {f"{C0}.env.1": {"name": "DB_PASSWORD", "value": "hunter22"}},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "statefulset",
        "container web: env REDIS_URL holds what looks like a URL with an embedded password.",
        {"queue:spec.template.spec.containers.0.env.0": {"name": "REDIS_URL", "value": "rediss://:tok3n@redis:6380/0"}},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "job",
        "container web: env STRIPE_SK is set in plaintext.",
        {"migrate:spec.template.spec.containers.0.env.0": {"name": "STRIPE_SK", "value": "sk_test_abc"}},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "configmap",
        "ConfigMap web-config: data key DB_PASS is set in plaintext.",
        {"data.DB_PASS": "hunter22"},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "configmap",
        "ConfigMap web-config: data key CACHE holds what looks like a URL with an embedded password.",
        {"data.CACHE": "rediss://:tok3n@redis:6380/0"},
    ),
    # A Pulumi secret passed as a plain value: revealed (in memory, engine) or masked ("[secret]" in plan JSON).
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "deployment",
        "container web: env LOG_LEVEL takes its value from a Pulumi secret.",
        {f"{C0}.env.0.value": AS_SECRET},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "deployment",
        "container web: env DB_PASSWORD takes its value from a Pulumi secret.",
        {f"{C0}.env.1": {"name": "DB_PASSWORD", "value": SECRET}},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "cronjob",
        "container web: env LOG_LEVEL takes its value from a Pulumi secret.",
        {"report:spec.jobTemplate.spec.template.spec.containers.0.env.0.value": AS_SECRET},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "deployment",
        "spec.template.metadata.labels.app holds a Pulumi secret, which the Deployment stores in plaintext.",
        {"web:spec.template.metadata.labels.app": AS_SECRET},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "configmap",
        "ConfigMap web-config: data key LOG_LEVEL holds a Pulumi secret.",
        {"data.LOG_LEVEL": AS_SECRET},
    ),
    Case(
        "k8s-no-plaintext-secret-env",
        M,
        "configmap",
        "data holds a Pulumi secret, which the ConfigMap stores in plaintext.",
        {"data": SECRET},
    ),
    Case(
        "k8s-seccomp-runtime-default",
        M,
        "deployment",
        "container web: seccompProfile.type is Unconfined, not RuntimeDefault.",
        {f"{POD}.securityContext.seccompProfile.type": "Unconfined"},
    ),
    Case(
        "k8s-seccomp-runtime-default",
        M,
        "deployment",
        "container web: seccompProfile.type is not set, not RuntimeDefault.",
        {f"{POD}.securityContext.seccompProfile": DELETE},
    ),
    Case(
        "k8s-pinned-image-tag",
        M,
        "deployment",
        "container web: image ghcr.io/acme/web:latest uses the mutable tag latest.",
        {f"{C0}.image": "ghcr.io/acme/web:latest"},
    ),
    Case(
        "k8s-pinned-image-tag",
        M,
        "deployment",
        "container web: image localhost:5000/web has no tag.",
        {f"{C0}.image": "localhost:5000/web"},
    ),
    Case(
        "k8s-resource-requests",
        M,
        "deployment",
        "container web: resources.requests.cpu is not set.",
        {f"{C0}.resources.requests.cpu": DELETE},
    ),
    Case(
        "k8s-resource-requests",
        M,
        "deployment",
        "container web: resources.requests.memory is not set.",
        {f"{C0}.resources.requests.memory": DELETE},
    ),
    Case(
        "k8s-memory-limit",
        M,
        "deployment",
        "container web: resources.limits.memory is not set.",
        {f"{C0}.resources.limits": DELETE},
    ),
    Case(
        "k8s-read-only-root-filesystem",
        A,
        "deployment",
        "container web: readOnlyRootFilesystem is not true.",
        {f"{SC}.readOnlyRootFilesystem": False},
    ),
    Case("k8s-probes", A, "deployment", "container web: no livenessProbe.", {f"{C0}.livenessProbe": DELETE}),
    Case(
        "k8s-probes",
        A,
        "statefulset",
        "container web: no readinessProbe.",
        {"queue:spec.template.spec.containers.0.readinessProbe": DELETE},
    ),
    Case(
        "k8s-no-service-account-token",
        A,
        "deployment",
        "automountServiceAccountToken is not false.",
        {f"{POD}.automountServiceAccountToken": DELETE},
    ),
    # --- Kubernetes coverage -------------------------------------------------------------
    Case(
        "k8s-network-policy-coverage",
        A,
        "deployment",
        "pods of Deployment web are not selected by any NetworkPolicy.",
        {"web-netpol:spec.podSelector.matchLabels.app": "api"},
    ),
    Case(
        "k8s-network-policy-coverage",
        A,
        "cronjob",
        "pods of CronJob report are not selected by any NetworkPolicy.",
        {"report-netpol:metadata.namespace": "other"},
    ),
    Case(
        "k8s-pod-disruption-budget",
        A,
        "deployment",
        "Deployment web has no PodDisruptionBudget.",
        drop=("web-pdb",),
    ),
    Case(
        "k8s-pod-disruption-budget",
        A,
        "deployment",
        "PodDisruptionBudget web-pdb allows no voluntary disruption of Deployment web.",
        {"web-pdb:spec.maxUnavailable": 0},
    ),
    Case(
        "k8s-pod-disruption-budget",
        A,
        "statefulset",
        "PodDisruptionBudget queue-pdb allows no voluntary disruption of StatefulSet queue.",
        {"queue-pdb:spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "queue"}}}},
    ),
    Case(
        "k8s-namespace-pod-security",
        M,
        "namespace",
        "namespace has no pod-security.kubernetes.io/enforce label: Pod Security admits privileged pods.",
        {"apps:metadata.labels": {"pod-security.kubernetes.io/warn": "restricted"}},
    ),
    Case(
        "k8s-namespace-pod-security",
        M,
        "namespace",
        "namespace enforces Pod Security privileged.",
        {"apps:metadata.labels": {"pod-security.kubernetes.io/enforce": "privileged"}},
    ),
    Case(
        "k8s-namespace-pod-security",
        M,
        "namespace",
        "namespace enforces Pod Security baseline without a appstack.dev/pod-security-justification annotation.",
        {"legacy:metadata.annotations": DELETE},
    ),
    Case(
        "k8s-no-exposed-data-store",
        M,
        "data_services",
        "Service db (type LoadBalancer) exposes a data store outside the cluster: port 5432.",
        {"db:spec.type": "LoadBalancer"},
    ),
    Case(
        "k8s-no-exposed-data-store",
        M,
        "data_services",
        "Service pg-metrics (type NodePort) exposes a data store outside the cluster: pods of StatefulSet "
        "postgres (image postgres:16.4).",
        {"pg-metrics:spec.type": "NodePort"},
    ),
    Case(
        "k8s-no-exposed-data-store",
        M,
        "data_services",
        "Service pg-pooler (type LoadBalancer) exposes a data store outside the cluster: CloudNativePG pods.",
        {"pg-pooler:spec.type": "LoadBalancer"},
    ),
    Case(
        "k8s-no-exposed-data-store",
        M,
        "data_services",
        "Service web-lb (type LoadBalancer) exposes a data store outside the cluster: port 6379.",
        {"web-lb:spec.ports.0.targetPort": 6379},
    ),
    Case(
        "k8s-no-admin-rbac-binding",
        M,
        "rbac",
        "ClusterRoleBinding view-binding binds ClusterRole cluster-admin.",
        {"view-binding:roleRef.name": "cluster-admin"},
    ),
    Case(
        "k8s-no-admin-rbac-binding",
        M,
        "rbac",
        "RoleBinding reader-binding binds ClusterRole edit.",
        {"reader-binding:roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"}},
    ),
    Case(
        "k8s-no-admin-rbac-binding",
        M,
        "rbac",
        "RoleBinding reader-binding binds Role reader, whose rule 0 grants verbs * on resources pods, configmaps.",
        {"reader:rules.0.verbs": ["*"]},
    ),
    Case(
        "k8s-no-admin-rbac-binding",
        M,
        "rbac",
        "RoleBinding reader-binding binds Role reader, whose rule 0 grants verbs get, list, watch on resources *.",
        {"reader:rules.0.resources": ["*"]},
    ),
    Case(
        "k8s-no-admin-rbac-binding",
        M,
        "rbac",
        "RoleBinding reader-binding binds Role reader, whose rule 0 grants verbs get, impersonate on resources "
        "pods, configmaps.",
        {"reader:rules.0.verbs": ["get", "impersonate"]},
    ),
    # --- whole stack ---------------------------------------------------------------------
    Case(
        "prod-public-routes-tls",
        M,
        "public_alb",
        "public load balancer alb has no HTTPS listener.",
        {"https:protocol": "HTTP"},
    ),
    Case(
        "prod-public-routes-tls",
        M,
        "ingress",
        "Ingress web-ingress serves host api.example.com without TLS.",
        {"spec.rules.0.host": "api.example.com"},
    ),
    Case(
        "prod-public-routes-tls",
        M,
        "ingress",
        "Ingress web-ingress has no tls section.",
        {"spec.tls": DELETE},
    ),
    Case(
        "prod-stateful-resources-protected",
        M,
        "rds",
        "Instance db is not protected (protect=True).",
        {"options/protect": False},
    ),
    Case(
        "prod-stateful-resources-protected",
        M,
        "statefulset",
        "StatefulSet queue is not protected (protect=True).",
        {"queue:options/protect": False},
    ),
    Case(
        "prod-stateful-resources-protected",
        M,
        "bucket",
        "Bucket assets is not protected (protect=True).",
        {"assets:options/protect": False},
    ),
    Case(
        "stack-outputs-no-plaintext-secrets",
        M,
        "outputs",
        "output dbPassword is named like a secret but is not marked secret.",
        outputs={"dbPassword": "hunter22"},
    ),
    Case(
        "stack-outputs-no-plaintext-secrets",
        M,
        "outputs",
        "output config.apiToken is named like a secret but is not marked secret.",
        outputs={"config": {"apiToken": "tok-123", "region": "eu-west-1"}},
    ),
    Case(
        "stack-outputs-no-plaintext-secrets",
        M,
        "outputs",
        "output dbEndpoint holds what looks like a URL with an embedded password in plaintext.",
        outputs={"dbEndpoint": "postgres://app:s3cr3t@db.internal:5432/app"},
    ),
    Case(
        "stack-outputs-no-plaintext-secrets",
        M,
        "outputs",
        "output cacheUrl holds what looks like a URL with an embedded password in plaintext.",
        outputs={"cacheUrl": "rediss://:tok3n@cache.internal:6379"},
    ),
    Case(
        "stack-outputs-no-plaintext-secrets",
        M,
        "outputs",
        "output dbEndpoint holds what looks like a connection string with a credential parameter in plaintext.",
        outputs={"dbEndpoint": "postgres://db.internal/app?password=s3cr3t"},
    ),
    Case(
        "stack-outputs-no-plaintext-secrets",
        M,
        "outputs",
        "output encryptionKey is named like a secret but is not marked secret.",
        outputs={"encryptionKey": "0123456789abcdef"},
    ),
    Case(
        "stack-outputs-no-plaintext-secrets",
        M,
        "outputs",
        "output smtp.pass is named like a secret but is not marked secret.",
        outputs={"smtp": {"pass": "hunter22"}},
    ),
    # --- Sidecars: every container rule covers them like the main container ---------------
    Case(
        "k8s-no-privileged-containers",
        M,
        "deployment",
        "container proxy: securityContext.privileged is true.",
        {f"{POD}.initContainers": [_native_sidecar(privileged=True)]},
    ),
    Case(
        "k8s-read-only-root-filesystem",
        A,
        "deployment",
        "container proxy: readOnlyRootFilesystem is not true.",
        {f"{POD}.initContainers": [_native_sidecar(readOnlyRootFilesystem=False)]},
    ),
    Case(
        "ecs-read-only-root-filesystem",
        A,
        "task_definition",
        "container proxy does not set readonlyRootFilesystem.",
        {"containerDefinitions": _task_with_sidecar(readonlyRootFilesystem=False)},
    ),
    Case(
        "ecs-non-root-user",
        A,
        "task_definition",
        "container proxy runs as root (user 0:0).",
        {"containerDefinitions": _task_with_sidecar(user="0:0")},
    ),
]

# Scenarios that must be compliant for a rule in addition to those of its cases.
EXTRA_COMPLIANT = {
    "stack-outputs-no-plaintext-secrets": ["outputs"],
    "k8s-network-policy-coverage": ["job", "pod"],
}

__all__ = ["CASES", "EXTRA_COMPLIANT", "UNKNOWN", "Case"]
