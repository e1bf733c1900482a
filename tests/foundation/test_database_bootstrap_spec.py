"""database.bootstrap: schemas, roles and grants are typed and validated before anything is planned."""

from __future__ import annotations

import pytest

from .helpers import load, problems


def relay(bootstrap: dict) -> dict:
    return {"claude-relay": {"database": {"bootstrap": bootstrap}}}


def test_claude_relays_guide_facts_load_as_declarations():
    bootstrap = load({"claude-relay": {}}).apps["claude-relay"].database.bootstrap
    assert [(s.name, s.owner) for s in bootstrap.schemas] == [("claude_data", "claude_app")]
    assert [(g.privileges, g.object, g.in_schema, g.to) for g in bootstrap.grants] == [
        (["connect"], "database", None, "claude_app"), (["usage", "create"], "schema", "public", "claude_app"),
        (["all"], "schema", "claude_data", "claude_app")]
    assert bootstrap.roles == []


@pytest.mark.parametrize(("bootstrap", "message"), [
    ({"schemas": [{"name": 'x"; DROP TABLE users; --'}]}, "must be an SQL name"),
    ({"schemas": [{"name": "public"}]}, "bootstrap.schemas.0.name: 'public' is reserved or declared twice"),
    ({"schemas": [{"name": "pg_temp_x"}]}, "'pg_temp_x' is reserved"),
    ({"schemas": [{"name": "select"}]}, "schema 'select' is an SQL reserved word"),
    ({"schemas": [{"name": "a"}, {"name": "a"}]}, "bootstrap.schemas.1.name: 'a' is reserved or declared twice"),
    ({"schemas": [{"name": "a", "owner": "nobody"}]},
     "bootstrap.schemas.0.owner: 'nobody' is neither database.username nor a declared role"),
    ({"roles": [{"name": "claude_app"}]}, "bootstrap.roles.0.name: 'claude_app' is declared twice"),
    ({"roles": [{"name": "rds_superuser"}]}, "role 'rds_superuser' is reserved by PostgreSQL or RDS"),
    ({"roles": [{"name": "postgres"}]}, "role 'postgres' is reserved"),
    ({"roles": [{"name": "Robert'); --"}]}, "must be an SQL name"),
    ({"roles": [{"name": "r", "login": "maybe"}]}, "valid boolean"),
    ({"grants": [{"privileges": ["select"], "object": "schema", "schema": "public", "to": "claude_app"}]},
     "bootstrap.grants.0.privileges: select cannot be granted on schema; allowed: all, create, usage"),
    ({"grants": [{"privileges": ["all", "usage"], "object": "schema", "schema": "public", "to": "claude_app"}]},
     "list each privilege once, and 'all' alone"),
    ({"grants": [{"privileges": ["superuser"], "object": "database", "to": "claude_app"}]}, "input should be 'all', 'connect'"),
    ({"grants": [{"privileges": [], "object": "database", "to": "claude_app"}]}, "at least 1 item"),
    ({"grants": [{"privileges": ["usage"], "object": "schema", "to": "claude_app"}]},
     "bootstrap.grants.0.schema: required for schema"),
    ({"grants": [{"privileges": ["connect"], "object": "database", "schema": "public", "to": "claude_app"}]},
     "a database grant names no schema"),
    ({"grants": [{"privileges": ["select"], "object": "tables", "schema": "elsewhere", "to": "claude_app"}]},
     "'elsewhere' is neither public nor a declared schema"),
    ({"grants": [{"privileges": ["connect"], "object": "database", "to": "public"}]},
     "'public' is neither database.username nor a declared role"),
    ({"grants": [{"privileges": ["connect"], "object": "view", "to": "claude_app"}]}, "input should be 'database', 'schema'"),
    ({"sql": "DROP TABLE users"}, "unknown key 'sql'"),
])
def test_hostile_or_incoherent_declarations_fail_with_the_field_path(bootstrap, message):
    found = problems(relay(bootstrap))
    assert [p.path for p in found if p.path.startswith("apps.claude-relay.database")], found
    assert any(message in p.message for p in found), [p.message for p in found]


def test_a_read_only_role_with_table_grants_is_accepted():
    spec = load(relay({
        "roles": [{"name": "reporting"}],
        "schemas": [{"name": "claude_data", "owner": "claude_app"}],
        "grants": [{"privileges": ["usage"], "object": "schema", "schema": "claude_data", "to": "reporting"},
                   {"privileges": ["select"], "object": "tables", "schema": "claude_data", "to": "reporting"}],
    })).apps["claude-relay"].database.bootstrap
    assert [(r.name, r.login) for r in spec.roles] == [("reporting", False)]
