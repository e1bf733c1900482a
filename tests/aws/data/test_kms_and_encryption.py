"""One customer-managed key per app, rotated, used by every data store, secret and log group of the app."""

from __future__ import annotations

from .helpers import (
    APPS,
    BUCKET,
    DISTRIBUTION,
    EFS,
    KEY,
    KEY_POLICY,
    LOG_GROUP,
    RDS,
    REDIS,
    SECRET,
    document,
    key_arn,
    of,
    one,
)


def test_each_app_has_one_rotating_key_and_the_network_one_for_flow_logs(prod):
    assert sorted(k.name for k in prod.by_type(KEY)) == sorted([*APPS, "aws-flow-logs"])
    for key in prod.by_type(KEY):
        assert key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] == 30
        assert key.inputs["keyUsage"] == "ENCRYPT_DECRYPT"
        assert "policy" not in key.inputs  # the KeyPolicy resource owns it
    assert {a.inputs["name"] for a in prod.by_type("aws:kms/alias:Alias")} >= {"alias/appstack/prod/zmage"}


def test_key_policy_lets_cloudwatch_logs_of_this_account_and_region_use_the_key(prod):
    policy = document(one(prod, KEY_POLICY, "claude-relay"))
    logs = next(s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsUseKey")
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"] == {
        "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:*"
    }
    admin = next(s for s in policy["Statement"] if s["Sid"] == "AccountAdministersKey")
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert [s["Sid"] for s in policy["Statement"]] == ["AccountAdministersKey", "CloudWatchLogsUseKey", "AlarmPublishersUseKey"]


def test_alarm_publishers_of_this_account_may_encrypt_to_the_alarm_topic(prod):
    policy = document(one(prod, KEY_POLICY, "claude-relay"))
    alarms = next(s for s in policy["Statement"] if s["Sid"] == "AlarmPublishersUseKey")
    assert alarms["Principal"] == {"Service": ["cloudwatch.amazonaws.com", "aps.amazonaws.com"]}
    assert alarms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_zmage_key_lets_only_its_media_distribution_decrypt(prod):
    statements = document(one(prod, KEY_POLICY, "zmage"))["Statement"]
    cloudfront = next(s for s in statements if s["Sid"] == "CloudFrontDecryptsBucketObjects")
    (distribution,) = of(prod, DISTRIBUTION, "zmage")
    from appstack.components.aws.mock_outputs import _distribution

    assert cloudfront["Action"] == "kms:Decrypt"
    assert cloudfront["Condition"] == {"StringEquals": {"AWS:SourceArn": [_distribution(distribution.name, {})["arn"]]}}


def test_every_store_secret_and_log_group_of_an_app_uses_the_app_key(prod):
    for app in APPS:
        arn = key_arn(prod, app)
        for rds in of(prod, RDS, app):
            assert rds.inputs["storageEncrypted"] is True
            assert rds.inputs["kmsKeyId"] == arn and rds.inputs["performanceInsightsKmsKeyId"] == arn
        for redis in of(prod, REDIS, app):
            assert redis.inputs["atRestEncryptionEnabled"] is True and redis.inputs["kmsKeyId"] == arn
            assert redis.inputs["transitEncryptionEnabled"] is True
            assert redis.inputs["transitEncryptionMode"] == "required"
        for fs in of(prod, EFS, app):
            assert fs.inputs["encrypted"] is True and fs.inputs["kmsKeyId"] == arn
        for secret in of(prod, SECRET, app):
            assert secret.inputs["kmsKeyId"] == arn
        for group in of(prod, LOG_GROUP, app):
            assert group.inputs["kmsKeyId"] == arn and group.inputs["retentionInDays"] == 90
        for sse in of(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                      app):
            (rule,) = sse.inputs["rules"]
            default = rule["applyServerSideEncryptionByDefault"]
            if "access-logs" in sse.name:  # S3 server access logging only delivers to SSE-S3 buckets
                assert default == {"sseAlgorithm": "AES256"}
            else:
                assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": arn}
                assert rule["bucketKeyEnabled"] is True
    assert len(of(prod, BUCKET)) == 4


def test_dev_keys_are_unprotected_with_a_short_deletion_window(dev):
    for key in dev.by_type(KEY):
        assert key.inputs["deletionWindowInDays"] == 7 and key.options["protect"] is False
