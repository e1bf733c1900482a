"""RDS PostgreSQL: parameters from the spec, encryption, IAM auth, logs, and the dev/prod differences."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pulumi
import pytest
from appstack.components.aws.postgres import app_role_name, instance_class, windows

from appstack.mocks import _random_bytes
from appstack.scram import scram_verifier
from appstack.spec import PostgresSpec
from tests.conftest import synth_config

from .conftest import compute_module
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
        # Pulumi.prod.yaml's aws.backup_retention_days (14), or Elizabeth's guide (30 days) where longer.
        assert i["backupRetentionPeriod"] == (30 if app == "elizabeth" else 14)
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


def test_the_master_password_is_secret_everywhere_and_apps_get_the_application_role(prod):
    db = one(prod, RDS, "zmage")
    assert repr(db.inputs["password"]) == "[secret]"
    password = plain(db.inputs["password"])
    assert len(password) == 64
    for resource in prod.resources:
        assert password not in repr(resource.masked()), resource.name
    versions = {v.name: plain(v.inputs["secretString"]) for v in of(prod, SECRET_VERSION, "zmage")}
    host = f"prod-zmage.c{versions['zmage-env-database-url'].split('.c', 1)[1].split('.')[0]}.us-east-1.rds.amazonaws.com"
    app_password = versions["zmage-env-database-url"].split(":")[2].split("@")[0]
    assert len(app_password) == 64 and app_password != password
    assert versions["zmage-env-database-url"] == f"postgresql://zmage_app:{app_password}@{host}:5432/zmage?sslmode=require"
    # The master URL is stored once, for the db-bootstrap job; no other secret holds the master password.
    assert versions["zmage-database-admin-url"] == f"postgresql://zmage:{password}@{host}:5432/zmage?sslmode=require"
    assert [n for n, v in versions.items() if password in v] == ["zmage-database-admin-url"]
    # The job gets the application password only as its SCRAM-SHA-256 verifier.
    verifier = versions["zmage-database-app-verifier"]
    assert verifier.startswith("SCRAM-SHA-256$4096:") and app_password not in verifier
    salt = _random_bytes("zmage-postgres-app-password-salt", {"length": 16})["base64"]  # what the mock gives it
    assert verifier == scram_verifier(app_password, base64.b64decode(salt))


def test_rds_uses_the_rsa2048_ca(prod, dev):
    for synthesis in (prod, dev):
        assert {db.inputs["caCertIdentifier"] for db in synthesis.by_type(RDS)} == {"rds-ca-rsa2048-g1"}


@pytest.mark.parametrize(("username", "role"), [
    ("zmage", "zmage_app"), ("a" * 59, "a" * 59 + "_app"),
    ("a" * 60, "a" * 50 + "_" + hashlib.sha256(b"a" * 60).hexdigest()[:8] + "_app"),
])
def test_the_application_role_name_fits_postgres_identifiers(username, role):
    assert app_role_name(username) == role and len(role) <= 63


def test_the_scram_verifier_matches_rfc_7677():
    """RFC 7677's example: password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations; its
    server signature (v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=) must follow from our ServerKey."""
    verifier = scram_verifier("pencil", base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ=="))
    iterations, rest = verifier.removeprefix("SCRAM-SHA-256$").split(":", 1)
    salt, keys = rest.split("$")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    assert (iterations, salt) == ("4096", "W22ZaJ0SNY7soEsUEjb6gQ==")
    auth_message = (b"n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                    b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
    signature = hmac.digest(server_key, auth_message, "sha256")
    assert base64.b64encode(signature).decode() == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    proof = base64.b64decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    client_key = bytes(a ^ b for a, b in zip(proof, hmac.digest(stored_key, auth_message, "sha256"), strict=True))
    assert hashlib.sha256(client_key).digest() == stored_key


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


def test_a_baked_rds_ca_bundle_makes_the_apps_verify_the_server():
    bundle = "/etc/ssl/certs/rds-global-bundle.pem"
    with compute_module(None):
        synthesis = synth_config(platform="aws", tier="prod", apps={"zmage": {}},
                                 extra={"aws": {"postgres_ssl_root_cert": bundle}})
    versions = {v.name: plain(v.inputs["secretString"]) for v in of(synthesis, SECRET_VERSION, "zmage")}
    assert versions["zmage-env-database-url"].startswith("postgresql://zmage_app:")
    assert versions["zmage-env-database-url"].endswith(f":5432/zmage?sslmode=verify-full&sslrootcert={bundle}")
    # The db-bootstrap job's official psql image has no bundle: it keeps sslmode=require.
    assert versions["zmage-database-admin-url"].endswith(":5432/zmage?sslmode=require")


@pytest.mark.parametrize("path", ["relative/bundle.pem", "/etc/ssl/a b.pem", "/x.pem?sslmode=disable"])
def test_the_bundle_path_cannot_bend_the_url(path):
    with pytest.raises(pulumi.RunError) as error, compute_module(None):
        synth_config(platform="aws", tier="prod", apps={"zmage": {}}, extra={"aws": {"postgres_ssl_root_cert": path}})
    assert "aws.postgres_ssl_root_cert" in str(error.value)
