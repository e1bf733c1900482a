"""Stateful resources are protected in prod only and keep their identity through ordinary config changes."""

from __future__ import annotations

from functools import cache

from tests.conftest import synth_config

from .conftest import compute_module
from .helpers import BUCKET, EFS, KEY, RDS, REDIS, SECRET

STATEFUL = [RDS, REDIS, BUCKET, EFS, SECRET, KEY, "random:index/randomBytes:RandomBytes"]
PHYSICAL_NAMES = {RDS: ["identifier", "finalSnapshotIdentifier"], REDIS: ["finalSnapshotIdentifier"],
                  "aws:kms/alias:Alias": ["name"], "aws:cloudwatch/logGroup:LogGroup": ["name"],
                  "aws:cloudfront/originAccessControl:OriginAccessControl": ["name"]}


def test_stateful_resources_are_protected_in_prod_and_not_in_dev(prod, dev):
    for synthesis, protect in ((prod, True), (dev, False)):
        for token in STATEFUL:
            found = synthesis.by_type(token)
            assert found, token
            assert {r.options["protect"] for r in found} == {protect}, token


def test_nothing_else_in_the_data_layer_is_protected(prod):
    for resource in prod.resources:
        if resource.options["protect"]:
            assert resource.type in STATEFUL or resource.type == "random:index/randomPassword:RandomPassword", (
                resource.type
            )


@cache
def _two_configs():
    """Zmage in dev, then with every sizing knob and parameter changed."""
    changed = {
        "database": {"cpu": "2", "memory": "8Gi", "storage_gb": 100, "max_storage_gb": 400,
                     "parameters": {"max_connections": 300}, "backup": {"schedule": "0 4 * * *", "retention_days": 9}},
        "cache": {"maxmemory_mb": 4096, "maxmemory_policy": "allkeys-lfu"},
        "storage": {"media": {"noncurrent_version_expiry_days": 90,
                              "cors": [{"allowed_origins": ["https://${app.domain}"], "allowed_methods": ["GET"]}]}},
    }
    with compute_module(None):
        return (synth_config(platform="aws", tier="dev", apps={"zmage": {}}),
                synth_config(platform="aws", tier="dev", apps={"zmage": changed},
                             extra={"aws": {"backup_retention_days": 5, "flow_logs": True}}))


def test_config_changes_keep_every_stateful_resource_and_physical_name():
    before, after = _two_configs()
    for token in STATEFUL:
        assert {r.urn for r in before.by_type(token)} <= {r.urn for r in after.by_type(token)}, token
    for token, fields in PHYSICAL_NAMES.items():
        for old in before.by_type(token):
            new = after.named(old.name, token)
            assert [old.inputs.get(f) for f in fields] == [new.inputs.get(f) for f in fields], old.name
    # Fields that would replace a store when changed stay put.
    for token, fields in {RDS: ["kmsKeyId", "dbName", "username", "dbSubnetGroupName", "storageEncrypted"],
                          REDIS: ["kmsKeyId", "atRestEncryptionEnabled", "subnetGroupName", "transitEncryptionEnabled"],
                          EFS: ["kmsKeyId", "encrypted", "performanceMode"]}.items():
        for old in before.by_type(token):
            new = after.named(old.name, token)
            assert [old.inputs.get(f) for f in fields] == [new.inputs.get(f) for f in fields], old.name
    db = after.named("zmage-postgres", RDS).inputs
    assert (db["instanceClass"], db["backupRetentionPeriod"], db["backupWindow"]) == ("db.t4g.large", 5, "04:00-04:30")
