"""RDS PostgreSQL: parameters from the spec, encryption, IAM auth, logs, and the dev/prod differences."""

from __future__ import annotations

import pytest
from appstack.components.aws.postgres import instance_class, windows

from appstack.spec import PostgresSpec

from .helpers import APPS, LOG_GROUP, RDS, RDS_PARAMS, RDS_SUBNETS, SECRET_VERSION, SUBNET, of, one, plain


def _parameters(synthesis, app):
    group = one(synthesis, RDS_PARAMS, app)
    return group.inputs["family"], {p["name"]: (p["value"], p["applyMethod"]) for p in group.inputs["parameters"]}


def test_claude_relay_parameter_group_carries_the_guide_settings(prod):
    family, params = _parameters(prod, "claude-relay")
    assert family == "postgres15"
    assert params["shared_preload_libraries"] == ("pg_stat_statements", "pending-reboot")
    assert params["max_connections"] == ("100", "pending-reboot")
    assert params["log_min_duration_statement"] == ("1000", "immediate")
    assert params["shared_buffers"] == ("32768", "pending-reboot")
    assert params["rds.force_ssl"] == ("1", "immediate")
    assert params["random_page_cost"] == ("1.1", "immediate")


def test_sparkle_parameter_group_carries_200_connections_and_500_ms(prod):
    family, params = _parameters(prod, "sparkle")
    assert family == "postgres16"
    assert params["max_connections"] == ("200", "pending-reboot")
    assert params["log_min_duration_statement"] == ("500", "immediate")
    assert params["autovacuum_max_workers"] == ("4", "pending-reboot")
    assert params["rds.force_ssl"] == ("1", "immediate")


def test_prod_instances_are_multi_az_protected_and_kept_on_deletion(prod):
    for app in APPS:
        db = one(prod, RDS, app)
        i = db.inputs
        assert i["multiAz"] is True and i["deletionProtection"] is True
        assert i["backupRetentionPeriod"] == 14  # Pulumi.prod.yaml's override (never below 7)
        assert i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"] == f"prod-{app}-final"
        assert i["applyImmediately"] is False and i["deleteAutomatedBackups"] is False
        assert db.options["protect"] is True
        assert i["identifier"] == f"prod-{app}"


def test_every_instance_is_private_encrypted_gp3_with_iam_auth_logs_and_insights(prod, dev):
    for synthesis in (prod, dev):
        for db in synthesis.by_type(RDS):
            i = db.inputs
            assert i["engine"] == "postgres" and i["publiclyAccessible"] is False
            assert i["storageType"] == "gp3" and i["storageEncrypted"] is True
            assert i["maxAllocatedStorage"] >= i["allocatedStorage"]
            assert i["iamDatabaseAuthenticationEnabled"] is True
            assert i["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
            assert i["autoMinorVersionUpgrade"] is True and i["allowMajorVersionUpgrade"] is False
            assert i["performanceInsightsEnabled"] is True
            assert i["parameterGroupName"].startswith(db.name) and i["dbSubnetGroupName"].startswith(db.name)
            assert repr(i["password"]) == "[secret]"


def test_rds_log_groups_exist_before_the_instance_with_the_tier_retention(prod):
    db = one(prod, RDS, "zmage")
    groups = of(prod, LOG_GROUP, "zmage")
    names = {g.inputs["name"] for g in groups if g.name.startswith("zmage-postgres")}
    assert names == {"/aws/rds/instance/prod-zmage/postgresql", "/aws/rds/instance/prod-zmage/upgrade"}
    assert {g.urn for g in groups if g.name.startswith("zmage-postgres")} <= set(db.dependencies)


def test_engine_versions_and_classes_follow_the_specs(prod):
    versions = {app: (one(prod, RDS, app).inputs["engineVersion"], one(prod, RDS, app).inputs["instanceClass"])
                for app in APPS}
    assert versions == {
        "claude-relay": ("15", "db.t4g.small"),
        "elizabeth": ("16", "db.t3.small"),  # Pulumi.prod.yaml sets it
        "small-squaretable": ("16", "db.t4g.small"),
        "sparkle": ("16", "db.t4g.large"),
        "zmage": ("16", "db.t4g.medium"),
    }


def test_dev_is_single_az_burstable_short_retention_and_applies_at_once(dev):
    db = one(dev, RDS, "zmage")
    i = db.inputs
    assert i["multiAz"] is False and i["deletionProtection"] is False and i["backupRetentionPeriod"] == 1
    assert i["instanceClass"].startswith("db.t4g.") and i["applyImmediately"] is True
    assert i["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in i
    assert db.options["protect"] is False


def test_subnet_group_uses_the_isolated_subnets(prod):
    isolated = sorted(f"{s.name}-id" for s in prod.by_type(SUBNET) if s.inputs["tags"]["appstack:tier"] == "isolated")
    for group in prod.by_type(RDS_SUBNETS):
        assert sorted(group.inputs["subnetIds"]) == isolated


def test_the_master_password_is_secret_everywhere_and_the_url_requires_tls(prod):
    db = one(prod, RDS, "zmage")
    assert repr(db.inputs["password"]) == "[secret]"
    password = plain(db.inputs["password"])
    assert len(password) == 64
    for resource in prod.resources:
        assert password not in repr(resource.masked()), resource.name
    url = next(plain(v.inputs["secretString"]) for v in of(prod, SECRET_VERSION, "zmage")
               if v.name == "zmage-env-database-url")
    assert url == f"postgresql://zmage:{password}@prod-zmage.c{url.split('.c', 1)[1].split('.')[0]}" \
                  f".us-east-1.rds.amazonaws.com:5432/zmage?sslmode=require"


@pytest.mark.parametrize(
    "cpu, memory, ha, expected",
    [("1", "2Gi", True, "db.t4g.small"), ("2", "8Gi", True, "db.t4g.large"), ("4", "8Gi", True, "db.m7g.xlarge"),
     ("250m", "512Mi", True, "db.t4g.micro"), ("8", "16Gi", False, "db.t4g.large"), ("2", "4Gi", False, "db.t4g.medium")],
)
def test_instance_class_table(cpu, memory, ha, expected):
    spec = PostgresSpec(engine="postgres", version="16", database="d", cpu=cpu, memory=memory)
    assert instance_class(spec, ha) == expected


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


@pytest.mark.parametrize("schedule, backup_start", [(None, "03:00"), ("0 2 * * *", "02:00"),
                                                    ("30 22 * * *", "22:30"), ("*/5 * * * *", "03:00")])
def test_backup_follows_the_spec_schedule_and_never_overlaps_maintenance(schedule, backup_start):
    backup, maintenance = windows(schedule)
    start, end = (_minutes(t) for t in backup.split("-"))
    assert backup.startswith(backup_start) and (end - start) % 1440 == 30
    m_start, m_end = maintenance.split("-")
    maintenance_start = _minutes(m_start.split(":", 1)[1])
    assert (_minutes(m_end.split(":", 1)[1]) - maintenance_start) % 1440 == 60
    assert (maintenance_start - start) % 1440 >= 30 and (start - maintenance_start) % 1440 >= 60
