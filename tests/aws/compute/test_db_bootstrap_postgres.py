"""The db-bootstrap script against a real PostgreSQL server, with a master user shaped like RDS's
(CREATEROLE, CREATEDB, owner of the app database, not a superuser). Skipped where no server binaries
are installed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from appstack.components.aws.compute.db_bootstrap import bootstrap_script

from appstack.scram import scram_verifier
from appstack.spec import DatabaseBootstrapSpec
from appstack.spec.data import DatabaseSchemaSpec
from tests.postgres_server import running_server

MASTER, MASTER_PASSWORD, DATABASE = "zmage", "master-pw-0123456789", "zmage"
APP_PASSWORD = "a1" * 32  # 64 hex digits, as the data layer generates
SALT = bytes(range(16))

# What migrations created while apps connected as the master user, plus an extension.
LEGACY_SCHEMA = """
CREATE EXTENSION pgcrypto;
CREATE SCHEMA billing;
CREATE TYPE mood AS ENUM ('ok', 'meh');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a integer, b integer);
CREATE TABLE users (id serial PRIMARY KEY, mood mood, n positive);
CREATE TABLE billing.invoices (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric);
CREATE TABLE events (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE SEQUENCE tickets;
CREATE VIEW active_users AS SELECT id FROM users;
CREATE MATERIALIZED VIEW user_count AS SELECT count(*) FROM users;
CREATE FUNCTION twice(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1 * 2';
"""


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    with running_server() as pg:
        pg.superuser("-c", f"CREATE ROLE {MASTER} LOGIN CREATEROLE CREATEDB PASSWORD '{MASTER_PASSWORD}'")
        pg.superuser("-c", f"CREATE DATABASE {DATABASE} OWNER {MASTER}")
        pg.superuser("-d", DATABASE, "-c", f"ALTER SCHEMA public OWNER TO {MASTER}")
        psql(pg.port, MASTER, MASTER_PASSWORD, LEGACY_SCHEMA)
        yield pg.port


def _env(port: int, user: str, password: str) -> dict[str, str]:
    return {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(port), "PGDATABASE": DATABASE, "PGUSER": user,
            "PGPASSWORD": password, "PGSSLMODE": "disable"}


def psql(port: int, user: str, password: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                          env=_env(port, user, password), capture_output=True, text=True, check=True)


def bootstrap(port: int, role: str, extensions: list[str], password: str = APP_PASSWORD,
              verifier: str | None = None) -> subprocess.CompletedProcess:
    env = {**_env(port, "", ""), "APP_ROLE_VERIFIER": scram_verifier(password, SALT) if verifier is None
           else verifier, "DATABASE_ADMIN_URL": f"postgresql://{MASTER}:{MASTER_PASSWORD}@127.0.0.1:{port}/{DATABASE}"}
    for key in ("PGUSER", "PGPASSWORD"):
        env.pop(key)
    return subprocess.run(["sh", "-c", bootstrap_script(role, extensions)], env=env, capture_output=True, text=True)


def owners(port: int) -> set[tuple[str, str]]:
    rows = psql(port, MASTER, MASTER_PASSWORD, """
        SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'billing') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
        UNION ALL SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname IN ('public', 'billing')
        UNION ALL SELECT typname, pg_get_userbyid(typowner) FROM pg_type WHERE typname IN ('mood', 'positive', 'pair')
        UNION ALL SELECT proname, pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'twice'
        UNION ALL SELECT extname, pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'pgcrypto'
        UNION ALL SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()
    """).stdout
    return {tuple(line.split("|")) for line in rows.split()}


def test_the_app_role_owns_everything_but_the_extensions_and_logs_in_with_its_plain_password(server):
    result = bootstrap(server, "zmage_app", ["pgcrypto", "uuid-ossp"])
    assert result.returncode == 0, result.stderr
    assert APP_PASSWORD not in result.stdout + result.stderr
    assert re.search(r"\n zmage_app \| t +\| t\n", result.stdout)  # rolname, rolcanlogin, owns_database
    app = {"active_users", "billing", "events", "events_2026", "invoices", "invoices_id_seq", "mood", "pair",
           "positive", "public", "tickets", "twice", "user_count", "users", "users_id_seq", "zmage"}
    assert owners(server) == {(name, "zmage_app") for name in app} | {("pgcrypto", MASTER)}
    # The stored password is the verifier sent; SCRAM login with the plaintext works.
    assert psql(server, MASTER, MASTER_PASSWORD, "SELECT 1").stdout.strip() == "1"
    attributes = psql(server, "zmage_app", APP_PASSWORD, """
        SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles
        WHERE rolname = current_user""").stdout.strip()
    assert attributes == "zmage_app|f|f|f|f|f"
    # What migrations do: change existing objects, create new ones, use the extensions.
    psql(server, "zmage_app", APP_PASSWORD, """
        ALTER TABLE users ADD COLUMN email text; ALTER TABLE billing.invoices ADD COLUMN paid boolean;
        ALTER TYPE mood ADD VALUE 'great'; CREATE TABLE sessions (id uuid DEFAULT gen_random_uuid());
        REFRESH MATERIALIZED VIEW user_count; SELECT uuid_generate_v4(), setval('tickets', 5)""")
    extensions = psql(server, MASTER, MASTER_PASSWORD, "SELECT extname FROM pg_extension ORDER BY 1").stdout.split()
    assert extensions == ["pgcrypto", "plpgsql", "uuid-ossp"]


def test_a_rerun_is_a_no_op_and_a_new_verifier_revokes_the_old_password(server):
    assert bootstrap(server, "zmage_app", ["pgcrypto", "uuid-ossp"]).returncode == 0
    assert bootstrap(server, "zmage_app", ["pgcrypto", "uuid-ossp"]).returncode == 0
    new_password = "b2" * 32
    assert bootstrap(server, "zmage_app", ["pgcrypto", "uuid-ossp"], password=new_password).returncode == 0
    assert psql(server, "zmage_app", new_password, "SELECT current_user").stdout.strip() == "zmage_app"
    with pytest.raises(subprocess.CalledProcessError) as refused:
        psql(server, "zmage_app", APP_PASSWORD, "SELECT 1")
    assert "password authentication failed" in refused.value.stderr
    assert bootstrap(server, "zmage_app", ["pgcrypto", "uuid-ossp"]).returncode == 0  # back for other tests


@pytest.mark.parametrize("verifier", ["", "plaintext-password", "md5abc"])
def test_anything_but_a_scram_verifier_stops_before_psql(server, verifier):
    result = bootstrap(server, "zmage_app", [], verifier=verifier)
    assert result.returncode == 1
    assert result.stderr.strip() == "APP_ROLE_VERIFIER holds no SCRAM-SHA-256 verifier"
    assert psql(server, "zmage_app", APP_PASSWORD, "SELECT 1").stdout.strip() == "1"  # untouched


def test_hostile_names_stay_names(server):
    role, extension = 'odd"role; DROP TABLE users; --', "no'such\"ext"
    result = bootstrap(server, role, [extension])
    assert result.returncode == 3 and f'extension "{extension}" is not available' in result.stderr
    # One transaction: the failed extension rolled the role back; nothing ran as SQL.
    assert psql(server, MASTER, MASTER_PASSWORD, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'odd%'"
                ).stdout.strip() == "0"
    assert psql(server, MASTER, MASTER_PASSWORD, "SELECT to_regclass('users') IS NOT NULL").stdout.strip() == "t"
    assert bootstrap(server, role, []).returncode == 0
    names = psql(server, MASTER, MASTER_PASSWORD, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'odd%'")
    assert names.stdout.strip() == role
    assert bootstrap(server, "zmage_app", []).returncode == 0  # the database back to zmage_app


def test_the_runbooks_rotation_sends_only_a_verifier_made_from_stdin(server):
    """docs/operations.md 5.3: `python -m appstack.scram` reads the password from stdin, psql gets the
    verifier and the role as variables; neither the password nor SQL text built from it is passed."""
    new_password = "c3" * 32
    made = subprocess.run([sys.executable, "-m", "appstack.scram"], input=f"{new_password}\n", capture_output=True,
                          text=True, check=True)
    verifier = made.stdout.strip()
    assert verifier.startswith("SCRAM-SHA-256$4096:") and new_password not in made.stdout + made.stderr
    subprocess.run(["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-v", "role=zmage_app", "-v",
                    f"verifier={verifier}"], input="ALTER ROLE :\"role\" PASSWORD :'verifier';\n",
                   env=_env(server, MASTER, MASTER_PASSWORD), capture_output=True, text=True, check=True)
    assert psql(server, "zmage_app", new_password, "SELECT current_user").stdout.strip() == "zmage_app"
    assert bootstrap(server, "zmage_app", []).returncode == 0  # back to APP_PASSWORD for other tests
    empty = subprocess.run([sys.executable, "-m", "appstack.scram"], input="\n", capture_output=True, text=True)
    assert empty.returncode == 2 and empty.stdout == ""


# Claude Relay's init.sql (guide: claude-relay-postgres-deployment.md 2.1) as declarations, plus a read-only role.
CLAUDE_DECLARATIONS = DatabaseBootstrapSpec.model_validate({
    "roles": [{"name": "reporting"}],
    "schemas": [{"name": "claude_data", "owner": "zmage"}],
    "grants": [
        {"privileges": ["connect"], "object": "database", "to": "zmage"},
        {"privileges": ["usage", "create"], "object": "schema", "schema": "public", "to": "zmage"},
        {"privileges": ["all"], "object": "schema", "schema": "claude_data", "to": "zmage"},
        {"privileges": ["usage"], "object": "schema", "schema": "claude_data", "to": "reporting"},
        {"privileges": ["select"], "object": "tables", "schema": "claude_data", "to": "reporting"},
    ],
})


def declared(port: int, role: str, declarations: DatabaseBootstrapSpec) -> subprocess.CompletedProcess:
    """bootstrap() with declarations; `zmage` (the master's name here) stands for database.username."""
    env = {**_env(port, "", ""), "APP_ROLE_VERIFIER": scram_verifier(APP_PASSWORD, SALT),
           "DATABASE_ADMIN_URL": f"postgresql://{MASTER}:{MASTER_PASSWORD}@127.0.0.1:{port}/{DATABASE}"}
    for key in ("PGUSER", "PGPASSWORD"):
        env.pop(key)
    script = bootstrap_script(role, [], declarations, username="zmage")
    return subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True)


def test_declared_schemas_roles_and_grants_exist_after_two_runs_and_serve_the_app(server):
    for _ in range(2):  # idempotent: the second run changes nothing and fails nothing
        result = declared(server, "zmage_app", CLAUDE_DECLARATIONS)
        assert result.returncode == 0, result.stderr
    rows = psql(server, MASTER, MASTER_PASSWORD, """
        SELECT nspname || '|' || pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'claude_data'
        UNION ALL SELECT rolname || '|' || rolcanlogin || rolcreaterole || rolcreatedb FROM pg_roles
         WHERE rolname = 'reporting'
        UNION ALL SELECT has_schema_privilege('reporting', 'claude_data', 'USAGE')::text
          || has_schema_privilege('reporting', 'claude_data', 'CREATE')::text
        UNION ALL SELECT has_database_privilege('zmage_app', current_database(), 'CONNECT')::text""").stdout.split()
    assert rows == ["claude_data|zmage_app", "reporting|falsefalsefalse", "truefalse", "true"]
    # The application role creates the staged migration's table there; the read-only role reads future tables.
    psql(server, "zmage_app", APP_PASSWORD,
         "CREATE TABLE claude_data.api_keys (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL)")
    privileges = psql(server, MASTER, MASTER_PASSWORD, """
        SELECT has_table_privilege('reporting', 'claude_data.api_keys', 'SELECT')::text
          || has_table_privilege('reporting', 'claude_data.api_keys', 'INSERT')::text""").stdout.strip()
    assert privileges == "truefalse"


def test_hostile_declared_names_stay_names(server):
    """Names the spec refuses still cannot inject SQL if they reached the script."""
    hostile = DatabaseBootstrapSpec.model_construct(
        roles=[], grants=[],
        schemas=[DatabaseSchemaSpec.model_construct(name='x"; DROP TABLE users; --', owner=None)])
    result = declared(server, "zmage_app", hostile)
    assert result.returncode == 0, result.stderr
    assert psql(server, MASTER, MASTER_PASSWORD, "SELECT to_regclass('users') IS NOT NULL").stdout.strip() == "t"
    names = psql(server, MASTER, MASTER_PASSWORD, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'x%'")
    assert names.stdout.strip() == 'x"; DROP TABLE users; --'
    psql(server, MASTER, MASTER_PASSWORD, 'DROP SCHEMA "x""; DROP TABLE users; --"')


def test_scripts_run_once_as_the_application_role_not_the_master_user(server, tmp_path):
    """RDS shape: the master user applies the scripts through SET ROLE, so the application role owns
    what they create; the declared read-only role's default privileges cover the new table."""
    (tmp_path / "tables.sql").write_text("CREATE TABLE claude_data.sessions (id uuid DEFAULT gen_random_uuid());\n"
                                         "INSERT INTO claude_data.sessions DEFAULT VALUES;\n")
    document = {**CLAUDE_DECLARATIONS.model_dump(by_alias=True), "scripts": [{"name": "001-sessions",
                                                                              "file": "tables.sql"}]}
    declarations = DatabaseBootstrapSpec.model_validate(document, context={"spec_dir": tmp_path})
    for run in range(2):
        result = declared(server, "zmage_app", declarations)
        assert result.returncode == 0, result.stderr
        assert ("already applied" if run else "applied 001-sessions") in result.stderr
    rows = psql(server, MASTER, MASTER_PASSWORD, """
        SELECT tableowner FROM pg_tables WHERE (schemaname, tablename) IN (('claude_data', 'sessions'),
         ('appstack', 'applied_scripts'))""")
    assert rows.stdout.split() == ["zmage_app", "zmage_app"]
    assert psql(server, MASTER, MASTER_PASSWORD, "SELECT count(*) FROM claude_data.sessions").stdout.strip() == "1"
    assert psql(server, MASTER, MASTER_PASSWORD, "SELECT has_table_privilege('reporting', 'claude_data.sessions', "
                                                 "'SELECT')").stdout.strip() == "t"
