"""S3 buckets of one app, locked down: all four public-access blocks, ACLs off (bucket owner enforced),
SSE-KMS with a bucket key, a TLS-only policy, aborted incomplete uploads; prod adds versioning with
noncurrent-version expiry and server access logs. A `cdn` bucket is read by CloudFront through an
origin access control (the bucket stays private). On the app's domain (`cdn_domain`) CloudFront serves
an ACM certificate from us-east-1 (the only region CloudFront takes certificates from) with the
TLSv1.2_2021 policy; the default *.cloudfront.net certificate, which also accepts TLS 1.0, is left to
dev stacks without a domain (appstack.stackconfig.tier_problems refuses it in prod).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from appstack.components.bindings import render

from appstack.naming import autonamed
from appstack.naming import aws as limits
from appstack.spec import BucketSpec, SecurityHeaders

from .certificate import CertificateArgs, DnsValidatedCertificate
from .common import child, deny_insecure_transport, physical_name, policy_json

# AWS managed CloudFront policies (stable, documented IDs).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CORS_S3_ORIGIN = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
ABORT_UPLOADS_AFTER_DAYS = 7
CDN_TLS_POLICY = "TLSv1.2_2021"  # TLS 1.2+ with forward-secret ciphers only


def _lock_down(owner: pulumi.Resource, name: str, bucket: aws.s3.Bucket) -> list[pulumi.Resource]:
    return [
        aws.s3.BucketPublicAccessBlock(name, bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                                       ignore_public_acls=True, restrict_public_buckets=True, opts=child(owner)),
        aws.s3.BucketOwnershipControls(name, bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"},
                                       opts=child(owner)),
    ]


@dataclass(frozen=True)
class AccessLogBucketArgs:
    app: str
    stack: str
    retention_days: int
    protect: bool
    account_id: pulumi.Input[str]
    tags: dict[str, str]


class AccessLogBucket(pulumi.ComponentResource):
    """Receives the app buckets' server access logs. S3 log delivery only supports SSE-S3 targets."""

    def __init__(self, name: str, args: AccessLogBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AccessLogBucket", name, None, opts)
        self.bucket = aws.s3.Bucket(autonamed(name, limits.S3_BUCKET_NAME), force_destroy=False, tags=args.tags,
                                    opts=child(self, protect=args.protect))
        locks = _lock_down(self, name, self.bucket)
        aws.s3.BucketServerSideEncryptionConfiguration(name, bucket=self.bucket.id, rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"},
        }], opts=child(self))
        versioning = aws.s3.BucketVersioning(name, bucket=self.bucket.id,
                                             versioning_configuration={"status": "Enabled"}, opts=child(self))
        aws.s3.BucketLifecycleConfiguration(name, bucket=self.bucket.id, rules=[
            {"id": "expire-logs", "status": "Enabled", "filter": {}, "expiration": {"days": args.retention_days},
             "noncurrent_version_expiration": {"noncurrent_days": ABORT_UPLOADS_AFTER_DAYS}},
            {"id": "abort-incomplete-uploads", "status": "Enabled", "filter": {},
             "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_UPLOADS_AFTER_DAYS}},
        ], opts=child(self, depends_on=[versioning]))
        objects = pulumi.Output.concat(self.bucket.arn, "/*")
        self.policy = aws.s3.BucketPolicy(name, bucket=self.bucket.id, policy=policy_json([
            deny_insecure_transport([self.bucket.arn, objects]),
            {
                "Sid": "S3ServerAccessLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": objects,
                "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
            },
        ]), opts=child(self, depends_on=locks))
        self.register_outputs({"bucket": self.bucket.bucket})


@dataclass(frozen=True)
class AppBucketArgs:
    app: str
    stack: str
    bucket_name: str  # the name in the spec
    spec: BucketSpec
    app_values: dict[str, str]  # app.url / app.domain for CORS origins
    kms_key_arn: pulumi.Input[str]
    versioning: bool  # prod: versioning, noncurrent expiry and access logs
    protect: bool
    log_bucket: pulumi.Input[str] | None
    tags: dict[str, str]
    # `access: cdn` only: the distribution's own host, its certificate (DNS-validated, and the host aliased,
    # in the Route 53 zone when given) and the us-east-1 provider when the stack runs elsewhere.
    cdn_domain: str | None = None
    cdn_certificate: CertificateArgs | None = None
    us_east_1: pulumi.ProviderResource | None = None
    # The app's `edge.security_headers`, which CloudFront sends on every CDN response as the ALB or the
    # Ingress sends them on the app's own.
    security_headers: SecurityHeaders = SecurityHeaders()


class AppBucket(pulumi.ComponentResource):
    bucket_id: pulumi.Output[str]
    arn: pulumi.Output[str]
    regional_domain_name: pulumi.Output[str]
    distribution_arn: pulumi.Output[str] | None
    public_url: pulumi.Output[str] | None

    def __init__(self, name: str, args: AppBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:Bucket", name, None, opts)
        spec = args.spec
        bucket = aws.s3.Bucket(autonamed(name, limits.S3_BUCKET_NAME), force_destroy=not args.protect, tags=args.tags,
                               opts=child(self, protect=args.protect))
        self.bucket_id, self.arn = bucket.bucket, bucket.arn
        self.regional_domain_name = bucket.bucket_regional_domain_name
        locks = _lock_down(self, name, bucket)
        aws.s3.BucketServerSideEncryptionConfiguration(name, bucket=bucket.id, rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                        "kms_master_key_id": args.kms_key_arn},
            "bucket_key_enabled": True,
        }], opts=child(self))
        rules: list[dict] = [{"id": "abort-incomplete-uploads", "status": "Enabled", "filter": {},
                              "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_UPLOADS_AFTER_DAYS}}]
        if args.versioning:
            versioning = aws.s3.BucketVersioning(name, bucket=bucket.id,
                                                 versioning_configuration={"status": "Enabled"}, opts=child(self))
            rules.append({"id": "expire-noncurrent-versions", "status": "Enabled", "filter": {},
                          "noncurrent_version_expiration": {"noncurrent_days": spec.noncurrent_version_expiry_days},
                          "expiration": {"expired_object_delete_marker": True}})
        aws.s3.BucketLifecycleConfiguration(name, bucket=bucket.id, rules=rules,
                                            opts=child(self, depends_on=[versioning] if args.versioning else []))
        if spec.cors:
            aws.s3.BucketCorsConfiguration(name, bucket=bucket.id, cors_rules=[
                {"allowed_origins": [render(origin, args.app_values) for origin in rule.allowed_origins],
                 "allowed_methods": list(rule.allowed_methods), "allowed_headers": list(rule.allowed_headers),
                 "expose_headers": list(rule.expose_headers), "max_age_seconds": rule.max_age_seconds}
                for rule in spec.cors
            ], opts=child(self))
        if args.log_bucket is not None:
            aws.s3.BucketLogging(name, bucket=bucket.id, target_bucket=args.log_bucket,
                                 target_prefix=f"{args.bucket_name}/", opts=child(self))

        objects = pulumi.Output.concat(bucket.arn, "/*")
        statements: list[dict] = [deny_insecure_transport([bucket.arn, objects])]
        self.distribution_arn = self.public_url = None
        if spec.access == "cdn":
            distribution = self._cdn(name, args, bucket)
            self.distribution_arn = distribution.arn
            self.public_url = pulumi.Output.concat("https://", args.cdn_domain or distribution.domain_name)
            statements.append({
                "Sid": "CloudFrontReadsObjects",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": objects,
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution.arn}},
            })
        aws.s3.BucketPolicy(name, bucket=bucket.id, policy=policy_json(statements), opts=child(self, depends_on=locks))
        self.register_outputs({"bucket": self.bucket_id, "arn": self.arn, "public_url": self.public_url})

    def _viewer_certificate(self, name: str, args: AppBucketArgs) -> dict:
        if not args.cdn_domain or args.cdn_certificate is None:
            return {"cloudfront_default_certificate": True}
        certificate = DnsValidatedCertificate(
            f"{name}-cdn", args.cdn_certificate, child(self, providers=[args.us_east_1] if args.us_east_1 else None),
        )
        return {"acm_certificate_arn": certificate.arn, "ssl_support_method": "sni-only",
                "minimum_protocol_version": CDN_TLS_POLICY}

    def _response_headers(self, name: str, args: AppBucketArgs) -> aws.cloudfront.ResponseHeadersPolicy:
        """The app's security headers, overriding whatever the object's metadata says. HSTS is always on:
        CloudFront serves HTTPS only (viewers on HTTP are redirected)."""
        headers = args.security_headers
        config: dict = {
            "frame_options": {"frame_option": headers.frame_options, "override": True},
            "referrer_policy": {"referrer_policy": headers.referrer_policy, "override": True},
        }
        if headers.content_type_nosniff:
            config["content_type_options"] = {"override": True}
        if headers.hsts:
            config["strict_transport_security"] = {
                "access_control_max_age_sec": headers.hsts_max_age_seconds, "override": True,
                "include_subdomains": headers.hsts_include_subdomains, "preload": headers.hsts_preload,
            }
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-headers", name=physical_name(args.stack, args.app, args.bucket_name, "headers", max_length=128),
            comment=f"{args.app}: security headers of the {args.bucket_name} CDN"[:128],
            security_headers_config=config, opts=child(self),
        )

    def _cdn(self, name: str, args: AppBucketArgs, bucket: aws.s3.Bucket) -> aws.cloudfront.Distribution:
        oac = aws.cloudfront.OriginAccessControl(
            name, name=physical_name(args.stack, args.app, args.bucket_name, max_length=64),
            description=f"{args.app}: {args.bucket_name} bucket", origin_access_control_origin_type="s3",
            signing_behavior="always", signing_protocol="sigv4", opts=child(self),
        )
        headers = self._response_headers(name, args)
        distribution = aws.cloudfront.Distribution(
            name,
            aliases=[args.cdn_domain] if args.cdn_domain else None,
            comment=f"{args.app}: {args.bucket_name} ({args.spec.purpose})"[:128],
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class="PriceClass_100",
            origins=[{"domain_name": bucket.bucket_regional_domain_name, "origin_id": "bucket",
                      "origin_access_control_id": oac.id}],
            default_cache_behavior={
                "target_origin_id": "bucket", "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ["GET", "HEAD", "OPTIONS"], "cached_methods": ["GET", "HEAD"], "compress": True,
                "cache_policy_id": CACHING_OPTIMIZED, "origin_request_policy_id": CORS_S3_ORIGIN,
                "response_headers_policy_id": headers.id,
            },
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=self._viewer_certificate(name, args),
            tags=args.tags,
            opts=child(self),
        )
        zone = args.cdn_certificate.hosted_zone_id if args.cdn_certificate else None
        if args.cdn_domain and zone:
            for record_type in ("A", "AAAA"):  # IPv6 is on
                target = {"name": distribution.domain_name, "zone_id": distribution.hosted_zone_id,
                          "evaluate_target_health": False}
                aws.route53.Record(f"{name}-cdn-{record_type.lower()}", zone_id=zone,
                                   name=args.cdn_domain, type=record_type, aliases=[target], opts=child(self))
        return distribution
