"""The guides' facts as spec: database.bootstrap and metrics_retention are typed and validated up front."""

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


@pytest.mark.parametrize(("value", "message"), [
    ("0d", "must be a Prometheus duration in whole days, weeks or years, such as 30d"), ("1096d", "must be 1 to 1095 days (got 1096d = 1096 days)"),
    ("4y", "(got 4y = 1460 days)"), ("30m", "must be a Prometheus duration in whole days, weeks or years, such as 30d"), ("30D", "must be a Prometheus duration in whole days, weeks or years, such as 30d"),
    ("-1d", "must be a Prometheus duration in whole days, weeks or years, such as 30d"), (" 30d", "must be a Prometheus duration in whole days, weeks or years, such as 30d"), ("30d\n", "must be a Prometheus duration in whole days, weeks or years, such as 30d"),
    ("1d2h", "must be a Prometheus duration in whole days, weeks or years, such as 30d"), (30, "valid string"),
])
def test_hostile_metrics_retention_fails_with_its_path(value, message):
    found = problems({"sparkle": {"metrics_retention": value}})
    assert [p.path for p in found] == ["apps.sparkle.metrics_retention"], found
    assert message in found[0].message, found[0].message


def test_metrics_retention_accepts_days_weeks_and_years_within_amps_limit():
    assert load({"sparkle": {}}).apps["sparkle"].metrics_retention == "30d"  # the guide's, from the blueprint
    for value in ("1d", "2w", "3y", "1095d"):
        assert load({"sparkle": {"metrics_retention": value}}).apps["sparkle"].metrics_retention == value


def test_a_scrape_only_service_takes_no_route_and_no_workload_binds_its_address():
    routed = problems({"sparkle": {"services": {"redis-exporter": {"routes": [{"path": "/metrics"}]}}}})
    assert [p.path for p in routed] == ["apps.sparkle.services.redis-exporter"], routed
    assert "metrics.scrape_only: a service only the monitoring stack reaches takes no routes" in routed[0].message
    bound = problems({"sparkle": {"services": {"gateway": {"env": {"EXPORTER": "${services.redis-exporter.url}"}}}}})
    assert [(p.path, p.message) for p in bound] == [(
        "apps.sparkle.services.gateway.env.EXPORTER",
        "${services.redis-exporter.url}: service 'redis-exporter' is metrics.scrape_only: only the monitoring "
        "stack reaches it")]


def test_the_redis_scheme_binding_is_plain_and_says_whether_tls_is_on():
    from appstack.spec import available_attributes

    attribute = available_attributes(load({"sparkle": {}}).apps["sparkle"])["redis.scheme"]
    assert attribute.secret is False
