"""S3: locked down, SSE-KMS, TLS only, lifecycle, CORS from the spec, logging and versioning in prod, CDN."""

from __future__ import annotations

from appstack.components.aws.mock_outputs import _distribution

from .helpers import BUCKET, DISTRIBUTION, document, plain

S3 = "aws:s3/"


def _for(synthesis, kind, bucket_resource):
    """The sub-resource of one bucket (same resource name, the type in aws:s3/...)."""
    (found,) = [r for r in synthesis.by_type(f"{S3}{kind}") if r.name == bucket_resource]
    return found


def test_prod_buckets_are_the_app_buckets_and_their_access_log_buckets(prod):
    assert sorted(b.name for b in prod.by_type(BUCKET)) == [
        "elizabeth-access-logs", "elizabeth-files", "zmage-access-logs", "zmage-media"
    ]
    for bucket in prod.by_type(BUCKET):
        assert "bucket" not in bucket.inputs and "acl" not in bucket.inputs  # auto-named, no ACLs
        assert bucket.inputs["forceDestroy"] is False and bucket.options["protect"] is True


def test_every_bucket_blocks_public_access_and_disables_acls(prod, dev):
    for synthesis in (prod, dev):
        for bucket in synthesis.by_type(BUCKET):
            block = _for(synthesis, "bucketPublicAccessBlock:BucketPublicAccessBlock", bucket.name).inputs
            assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                  "restrictPublicBuckets"))
            ownership = _for(synthesis, "bucketOwnershipControls:BucketOwnershipControls", bucket.name)
            assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_every_bucket_policy_denies_requests_without_tls(prod, dev):
    for synthesis in (prod, dev):
        for policy in synthesis.by_type(f"{S3}bucketPolicy:BucketPolicy"):
            deny = document(policy)["Statement"][0]
            assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
            assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            assert len(deny["Resource"]) == 2 and deny["Resource"][1].endswith("/*")


def test_prod_versions_objects_expires_noncurrent_versions_and_logs_access(prod):
    for name in ("zmage-media", "elizabeth-files"):
        assert _for(prod, "bucketVersioning:BucketVersioning", name).inputs["versioningConfiguration"] == {
            "status": "Enabled"
        }
        rules = {r["id"]: r for r in _for(prod, "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                                          name).inputs["rules"]}
        assert rules["abort-incomplete-uploads"]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
        assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
        logging = _for(prod, "bucketLogging:BucketLogging", name).inputs
        app = name.split("-")[0]
        assert logging["targetBucket"].startswith(f"{app}-access-logs-") and logging["targetPrefix"] == f"{name[len(app) + 1:]}/"
    log_policy = document(_for(prod, "bucketPolicy:BucketPolicy", "zmage-access-logs"))["Statement"][1]
    assert log_policy["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert log_policy["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_dev_buckets_have_no_versioning_no_logging_and_may_be_destroyed(dev):
    assert dev.by_type(f"{S3}bucketVersioning:BucketVersioning") == []
    assert dev.by_type(f"{S3}bucketLogging:BucketLogging") == []
    assert sorted(b.name for b in dev.by_type(BUCKET)) == ["elizabeth-files", "zmage-media"]
    for bucket in dev.by_type(BUCKET):
        assert bucket.inputs["forceDestroy"] is True and bucket.options["protect"] is False
        rules = _for(dev, "bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket.name).inputs["rules"]
        assert [r["id"] for r in rules] == ["abort-incomplete-uploads"]


def test_zmage_cors_renders_the_app_url(prod):
    (rule,) = _for(prod, "bucketCorsConfiguration:BucketCorsConfiguration", "zmage-media").inputs["corsRules"]
    assert rule == {"allowedOrigins": ["https://zmage.example.com"], "allowedMethods": ["GET", "PUT", "HEAD"],
                    "allowedHeaders": ["*"], "exposeHeaders": ["ETag"], "maxAgeSeconds": 3000}
    assert prod.by_type(f"{S3}bucketCorsConfiguration:BucketCorsConfiguration")[0].name == "zmage-media"


def test_zmage_media_sits_behind_cloudfront_with_origin_access_control(prod):
    (distribution,) = prod.by_type(DISTRIBUTION)
    assert distribution.name == "zmage-media"
    (origin,) = distribution.inputs["origins"]
    assert origin["domainName"].endswith(".s3.us-east-1.amazonaws.com")
    assert origin["originAccessControlId"] == "zmage-media-id" and "s3OriginConfig" not in origin
    behavior = distribution.inputs["defaultCacheBehavior"]
    assert behavior["viewerProtocolPolicy"] == "redirect-to-https" and behavior["allowedMethods"] == [
        "GET", "HEAD", "OPTIONS"
    ]
    (oac,) = prod.by_type("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert (oac.inputs["signingBehavior"], oac.inputs["signingProtocol"]) == ("always", "sigv4")
    statements = document(_for(prod, "bucketPolicy:BucketPolicy", "zmage-media"))["Statement"]
    read = statements[1]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": _distribution("zmage-media", {})["arn"]}}
    # Elizabeth's files stay private: no distribution, no CloudFront statement.
    assert len(document(_for(prod, "bucketPolicy:BucketPolicy", "elizabeth-files"))["Statement"]) == 1


def test_the_cdn_url_reaches_the_app_as_storage_public_url(captured):
    # The app has a domain: the bucket is served at <bucket>.<domain> (tests/aws/data/test_cdn.py).
    assert captured.values["zmage:binding:storage.media.public_url"] == "https://media.zmage.example.com"
    assert "elizabeth:binding:storage.files.public_url" not in captured.values
    assert plain(captured.values["zmage:bucket:media"]).startswith("arn:aws:s3:::zmage-media-")
