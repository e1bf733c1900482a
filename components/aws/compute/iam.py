"""Task and execution roles: each workload gets its own pair, each scoped to that workload's resources.

The execution role is what ECS uses before the app starts (pull the image, fetch the secrets it
injects, write logs). The task role is what the app's code runs as (its buckets, its EFS access
points, the Prometheus workspace its collector writes to). Neither holds anything of another app.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from appstack.naming import autonamed
from appstack.naming import aws as limits

from ..common import account_context
from ..contracts import FileSystemRefs

VERSION = "2012-10-17"
ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
S3_OBJECT_ACTIONS = [
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
]
S3_BUCKET_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket"]
KMS_DATA_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
EXEC_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]
EFS_ACTIONS = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]


def assume_role_policy(kms_key_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """ECS tasks of this account and region only (confused-deputy protection)."""
    identity = account_context(kms_key_arn)
    return pulumi.Output.json_dumps(
        {
            "Version": VERSION,
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": identity.account_id},
                        "ArnLike": {
                            "aws:SourceArn": pulumi.Output.format(
                                "arn:{0}:ecs:{1}:{2}:*", identity.partition, identity.region, identity.account_id
                            )
                        },
                    },
                }
            ],
        }
    )


def execution_policy(
    *,
    repository_arns: Sequence[pulumi.Input[str]],
    log_group_arn: pulumi.Input[str],
    secret_arns: Sequence[pulumi.Input[str]],
    kms_key_arn: pulumi.Input[str],
) -> pulumi.Output[str]:
    statements: list[dict] = []
    if repository_arns:
        statements += [
            {"Sid": "EcrToken", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "EcrPull", "Effect": "Allow", "Action": ECR_PULL_ACTIONS, "Resource": list(repository_arns)},
        ]
    statements.append(
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": LOG_ACTIONS,
            "Resource": [pulumi.Output.concat(log_group_arn, ":log-stream:*")],
        }
    )
    if secret_arns:
        statements += [
            {
                "Sid": "InjectedSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": _unique(secret_arns),
            },
            {"Sid": "SecretsKey", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": kms_key_arn},
        ]
    return pulumi.Output.json_dumps({"Version": VERSION, "Statement": statements})


@dataclass(frozen=True)
class TaskGrants:
    bucket_arns: Sequence[pulumi.Input[str]] = ()
    file_systems: Sequence[FileSystemRefs] = ()
    exec_enabled: bool = False
    prometheus_workspace_arn: pulumi.Input[str] | None = None
    # The spec's iam_statements (appstack/spec/iam.py), validated before anything is registered; last, as
    # Spec<i>, so appstack's own Sids never change.
    extra_statements: Sequence[dict] = ()


def task_policy(grants: TaskGrants, kms_key_arn: pulumi.Input[str]) -> pulumi.Output[str] | None:
    """The app code's permissions, or None when it needs none (the role then has no policy)."""
    statements: list[dict] = []
    if grants.bucket_arns:
        statements += [
            {"Sid": "Buckets", "Effect": "Allow", "Action": S3_BUCKET_ACTIONS, "Resource": list(grants.bucket_arns)},
            {
                "Sid": "Objects",
                "Effect": "Allow",
                "Action": S3_OBJECT_ACTIONS,
                "Resource": [pulumi.Output.concat(arn, "/*") for arn in grants.bucket_arns],
            },
            {"Sid": "BucketKey", "Effect": "Allow", "Action": KMS_DATA_ACTIONS, "Resource": kms_key_arn},
        ]
    for index, fs in enumerate(grants.file_systems):
        statements.append(
            {
                "Sid": f"Efs{index}",
                "Effect": "Allow",
                "Action": EFS_ACTIONS,
                "Resource": fs.file_system_arn,
                "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": fs.access_point_arn}},
            }
        )
    if grants.prometheus_workspace_arn is not None:
        statements.append(
            {
                "Sid": "PrometheusRemoteWrite",
                "Effect": "Allow",
                "Action": "aps:RemoteWrite",
                "Resource": grants.prometheus_workspace_arn,
            }
        )
    if grants.exec_enabled:
        statements.append({"Sid": "EcsExec", "Effect": "Allow", "Action": EXEC_ACTIONS, "Resource": "*"})
    statements += grants.extra_statements
    if not statements:
        return None
    return pulumi.Output.json_dumps({"Version": VERSION, "Statement": statements})


@dataclass(frozen=True)
class TaskRoles:
    execution: aws.iam.Role
    task: aws.iam.Role


def task_roles(
    name: str,
    *,
    execution_document: pulumi.Output[str],
    task_document: pulumi.Output[str] | None,
    kms_key_arn: pulumi.Input[str],
    description: str,
    parent: pulumi.Resource,
) -> TaskRoles:
    opts = pulumi.ResourceOptions(parent=parent)
    trust = assume_role_policy(kms_key_arn)
    execution = aws.iam.Role(
        autonamed(f"{name}-execution", limits.IAM_ROLE_NAME),
        assume_role_policy=trust,
        description=f"ECS execution role: {description}",
        opts=opts,
    )
    aws.iam.RolePolicy(f"{name}-execution", role=execution.id, policy=execution_document, opts=opts)
    task = aws.iam.Role(
        autonamed(f"{name}-task", limits.IAM_ROLE_NAME),
        assume_role_policy=trust,
        description=f"ECS task role: {description}",
        opts=opts,
    )
    if task_document is not None:
        aws.iam.RolePolicy(f"{name}-task", role=task.id, policy=task_document, opts=opts)
    return TaskRoles(execution=execution, task=task)


def _unique(values: Sequence[pulumi.Input[str]]) -> pulumi.Output[list[str]]:
    return pulumi.Output.all(*values).apply(lambda items: sorted(set(items)))
