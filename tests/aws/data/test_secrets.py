"""Secrets Manager: one secret per app secret and per secret env value, the app key, recovery windows."""

from __future__ import annotations

from appstack.components.aws.app_secrets import env_secrets

from appstack.stackconfig import load_stack
from appstack.synth import stack_config

from .helpers import SECRET, SECRET_VERSION, key_arn, of, plain


def test_zmage_secrets_are_its_declared_ones_plus_the_connection_urls(prod):
    assert sorted(s.name for s in of(prod, SECRET, "zmage")) == [
        "zmage-database-admin-url", "zmage-database-app-verifier", "zmage-env-database-url", "zmage-env-redis-url", "zmage-gemini-api-key", "zmage-nextauth-secret",
        "zmage-sentry-dsn",
    ]


def test_claude_relay_stores_each_secret_env_value_once(prod):
    assert sorted(s.name for s in of(prod, SECRET, "claude-relay")) == [
        "claude-relay-database-admin-url", "claude-relay-database-app-verifier", "claude-relay-encryption-key", "claude-relay-env-data-source-name", "claude-relay-env-postgres-password",
        "claude-relay-env-redis-password", "claude-relay-jwt-secret",
    ]


def test_env_secret_map_covers_every_workload_and_shares_identical_values(captured):
    env = {k.split(":", 2)[2]: v for k, v in captured.values.items() if k.startswith("zmage:env:")}
    # db-migrate takes app_env [NODE_ENV, DATABASE_URL]: no API key, auth secret or Redis URL reaches it.
    assert sorted(env) == sorted([*(f"{w}:{n}" for w in ("web", "worker") for n in (
        "DATABASE_URL", "GEMINI_API_KEY", "NEXTAUTH_SECRET", "REDIS_URL", "SENTRY_DSN")), "db-migrate:DATABASE_URL"])
    assert len({env[f"{w}:DATABASE_URL"] for w in ("web", "worker", "db-migrate")}) == 1
    assert ":secret:zmage-nextauth-secret-" in env["web:NEXTAUTH_SECRET"]  # the declared secret, not a copy
    secret_arns = [v for k, v in captured.values.items() if k.startswith("zmage:secret_arn:")]
    # Every workload secret, plus the two only the db-bootstrap job reads.
    bootstrap = [a for a in secret_arns if ":secret:zmage-database-" in a]
    assert len(bootstrap) == 2
    assert sorted(secret_arns) == sorted(set(env.values()) | set(bootstrap))


def test_env_secrets_follow_the_bindings_secrecy():
    stack = load_stack("prod", stack_config("prod")[0].get)
    names = {(s.name, tuple(s.workloads)) for s in env_secrets(stack.apps["sparkle"], ["SECRET_KEY", "LLM_API_KEY"])}
    # app_env: the gateway never gets the LLM key; the migration gets the database URL only; each exporter
    # (app_env: none) its own store's credential only.
    assert names == {
        ("DATA_SOURCE_NAME", ("postgres-exporter",)),
        ("REDIS_PASSWORD", ("redis-exporter",)),
        ("DATABASE_URL", ("backend", "db-migrate", "gateway", "grpc-server")),
        ("LLM_API_KEY", ("backend", "grpc-server")),
        ("REDIS_URL", ("backend", "gateway", "grpc-server")),
        ("SECRET_KEY", ("backend", "gateway", "grpc-server")),
    }


def test_secrets_use_the_app_key_a_recovery_window_and_protection_in_prod(prod, dev):
    for synthesis, window, protect in ((prod, 30, True), (dev, 0, False)):
        for secret in synthesis.by_type(SECRET):
            app = secret.name.split("-env-")[0] if "-env-" in secret.name else None
            assert secret.inputs["recoveryWindowInDays"] == window and secret.options["protect"] is protect
            assert "name" not in secret.inputs  # auto-named: never clashes with a secret pending deletion
            if app:
                assert secret.inputs["kmsKeyId"] == key_arn(synthesis, app)
        for version in synthesis.by_type(SECRET_VERSION):
            assert repr(version.inputs["secretString"]) == "[secret]" and version.options["protect"] is False


def test_stored_values_are_the_rendered_templates(prod):
    versions = {v.name: plain(v.inputs["secretString"]) for v in of(prod, SECRET_VERSION, "claude-relay")}
    assert versions["claude-relay-env-data-source-name"].startswith("postgresql://claude_app_app:")
    assert versions["claude-relay-env-data-source-name"].endswith(":5432/claude_relay?sslmode=require")
    assert len(versions["claude-relay-env-postgres-password"]) == 64


def test_the_master_url_and_the_verifier_are_stored_for_the_db_bootstrap_job_of_every_rds_app(prod, captured):
    versions = {v.name: plain(v.inputs["secretString"]) for v in of(prod, SECRET_VERSION, "claude-relay")}
    admin = versions["claude-relay-database-admin-url"]
    # The RDS master user (rds_superuser; the spec's username) over TLS, to the app's database.
    assert admin.startswith("postgresql://claude_app:") and admin.endswith(":5432/claude_relay?sslmode=require")
    assert versions["claude-relay-database-app-verifier"].startswith("SCRAM-SHA-256$4096:")
    apps = ["claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage"]  # all on RDS in prod
    for suffix in ("-database-admin-url", "-database-app-verifier"):
        assert sorted(s.name for s in prod.by_type(SECRET) if s.name.endswith(suffix)) == [a + suffix for a in apps]
    data = captured.args["zmage"].data
    assert data.database_app_role == "zmage_app"
    assert data.database_admin_url_secret_arn is not None and data.database_app_verifier_secret_arn is not None
    assert captured.args["elizabeth"].data.database_admin_url_secret_arn is None  # dev: SQLite
