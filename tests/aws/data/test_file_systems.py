"""EFS for service volumes: Elizabeth's SQLite where it keeps it, Sparkle's uploads."""

from __future__ import annotations

from .helpers import ACCESS_POINT, EFS, MOUNT_TARGET, RDS, document, of, one


def test_elizabeth_keeping_sqlite_gets_a_volume_for_its_backend(dev, captured):
    fs = one(dev, EFS, "elizabeth")
    assert fs.inputs["encrypted"] is True and fs.inputs["throughputMode"] == "elastic"
    point = one(dev, ACCESS_POINT, "elizabeth")
    assert point.inputs["posixUser"] == {"uid": 10001, "gid": 10001}
    assert point.inputs["rootDirectory"] == {
        "path": "/backend/data", "creationInfo": {"ownerUid": 10001, "ownerGid": 10001, "permissions": "0750"}
    }
    assert sorted(m.inputs["subnetId"] for m in of(dev, MOUNT_TARGET, "elizabeth")) == [
        "aws-private-1-id", "aws-private-2-id"
    ]
    assert {m.inputs["securityGroups"][0] for m in of(dev, MOUNT_TARGET, "elizabeth")} == {"elizabeth-efs-id"}
    assert of(dev, RDS, "elizabeth") == []
    assert captured.values["elizabeth:binding:database.url"] == "sqlite:///app/data/elizabeth.db"
    assert captured.values["elizabeth:efs:backend:data"] == "elizabeth-backend-data-id"


def test_backups_are_on_and_the_volume_protected_in_prod_only(prod, dev):
    (prod_policy,) = of(prod, "aws:efs/backupPolicy:BackupPolicy", "sparkle")
    assert prod_policy.inputs["backupPolicy"] == {"status": "ENABLED"}
    assert one(prod, EFS, "sparkle").options["protect"] is True
    (dev_policy,) = of(dev, "aws:efs/backupPolicy:BackupPolicy", "elizabeth")
    assert dev_policy.inputs["backupPolicy"] == {"status": "DISABLED"}
    assert one(dev, EFS, "elizabeth").options["protect"] is False


def test_prod_elizabeth_on_postgres_has_no_volume_and_sparkle_uploads_have_one(prod):
    assert of(prod, EFS, "elizabeth") == []
    assert [p.name for p in prod.by_type(ACCESS_POINT)] == ["sparkle-backend-uploads"]
    assert len(of(prod, MOUNT_TARGET, "sparkle")) == 3


def test_file_system_policy_requires_tls_and_grants_no_root_access(prod):
    statements = document(one(prod, "aws:efs/fileSystemPolicy:FileSystemPolicy", "sparkle"))["Statement"]
    assert statements[0]["Effect"] == "Deny"
    assert statements[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statements[1]["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
