"""The Kubernetes db-bootstrap Job's script against a real PostgreSQL server: in-cluster as the superuser,
CloudNativePG as the database owner, and the versioned scripts (Claude Relay's) applied once, as the
application role, refused once changed. Skipped where no server binaries are installed."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from appstack.components.kubernetes.db_bootstrap import bootstrap_script

from appstack.spec import PostgresSpec
from appstack.stackconfig import validate_blueprint
from tests.postgres_server import Server, running_server

APPS = Path(__file__).resolve().parents[2] / "apps"
SUPERUSER_PASSWORD, APP_PASSWORD = "super-pw-0123456789", "app-pw-0123456789"


def claude_relay() -> PostgresSpec:
    database = validate_blueprint("claude-relay", APPS).database
    assert isinstance(database, PostgresSpec)
    return database


def initialize(pg: Server, name: str) -> None:
    """What the in-cluster init script (and CloudNativePG's initdb) leave: the owner role and its database,
    the extensions created by the superuser."""
    pg.superuser("-c", f"CREATE DATABASE {name} OWNER claude_app")
    pg.superuser("-d", name, "-c", "ALTER SCHEMA public OWNER TO claude_app; CREATE EXTENSION pgcrypto; "
                                   'CREATE EXTENSION "uuid-ossp"; CREATE EXTENSION pg_stat_statements')


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server() as pg:
        pg.superuser("-c", f"ALTER ROLE postgres PASSWORD '{SUPERUSER_PASSWORD}'")
        pg.superuser("-c", f"CREATE ROLE claude_app LOGIN PASSWORD '{APP_PASSWORD}'")
        initialize(pg, "claude_relay")
        initialize(pg, "owner_run")
        yield pg


def run(pg: Server, spec: PostgresSpec, mode: str, database: str = "claude_relay") -> subprocess.CompletedProcess:
    user, password = ("claude_app", APP_PASSWORD) if mode == "operator" else ("postgres", SUPERUSER_PASSWORD)
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(pg.port), "PGDATABASE": database, "PGUSER": user,
           "PGPASSWORD": password, "PGSSLMODE": "disable"}
    return subprocess.run(["sh", "-c", bootstrap_script(spec, mode)], env=env, capture_output=True, text=True)


def query(pg: Server, sql: str, database: str = "claude_relay") -> str:
    return pg.superuser("-d", database, "-c", sql).stdout.strip()


def test_in_cluster_applies_the_declarations_and_the_scripts_once_as_the_application_role(server):
    spec = claude_relay()
    first = run(server, spec, "in-cluster")
    assert first.returncode == 0, first.stderr
    assert "applied 001-functions" in first.stderr and "applied 002-api-keys" in first.stderr
    assert query(server, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'claude_data'") == (
        "claude_app")
    assert query(server, "SELECT tableowner FROM pg_tables WHERE schemaname = 'claude_data'") == "claude_app"
    assert query(server, "SELECT count(*) FROM pg_indexes WHERE tablename = 'api_keys'") == "7"  # 5 + pkey + unique
    assert query(server, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal") == "update_api_keys_updated_at"
    functions = query(server, "SELECT proname, pg_get_userbyid(proowner), prosecdef, proconfig FROM pg_proc "
                              "WHERE pronamespace = 'claude_data'::regnamespace ORDER BY proname")
    assert functions.splitlines() == [
        "decrypt_sensitive_data|claude_app|t|{\"search_path=pg_catalog, pg_temp\"}",
        "encrypt_sensitive_data|claude_app|t|{\"search_path=pg_catalog, pg_temp\"}",
        "update_updated_at_column|claude_app|f|{\"search_path=pg_catalog, pg_temp\"}",
    ]
    recorded = query(server, "SELECT name, sha256 FROM appstack.applied_scripts ORDER BY name")
    assert recorded.splitlines() == [f"{s.name}|{s.sha256}" for s in spec.bootstrap.scripts]
    assert query(server, "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'appstack.applied_scripts'"
                         "::regclass") == "claude_app"
    # The functions work for the application role, and for it only.
    roundtrip = subprocess.run(
        ["psql", "--no-psqlrc", "-h", "127.0.0.1", "-p", str(server.port), "-U", "claude_app", "-d", "claude_relay",
         "-At", "-c", "SELECT claude_data.decrypt_sensitive_data(claude_data.encrypt_sensitive_data('s3cret', 'k'), "
                      "'k')"], env={**os.environ, "PGPASSWORD": APP_PASSWORD}, capture_output=True, text=True)
    assert roundtrip.stdout.strip() == "s3cret", roundtrip.stderr
    assert query(server, "SELECT has_function_privilege('public', 'claude_data.encrypt_sensitive_data(text, text)', "
                         "'EXECUTE')") == "f"
    # Again (the next release): nothing applied twice, nothing fails.
    again = run(server, spec, "in-cluster")
    assert again.returncode == 0, again.stderr
    assert "001-functions already applied" in again.stderr and "applied 0" not in again.stderr


def test_a_changed_script_fails_the_job_naming_it_and_a_new_one_is_applied(server, tmp_path):
    spec = claude_relay()
    assert run(server, spec, "in-cluster").returncode == 0
    (tmp_path / "claude-relay").mkdir()
    for name in ("001-functions.sql", "002-api-keys.sql"):
        (tmp_path / "claude-relay" / name).write_text((APPS / "claude-relay" / name).read_text())
    (tmp_path / "claude-relay" / "002-api-keys.sql").write_text(
        (APPS / "claude-relay" / "002-api-keys.sql").read_text() + "\n-- edited\n")
    (tmp_path / "claude-relay" / "003-more.sql").write_text("CREATE TABLE claude_data.more (id int);\n")
    document = spec.model_dump(by_alias=True)
    changed = PostgresSpec.model_validate(document, context={"spec_dir": tmp_path})
    failed = run(server, changed, "in-cluster")
    assert failed.returncode != 0
    assert "002-api-keys changed after it was applied" in failed.stderr and "append-only" in failed.stderr
    document["bootstrap"]["scripts"] = [*document["bootstrap"]["scripts"][:1],
                                        {"name": "003-more", "file": "claude-relay/003-more.sql"}]
    added = run(server, PostgresSpec.model_validate(document, context={"spec_dir": tmp_path}), "in-cluster")
    assert added.returncode == 0, added.stderr
    assert query(server, "SELECT tableowner FROM pg_tables WHERE tablename = 'more'") == "claude_app"


def test_cloudnativepg_runs_everything_as_the_database_owner_without_the_superuser(server):
    """The owner creates its own schema, re-creates nothing the superuser made, grants and applies the scripts."""
    result = run(server, claude_relay(), "operator", database="owner_run")
    assert result.returncode == 0, result.stderr
    assert query(server, "SELECT tableowner FROM pg_tables WHERE schemaname = 'claude_data'",
                 database="owner_run") == "claude_app"
    assert query(server, "SELECT count(*) FROM appstack.applied_scripts", database="owner_run") == "2"
    assert run(server, claude_relay(), "operator", database="owner_run").returncode == 0
