"""The S3 bucket an ALB writes its access logs to: private, SSE-S3, TLS-only, expiring with the tier."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from appstack.naming import autonamed
from appstack.naming import aws as limits

from ..common import account_context

# Regions opened before August 2022 deliver ALB logs from a regional Elastic Load Balancing account and
# do not accept the log-delivery service principal; newer regions use the service principal. The
# list is AWS's (ELB user guide, "Enable access logs": regions available before August 2022), as the
# provider's elb.getServiceAccount and terraform-aws-modules/s3-bucket carry it. Commercial partition.
ELB_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-south-1": "718504428378",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-south-1": "635631232127",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


@dataclass(frozen=True)
class AccessLogBucketArgs:
    region: str
    prefix: str
    account_arn: pulumi.Input[str]  # any ARN of the app's account (its KMS key)
    retention_days: int
    protect: bool


def delivery_principal(region: str) -> dict[str, str]:
    account = ELB_ACCOUNTS.get(region)
    return {"AWS": f"arn:aws:iam::{account}:root"} if account else {"Service": LOG_DELIVERY_SERVICE}


class AlbAccessLogBucket(pulumi.ComponentResource):
    """`bucket_name` is what the load balancer's access_logs names; `policy` must exist before it does."""

    def __init__(self, name: str, args: AccessLogBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AlbAccessLogBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            autonamed(name, limits.S3_BUCKET_NAME),
            force_destroy=not args.protect,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            name, bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child
        )
        # ALB access logs support SSE-S3 only (not SSE-KMS).
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "expiration": {"days": args.retention_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                }
            ],
            opts=child,
        )
        account = account_context(args.account_arn).account_id
        self.policy = aws.s3.BucketPolicy(
            name,
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AlbLogDelivery",
                            "Effect": "Allow",
                            "Principal": delivery_principal(args.region),
                            "Action": "s3:PutObject",
                            "Resource": pulumi.Output.format("{0}/{1}/AWSLogs/{2}/*", bucket.arn, args.prefix, account),
                        },
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                }
            ),
            opts=child,
        )
        self.bucket_name = bucket.id
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucket": self.bucket_name})
