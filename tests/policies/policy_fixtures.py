"""Minimal compliant scenarios per resource type, in the appstack.plan/v1 resource shape.

Failing cases (policy_cases.py) derive from these by changing one field (or, for
coverage rules, dropping one companion resource), Checkov/Polaris style.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from appstack_policies import SecretValue

UNKNOWN = "[unknown]"
SECRET = "[secret]"


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()


class _AsSecret:
    """A change that marks the value already at the path a Pulumi secret (the engine's secret envelope;
    offline, a SecretValue whose plaintext the resource rules still see)."""

    def __repr__(self) -> str:
        return "AS_SECRET"


AS_SECRET: Any = _AsSecret()


@dataclass
class Secret:
    value: Any


@dataclass
class Json:
    """A property the engine sees as a JSON string (containerDefinitions, IAM policies)."""

    value: Any


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::appstack::{type_}::{name}"


def res(
    type_: str, name: str, inputs: dict[str, Any], *, deps: tuple[str, ...] = (), protect: bool = False
) -> dict[str, Any]:
    return {
        "urn": urn(type_, name),
        "type": type_,
        "name": name,
        "custom": True,
        "parent": None,
        "inputs": inputs,
        "dependencies": [urn(*d.split("::")) for d in deps],
        "options": {"protect": protect, "retain_on_delete": False, "ignore_changes": [], "provider": None},
    }


RDS = "aws:rds/instance:Instance"
BUCKET = "aws:s3/bucket:Bucket"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
SECRET_TYPE = "aws:secretsmanager/secret:Secret"
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"

GITHUB_PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
GITHUB_AUD, GITHUB_SUB = "token.actions.githubusercontent.com:aud", "token.actions.githubusercontent.com:sub"
PINNED_SUB = "repo:acme/shop:environment:production"

CDN_ARN = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"

POLICY_ALLOW_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::app-assets/*"}],
}


def _container(name: str = "web", probes: bool = True) -> dict[str, Any]:
    container = {
        "name": name,
        "image": "ghcr.io/acme/web:1.4.2",
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
        },
        "env": [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
            {"name": "RECAPTCHA_SITE_KEY", "value": "6LcPUBLICsiteKEY"},
            {"name": "API_TOKEN_TTL", "value": "3600"},
        ],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
    }
    if probes:
        container["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
        container["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}}
    return container


def _pod_template(app: str, probes: bool = True) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 10001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [_container(probes=probes)],
            "volumes": [{"name": "tmp", "emptyDir": {}}],
        },
    }


def _meta(name: str) -> dict[str, Any]:
    return {"name": name, "namespace": "apps"}


def _k8s_guards(app: str) -> list[dict[str, Any]]:
    """The NetworkPolicy and PodDisruptionBudget that make a workload's pods covered."""
    return [
        res(
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            f"{app}-netpol",
            {
                "metadata": _meta(f"{app}-netpol"),
                "spec": {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress", "Egress"]},
            },
        ),
        res(
            "kubernetes:policy/v1:PodDisruptionBudget",
            f"{app}-pdb",
            {
                "metadata": _meta(f"{app}-pdb"),
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": app}}},
            },
        ),
    ]


def _bucket_set(bucket_type: str = BUCKET, suffix: str = "") -> list[dict[str, Any]]:
    on_bucket = (f"{bucket_type}::assets",)
    tls_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::app-assets", "arn:aws:s3:::app-assets/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "CloudFrontReads",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::app-assets/*",
                "Condition": {"StringEquals": {"AWS:SourceArn": CDN_ARN}},
            },
        ],
    }
    return [
        res(bucket_type, "assets", {"bucket": "app-assets"}, protect=True),
        res(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "assets-pab",
            {
                "bucket": UNKNOWN,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
            deps=on_bucket,
        ),
        res(
            f"aws:s3/bucketServerSideEncryptionConfiguration{suffix}:BucketServerSideEncryptionConfiguration{suffix}",
            "assets-sse",
            {
                "bucket": UNKNOWN,
                "rules": [
                    {
                        "applyServerSideEncryptionByDefault": {
                            "sseAlgorithm": "aws:kms",
                            "kmsMasterKeyId": UNKNOWN,
                        }
                    },
                ],
            },
            deps=on_bucket,
        ),
        res(
            "aws:s3/bucketPolicy:BucketPolicy",
            "assets-policy",
            {"bucket": UNKNOWN, "policy": Json(tls_policy)},
            deps=on_bucket,
        ),
        res(
            f"aws:s3/bucketVersioning{suffix}:BucketVersioning{suffix}",
            "assets-versioning",
            {"bucket": UNKNOWN, "versioningConfiguration": {"status": "Enabled"}},
            deps=on_bucket,
        ),
        res(
            f"aws:s3/bucketLogging{suffix}:BucketLogging{suffix}",
            "assets-logging",
            {"bucket": UNKNOWN, "targetBucket": "app-logs", "targetPrefix": "assets/"},
            deps=on_bucket,
        ),
    ]


def _workload(
    type_: str,
    name: str,
    spec_extra: dict[str, Any],
    probes: bool = True,
    template_path: tuple[str, ...] = ("spec", "template"),
) -> dict[str, Any]:
    body: dict[str, Any] = {"metadata": _meta(name)}
    node = body
    for key in template_path[:-1]:
        node = node.setdefault(key, {})
    node[template_path[-1]] = _pod_template(name, probes)
    body["spec"].update(spec_extra)
    return res(type_, name, body)


RESTRICTED = {"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted"}


def _data_store_workload() -> dict[str, Any]:
    postgres = _workload(STATEFUL_SET, "postgres", {"replicas": 1})
    postgres["inputs"]["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:16.4"
    return postgres


def _service(name: str, selector: dict[str, str], port: int, kind: str = "ClusterIP") -> dict[str, Any]:
    spec = {"type": kind, "selector": selector, "ports": [{"port": port, "targetPort": port}]}
    return res("kubernetes:core/v1:Service", name, {"metadata": _meta(name), "spec": spec})


ALB_INPUTS = {
    "loadBalancerType": "application",
    "internal": False,
    "dropInvalidHeaderFields": True,
    "desyncMitigationMode": "strictest",
    "enableDeletionProtection": True,
    "accessLogs": {"bucket": "app-logs", "prefix": "alb", "enabled": True},
}
HTTPS_LISTENER_INPUTS = {
    "loadBalancerArn": UNKNOWN,
    "port": 443,
    "protocol": "HTTPS",
    "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "certificateArn": UNKNOWN,
    "defaultActions": [{"type": "forward", "targetGroupArn": UNKNOWN}],
}

SCENARIOS: dict[str, Any] = {
    "rds": lambda: [
        res(
            RDS,
            "db",
            {
                "engine": "postgres",
                "engineVersion": "16.4",
                "instanceClass": "db.t4g.small",
                "allocatedStorage": 20,
                "storageEncrypted": True,
                "kmsKeyId": UNKNOWN,
                "publiclyAccessible": False,
                "backupRetentionPeriod": 14,
                "deletionProtection": True,
                "multiAz": True,
                "iamDatabaseAuthenticationEnabled": True,
                "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
                "autoMinorVersionUpgrade": True,
                "parameterGroupName": "db-params",
                "password": SECRET,
            },
            protect=True,
        )
    ],
    "rds_params": lambda: [
        res(
            "aws:rds/parameterGroup:ParameterGroup",
            "db-params",
            {
                "family": "postgres16",
                "parameters": [
                    {"name": "log_connections", "value": "1"},
                    {"name": "rds.force_ssl", "value": "1"},
                ],
            },
        )
    ],
    "redis": lambda: [
        res(
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "cache",
            {
                "description": "cache",
                "engine": "redis",
                "nodeType": "cache.t4g.small",
                "numCacheClusters": 2,
                "atRestEncryptionEnabled": True,
                "transitEncryptionEnabled": True,
                "authToken": SECRET,
                "automaticFailoverEnabled": True,
                "multiAzEnabled": True,
            },
            protect=True,
        )
    ],
    "security_group": lambda: [
        res(
            "aws:ec2/securityGroup:SecurityGroup",
            "alb-sg",
            {
                "vpcId": UNKNOWN,
                "ingress": [
                    {
                        "protocol": "tcp",
                        "fromPort": 443,
                        "toPort": 443,
                        "cidrBlocks": ["0.0.0.0/0"],
                        "ipv6CidrBlocks": ["::/0"],
                    },
                    {"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.0.0.0/16"]},
                ],
                "egress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}],
            },
        )
    ],
    "ingress_rule": lambda: [
        res(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "https-in",
            {
                "securityGroupId": UNKNOWN,
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrIpv4": "0.0.0.0/0",
            },
        )
    ],
    "egress_rule": lambda: [
        res(
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
            "https-out",
            {
                "securityGroupId": UNKNOWN,
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrIpv4": "0.0.0.0/0",
            },
        )
    ],
    "sg_rule": lambda: [
        res(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "https-rule",
            {
                "securityGroupId": UNKNOWN,
                "type": "ingress",
                "protocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrBlocks": ["0.0.0.0/0"],
            },
        )
    ],
    "private_ingress_rule": lambda: [
        res(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "redis-in",
            {
                "securityGroupId": UNKNOWN,
                "ipProtocol": "tcp",
                "fromPort": 6379,
                "toPort": 6379,
                "cidrIpv4": "10.0.0.0/16",
            },
        )
    ],
    "private_sg_rule": lambda: [
        res(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "postgres-rule",
            {
                "securityGroupId": UNKNOWN,
                "type": "ingress",
                "protocol": "tcp",
                "fromPort": 5432,
                "toPort": 5432,
                "cidrBlocks": ["10.0.0.0/16"],
            },
        )
    ],
    "prefix_list": lambda: [
        res(PREFIX_LIST, "office", {"addressFamily": "IPv4", "maxEntries": 5, "entries": [{"cidr": "81.2.69.0/24"}]}),
        res(
            "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry",
            "office-vpn",
            {"prefixListId": UNKNOWN, "cidr": "81.2.70.0/24"},
            deps=(f"{PREFIX_LIST}::office",),
        ),
        res(
            INGRESS_RULE,
            "db-from-office",
            {
                "securityGroupId": UNKNOWN,
                "ipProtocol": "tcp",
                "fromPort": 5432,
                "toPort": 5432,
                "prefixListId": UNKNOWN,
            },
            deps=(f"{PREFIX_LIST}::office",),
        ),
    ],
    "split_rules": lambda: [
        res("aws:ec2/securityGroup:SecurityGroup", "db-sg", {"vpcId": UNKNOWN}),
        *(
            res(
                INGRESS_RULE,
                name,
                {"securityGroupId": UNKNOWN, "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrIpv4": cidr},
                deps=("aws:ec2/securityGroup:SecurityGroup::db-sg",),
            )
            for name, cidr in (("db-in-a", "10.0.0.0/16"), ("db-in-b", "81.2.69.0/24"))
        ),
    ],
    # One group opened through all three shapes (/10 blocks); no port's sources add up to a /8's worth.
    "split_web": lambda: [
        res(
            "aws:ec2/securityGroup:SecurityGroup",
            "app-sg",
            {
                "vpcId": UNKNOWN,
                "ingress": [
                    {"protocol": "tcp", "fromPort": 8080, "toPort": 8090, "cidrBlocks": ["81.0.0.0/10"]},
                    {"protocol": "tcp", "fromPort": 22, "toPort": 22, "ipv6CidrBlocks": ["2400::/10"]},
                    {"protocol": "udp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
                ],
            },
        ),
        res(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "app-rule-b",
            {
                "securityGroupId": UNKNOWN,
                "type": "ingress",
                "protocol": "tcp",
                "fromPort": 8000,
                "toPort": 8085,
                "cidrBlocks": ["82.0.0.0/10"],
            },
            deps=("aws:ec2/securityGroup:SecurityGroup::app-sg",),
        ),
        res(
            INGRESS_RULE,
            "app-in-c",
            {"securityGroupId": UNKNOWN, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv6": "2600::/10"},
            deps=("aws:ec2/securityGroup:SecurityGroup::app-sg",),
        ),
    ],
    "sg_egress_rule": lambda: [
        res(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "egress-rule",
            {
                "securityGroupId": UNKNOWN,
                "type": "egress",
                "protocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrBlocks": ["0.0.0.0/0"],
            },
        )
    ],
    "load_balancer": lambda: [
        res(
            LB,
            "alb",
            dict(ALB_INPUTS),
        )
    ],
    "https_listener": lambda: [
        res(
            LISTENER,
            "https",
            dict(HTTPS_LISTENER_INPUTS),
        )
    ],
    "http_listener": lambda: [
        res(
            LISTENER,
            "http",
            {
                "loadBalancerArn": UNKNOWN,
                "port": 80,
                "protocol": "HTTP",
                "defaultActions": [
                    {
                        "type": "redirect",
                        "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
                    }
                ],
            },
        )
    ],
    "public_alb": lambda: [
        res(LB, "alb", {"loadBalancerType": "application", "internal": False}),
        res(LISTENER, "https", {"protocol": "HTTPS", "port": 443}, deps=(f"{LB}::alb",)),
        res(LISTENER, "http", {"protocol": "HTTP", "port": 80}, deps=(f"{LB}::alb",)),
    ],
    "bucket": _bucket_set,
    "bucket_v2": lambda: _bucket_set("aws:s3/bucketV2:BucketV2", "V2"),
    "bucket_acl": lambda: [res("aws:s3/bucketAcl:BucketAcl", "assets-acl", {"bucket": UNKNOWN, "acl": "private"})],
    "bucket_acl_v2": lambda: [
        res("aws:s3/bucketAclV2:BucketAclV2", "assets-acl", {"bucket": UNKNOWN, "acl": "private"})
    ],
    "alb_alias": lambda: [
        res(
            "aws:alb/loadBalancer:LoadBalancer",
            "alb",
            dict(ALB_INPUTS),
        ),
        res(
            "aws:alb/listener:Listener",
            "https",
            dict(HTTPS_LISTENER_INPUTS),
            deps=("aws:alb/loadBalancer:LoadBalancer::alb",),
        ),
    ],
    "aurora": lambda: [
        res(
            "aws:rds/cluster:Cluster",
            "aurora",
            {
                "engine": "aurora-postgresql",
                "engineVersion": "16.4",
                "storageEncrypted": True,
                "kmsKeyId": UNKNOWN,
                "backupRetentionPeriod": 14,
                "deletionProtection": True,
                "masterUsername": "admin_user",
                "masterPassword": SECRET,
            },
            protect=True,
        ),
        res(
            "aws:rds/clusterInstance:ClusterInstance",
            "aurora-1",
            {
                "clusterIdentifier": UNKNOWN,
                "engine": "aurora-postgresql",
                "instanceClass": "db.r6g.large",
                "publiclyAccessible": False,
            },
            deps=("aws:rds/cluster:Cluster::aurora",),
        ),
    ],
    "cache_cluster": lambda: [
        res(
            "aws:elasticache/cluster:Cluster",
            "sessions",
            {
                "clusterId": "sessions",
                "engine": "memcached",
                "nodeType": "cache.t4g.small",
                "numCacheNodes": 2,
                "transitEncryptionEnabled": True,
            },
            protect=True,
        )
    ],
    "task_definition": lambda: [
        res(
            "aws:ecs/taskDefinition:TaskDefinition",
            "web-task",
            {
                "family": "web",
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "256",
                "memory": "512",
                "containerDefinitions": Json(
                    [
                        {
                            "name": "web",
                            "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2",
                            "essential": True,
                            "privileged": False,
                            "readonlyRootFilesystem": True,
                            "user": "1000:1000",
                            "environment": [
                                {"name": "LOG_LEVEL", "value": "info"},
                                {
                                    "name": "DB_PASSWORD_SECRET_ARN",
                                    "value": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
                                },
                                {"name": "STRIPE_PUBLISHABLE_KEY", "value": "pk_live_51Hpublishable"},
                                {"name": "OAUTH_TOKEN_URL", "value": "https://auth.example.com/oauth/token"},
                                {"name": "REDIS_KEY_PREFIX", "value": "shop:"},
                                {"name": "S3_ACCESS_KEY_ID", "value": "minio-app"},
                                {
                                    "name": "DATABASE_URL",
                                    "value": "postgres://db.internal:5432/app?sslmode=verify-full",
                                },
                            ],
                            "secrets": [
                                {
                                    "name": "DB_PASSWORD",
                                    "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
                                }
                            ],
                        }
                    ]
                ),
            },
        )
    ],
    "ecs_service": lambda: [
        res(
            "aws:ecs/service:Service",
            "web-svc",
            {
                "cluster": UNKNOWN,
                "taskDefinition": UNKNOWN,
                "desiredCount": 2,
                "launchType": "FARGATE",
                "networkConfiguration": {
                    "assignPublicIp": False,
                    "subnets": [UNKNOWN],
                    "securityGroups": [UNKNOWN],
                },
            },
        )
    ],
    "ecs_schedule": lambda: [
        res(
            "aws:scheduler/schedule:Schedule",
            "report",
            {
                "scheduleExpression": "cron(0 2 * * ? *)",
                "flexibleTimeWindow": {"mode": "OFF"},
                "target": {
                    "arn": UNKNOWN,
                    "roleArn": UNKNOWN,
                    "ecsParameters": {
                        "taskDefinitionArn": UNKNOWN,
                        "launchType": "FARGATE",
                        "networkConfiguration": {
                            "assignPublicIp": False,
                            "subnets": [UNKNOWN],
                            "securityGroups": [UNKNOWN],
                        },
                    },
                },
            },
        )
    ],
    "ecr": lambda: [
        res(
            "aws:ecr/repository:Repository",
            "web-repo",
            {
                "imageScanningConfiguration": {"scanOnPush": True},
                "imageTagMutability": "IMMUTABLE",
            },
        )
    ],
    "iam_policy": lambda: [res("aws:iam/policy:Policy", "read-assets", {"policy": Json(POLICY_ALLOW_READ)})],
    "role_policy": lambda: [
        res(
            "aws:iam/rolePolicy:RolePolicy",
            "task-inline",
            {
                "role": UNKNOWN,
                "policy": Json(POLICY_ALLOW_READ),
            },
        )
    ],
    "role": lambda: [
        res(
            "aws:iam/role:Role",
            "task-role",
            {
                "assumeRolePolicy": Json(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            }
                        ],
                    }
                ),
                "inlinePolicies": [{"name": "read-assets", "policy": Json(POLICY_ALLOW_READ)}],
                "managedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
            },
        )
    ],
    "user_policy": lambda: [
        res("aws:iam/userPolicy:UserPolicy", "ci-user", {"user": UNKNOWN, "policy": Json(POLICY_ALLOW_READ)})
    ],
    "group_policy": lambda: [
        res("aws:iam/groupPolicy:GroupPolicy", "auditors", {"group": UNKNOWN, "policy": Json(POLICY_ALLOW_READ)})
    ],
    "role_attachment": lambda: [
        res(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "task-readonly",
            {"role": UNKNOWN, "policyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
        )
    ],
    "cross_account_role": lambda: [
        res(
            "aws:iam/role:Role",
            "org-reader",
            {
                "assumeRolePolicy": Json(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"AWS": "*"},
                                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
                            }
                        ],
                    }
                )
            },
        )
    ],
    "github_role": lambda: [
        res(
            "aws:iam/role:Role",
            "deploy",
            {
                "assumeRolePolicy": Json(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRoleWithWebIdentity",
                                "Principal": {"Federated": GITHUB_PROVIDER},
                                "Condition": {
                                    "StringEquals": {GITHUB_AUD: "sts.amazonaws.com", GITHUB_SUB: PINNED_SUB}
                                },
                            }
                        ],
                    }
                )
            },
        )
    ],
    "kms": lambda: [
        res(
            "aws:kms/key:Key",
            "data-key",
            {"enableKeyRotation": True, "deletionWindowInDays": 30},
            protect=True,
        )
    ],
    "secret": lambda: [
        res(SECRET_TYPE, "db-credentials", {"kmsKeyId": UNKNOWN, "recoveryWindowInDays": 7}),
        res(
            "aws:secretsmanager/secretRotation:SecretRotation",
            "db-credentials-rotation",
            {
                "secretId": UNKNOWN,
                "rotationLambdaArn": UNKNOWN,
                "rotationRules": {"automaticallyAfterDays": 30},
            },
            deps=(f"{SECRET_TYPE}::db-credentials",),
        ),
    ],
    "log_group": lambda: [
        res("aws:cloudwatch/logGroup:LogGroup", "web-logs", {"retentionInDays": 90, "kmsKeyId": UNKNOWN})
    ],
    "deployment": lambda: [_workload(DEPLOYMENT, "web", {"replicas": 2}), *_k8s_guards("web")],
    "statefulset": lambda: [
        res(STATEFUL_SET, "queue", _workload(STATEFUL_SET, "queue", {"replicas": 3})["inputs"], protect=True),
        *_k8s_guards("queue"),
    ],
    "job": lambda: [
        _workload("kubernetes:batch/v1:Job", "migrate", {"backoffLimit": 2}, probes=False),
        _k8s_guards("migrate")[0],
    ],
    "cronjob": lambda: [
        _workload(
            "kubernetes:batch/v1:CronJob",
            "report",
            {"schedule": "0 3 * * *"},
            probes=False,
            template_path=("spec", "jobTemplate", "spec", "template"),
        ),
        _k8s_guards("report")[0],
    ],
    "pod": lambda: [
        res(
            "kubernetes:core/v1:Pod",
            "debug",
            {
                "metadata": {**_meta("debug"), "labels": {"app": "debug"}},
                "spec": _pod_template("debug")["spec"],
            },
        ),
        _k8s_guards("debug")[0],
    ],
    "configmap": lambda: [
        res(
            "kubernetes:core/v1:ConfigMap",
            "web-config",
            {"metadata": _meta("web-config"), "data": {"LOG_LEVEL": "info", "API_TOKEN_TTL": "3600"}},
        )
    ],
    "persistent_volume": lambda: [
        res(
            "kubernetes:core/v1:PersistentVolume",
            "data-pv",
            {
                "metadata": {"name": "data-pv"},
                "spec": {
                    "capacity": {"storage": "10Gi"},
                    "accessModes": ["ReadWriteOnce"],
                    "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0123456789abcdef0"},
                },
            },
            protect=True,
        )
    ],
    "namespace": lambda: [
        res("kubernetes:core/v1:Namespace", "apps", {"metadata": {"name": "apps", "labels": dict(RESTRICTED)}}),
        res(
            "kubernetes:core/v1:Namespace",
            "legacy",
            {
                "metadata": {
                    "name": "legacy",
                    "labels": {"pod-security.kubernetes.io/enforce": "baseline"},
                    "annotations": {"appstack.dev/pod-security-justification": "vendor agent needs a writable root"},
                }
            },
        ),
    ],
    "data_services": lambda: [
        _data_store_workload(),
        _workload(DEPLOYMENT, "web", {"replicas": 2}),
        _service("db", {"app": "postgres"}, 5432),
        _service("pg-metrics", {"app": "postgres"}, 9187),
        _service("pg-pooler", {"cnpg.io/cluster": "pg"}, 6432),
        _service("web-lb", {"app": "web"}, 443, "LoadBalancer"),
    ],
    "rbac": lambda: [
        res(
            "kubernetes:rbac.authorization.k8s.io/v1:Role",
            "reader",
            {
                "metadata": _meta("reader"),
                "rules": [{"apiGroups": [""], "resources": ["pods", "configmaps"], "verbs": ["get", "list", "watch"]}],
            },
        ),
        res(
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            "reader-binding",
            {
                "metadata": _meta("reader-binding"),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
                "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "apps"}],
            },
        ),
        res(
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            "view-binding",
            {
                "metadata": {"name": "view-binding"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"kind": "Group", "name": "auditors", "apiGroup": "rbac.authorization.k8s.io"}],
            },
        ),
    ],
    "ingress": lambda: [
        res(
            "kubernetes:networking.k8s.io/v1:Ingress",
            "web-ingress",
            {
                "metadata": _meta("web-ingress"),
                "spec": {
                    "tls": [{"hosts": ["app.example.com"], "secretName": "web-tls"}],
                    "rules": [{"host": "app.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix"}]}}],
                },
            },
        )
    ],
}

ACCOUNT_ROOT = "arn:aws:iam::123456789012:root"


def _resource_policy(*statements: dict[str, Any]) -> Json:
    return Json({"Version": "2012-10-17", "Statement": list(statements)})


# Resource policies beyond S3, each with a statement 1 that uses Principal "*" correctly (a pinning Condition).
SCENARIOS["resource_policies"] = lambda: [
    res(
        "aws:kms/key:Key",
        "data-key",
        {
            "enableKeyRotation": True,
            "policy": _resource_policy(
                {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "kms:*", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            "kms:CallerAccount": "123456789012",
                            "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
                        }
                    },
                },
            ),
        },
    ),
    res(
        "aws:kms/keyPolicy:KeyPolicy",
        "logs-key-policy",
        {
            "keyId": UNKNOWN,
            "policy": _resource_policy(
                {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "kms:*", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
                },
            ),
        },
    ),
    res(
        "aws:sns/topicPolicy:TopicPolicy",
        "alerts-policy",
        {
            "arn": UNKNOWN,
            "policy": _resource_policy(
                {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish"},
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": ["SNS:Subscribe", "SNS:Publish"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"AWS:SourceOwner": "123456789012"}},
                },
            ),
        },
    ),
    res(
        "aws:sqs/queuePolicy:QueuePolicy",
        "jobs-policy",
        {
            "queueUrl": UNKNOWN,
            "policy": _resource_policy(
                {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "sqs:*"},
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "sqs:SendMessage",
                    "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:alerts"}},
                },
            ),
        },
    ),
    res(
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        "db-secret-policy",
        {
            "secretArn": UNKNOWN,
            "policy": _resource_policy(
                {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "secretsmanager:*"},
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "secretsmanager:GetSecretValue",
                    "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0abc"}},
                },
            ),
        },
    ),
    res(
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "web-repo-policy",
        {
            "repository": "web",
            "policy": _resource_policy(
                {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "ecr:BatchGetImage"},
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "ecr:BatchGetImage",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": ["123456789012", "210987654321"]}},
                },
            ),
        },
    ),
    res(
        "aws:efs/fileSystemPolicy:FileSystemPolicy",
        "uploads-policy",
        {
            "fileSystemId": UNKNOWN,
            "policy": _resource_policy(
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                    "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
                },
            ),
        },
    ),
    res(
        "aws:opensearch/domain:Domain",
        "search",
        {
            "accessPolicies": _resource_policy(
                {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "es:ESHttp*"},
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "es:ESHttpGet",
                    "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
                },
            )
        },
    ),
]

SCENARIOS["outputs"] = lambda: []  # no resources: only stack outputs

# Stack outputs used by the scenario "outputs" (plus any scenario's resources).
OUTPUTS = {
    "url": "https://app.example.com",
    "dbEndpoint": "db.internal:5432",
    "dbPassword": SECRET,
    "config": {"apiToken": SECRET, "region": "eu-west-1"},
    "stripePublishableKey": "pk_live_51Hpublishable",
    "tokenUrl": "https://auth.example.com/oauth/token",
}


def _materialize(value: Any) -> Any:
    if isinstance(value, Secret):
        return SecretValue(_materialize(value.value))
    if isinstance(value, Json):
        return json.dumps(_materialize(value.value))
    if isinstance(value, dict):
        return {k: _materialize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_materialize(v) for v in value]
    return value


def _set_path(node: Any, parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        node = node.value if isinstance(node, Json) else node
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node = node.value if isinstance(node, Json) else node
    last = parts[-1]
    if value is AS_SECRET:
        value = Secret(node[int(last)] if isinstance(node, list) else node[last])
    if isinstance(node, list):
        node[int(last)] = value
    elif value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value


def build(scenario: str, change: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Resources of ``scenario`` with ``change`` applied ("name:dotted.path" -> value or DELETE)."""
    resources = [copy.deepcopy(r) for r in SCENARIOS[scenario]() if r["name"] not in drop]
    for target, value in (change or {}).items():
        name, _, path = target.partition(":")
        if name not in {r["name"] for r in resources}:
            name, path = "", target
        resource = next(r for r in resources if not name or r["name"] == name)
        section, _, rest = path.partition("/")
        if rest:  # "options/protect" edits the resource options instead of its inputs
            _set_path(resource[section], rest.split("."), value)
        else:
            _set_path(resource["inputs"], path.split("."), value)
    return _materialize(resources)
