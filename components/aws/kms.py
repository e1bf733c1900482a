"""A customer-managed KMS key with rotation, whose key policy lets CloudWatch Logs (and CloudFront) use it.

The key policy is a separate `aws.kms.KeyPolicy` resource so that it can name resources created with
the key (CloudFront distributions reading SSE-KMS objects) without a dependency cycle. Consumers use
`AppKey.arn`, which resolves only once the policy is in place, so log groups encrypted with the key are
never created before the logs service may use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .common import AccountContext, account_context, child, first, policy_json

LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


@dataclass(frozen=True)
class AppKeyArgs:
    description: str
    alias: str  # "alias/appstack/<stack>/<app>": derived from stable names only
    deletion_window_days: int  # 7..30
    protect: bool
    tags: dict[str, str]


def key_policy_statements(
    account_id: str,
    partition: str,
    region: str,
    dns_suffix: str,
    distribution_arns: Sequence[str] = (),
    event_rules: bool = False,
) -> list[dict[str, Any]]:
    """The key policy: the account administers the key (IAM policies grant use), the logs service may
    encrypt log groups of this account and region, alarm publishers (and, with `event_rules`,
    EventBridge rules) may encrypt what they publish, and named CloudFront distributions may decrypt."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsUseKey",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.{dns_suffix}"},
            "Action": LOGS_ACTIONS,
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
                }
            },
        },
        {
            # Alarm notifications go to the app's SNS topic, which this key encrypts; CloudWatch (alarms)
            # and Managed Prometheus (alert manager) must encrypt what they publish, for this account only.
            "Sid": "AlarmPublishersUseKey",
            "Effect": "Allow",
            "Principal": {"Service": ["cloudwatch.amazonaws.com", "aps.amazonaws.com"]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
    ]
    if event_rules:
        # Rules notifying failed scheduled jobs publish to the same encrypted topic.
        statements.append(
            {
                "Sid": "EventBridgeRulesUseKey",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
    if distribution_arns:
        statements.append(
            {
                "Sid": "CloudFrontDecryptsBucketObjects",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"AWS:SourceArn": sorted(distribution_arns)}},
            }
        )
    return statements


class AppKey(pulumi.ComponentResource):
    """`arn` and `key_id` are usable once `attach_policy` has been called (it must be, exactly once)."""

    arn: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(self, name: str, args: AppKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:Key", name, None, opts)
        self._args = args
        self._key_name = name
        self.key = aws.kms.Key(
            name,
            description=args.description,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=args.deletion_window_days,
            tags=args.tags,
            opts=child(self, protect=args.protect),
        )
        aws.kms.Alias(name, name=args.alias, target_key_id=self.key.key_id, opts=child(self))
        # The raw ARN: fine for resources that never call KMS as a service principal (S3 default
        # encryption, CloudFront's bucket policy), and needed before the policy exists.
        self.raw_arn = self.key.arn
        self.account: AccountContext = account_context(self.key.arn)
        self.policy: aws.kms.KeyPolicy | None = None

    def attach_policy(self, distribution_arns: Sequence[pulumi.Output[str]] = (), event_rules: bool = False) -> None:
        account = self.account
        document = pulumi.Output.all(
            account.account_id, account.partition, account.region, account.dns_suffix, *distribution_arns
        ).apply(lambda v: key_policy_statements(v[0], v[1], v[2], v[3], v[4:], event_rules))
        self.policy = aws.kms.KeyPolicy(
            self._key_name,
            key_id=self.key.key_id,
            policy=document.apply(policy_json),
            opts=child(self),
        )
        self.arn = pulumi.Output.all(self.key.arn, self.policy.id).apply(first)
        self.key_id = pulumi.Output.all(self.key.key_id, self.policy.id).apply(first)
        self.register_outputs({"arn": self.arn, "key_id": self.key_id})
