"""The five blueprints validate and carry their guides' figures."""

from __future__ import annotations

import pytest

from appstack.spec import PostgresSpec, RedisSpec, SqliteSpec
from appstack.stackconfig import available_blueprints, validate_blueprint

SYSTEMS = ["claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage"]


def test_exactly_the_five_systems_ship():
    assert available_blueprints() == SYSTEMS


@pytest.mark.parametrize("name", SYSTEMS)
def test_blueprint_validates(name):
    assert validate_blueprint(name).name == name


@pytest.mark.parametrize("name", SYSTEMS)
def test_every_image_is_pinned_and_every_container_non_root(name):
    spec = validate_blueprint(name)
    for image in spec.images.values():
        assert image.tag not in (None, "latest") or image.digest
    for group in (spec.services, spec.workers, spec.jobs):
        for container in group.values():
            assert container.run_as_user > 0


def test_small_squaretable_matches_its_guide():
    spec = validate_blueprint("small-squaretable")
    app = spec.services["app"]
    assert (app.port, [r.path for r in app.routes], app.routes[0].websocket) == (3000, ["/"], True)
    assert (app.health.liveness.http, app.health.readiness.http, app.health.http_check_path()) == (
        "/health/live",
        "/health/ready",
        "/health",
    )
    assert (app.autoscale.min, app.autoscale.max, app.autoscale.cpu_percent, app.autoscale.memory_percent) == (
        3,
        10,
        70,
        80,
    )
    assert app.resources.requests.model_dump() == {"cpu": "500m", "memory": "512Mi"}
    assert app.resources.limits.model_dump() == {"cpu": "1000m", "memory": "1024Mi"}
    assert spec.jobs["db-migrate"].command == ["pnpm", "db:migrate"]
    assert spec.jobs["db-migrate"].phase == "before_rollout"
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "JWT_SECRET",
        "STRIPE_SECRET_KEY",
        "STRIPE_PUBLISHABLE_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_PRICE_PRO_MONTHLY",
        "STRIPE_PRICE_PRO_YEARLY",
        "STRIPE_PRICE_TEAM_MONTHLY",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "CUSTOM_LLM_API_KEY",
        "PORT",
        "APP_URL",
        "LOG_LEVEL",
    } <= set(spec.env)
    assert isinstance(spec.database, PostgresSpec) and int(spec.database.major_version) >= 15
    assert isinstance(spec.cache, RedisSpec) and spec.cache.version.startswith("7")


def test_claude_relay_matches_its_guide():
    spec = validate_blueprint("claude-relay")
    db = spec.database
    assert isinstance(db, PostgresSpec)
    assert (db.version, db.database) == ("15", "claude_relay")
    assert db.extensions == ["uuid-ossp", "pg_stat_statements", "pgcrypto"]
    assert db.parameters["shared_preload_libraries"] == "pg_stat_statements"
    assert (db.parameters["max_connections"], db.parameters["log_min_duration_statement"]) == (100, 1000)
    assert db.parameters["password_encryption"] == "scram-sha-256"
    cache = spec.cache
    assert (cache.maxmemory_mb, cache.maxmemory_policy, cache.persistence) == (2048, "allkeys-lru", "aof")
    assert spec.services["app"].port == 3000 and spec.services["postgres-exporter"].port == 9187
    env = spec.env_for(spec.services["app"])
    for name in (
        "POSTGRES_HOST",
        "POSTGRES_PORT",
        "POSTGRES_DB",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_POOL_MIN",
        "POSTGRES_POOL_MAX",
        "POSTGRES_SSL",
        "REDIS_HOST",
        "REDIS_PORT",
        "REDIS_PASSWORD",
        "JWT_SECRET",
        "ENCRYPTION_KEY",
        "ENABLE_POSTGRES",
        "MIGRATION_MODE",
        "ENABLE_DUAL_WRITE",
    ):
        assert name in env
    thresholds = {a.name: a.expr.rsplit(" ", 1)[-1] for a in spec.alerts}
    assert thresholds == {
        "PostgresActiveConnectionsHigh": "80",
        "PostgresWaitingConnections": "5",
        "PostgresSlowQueries": "1",
        "PostgresSlowQueriesPerMinute": "10",
        "PostgresReplicationLag": "30",
        "PostgresDiskUsageHigh": "0.8",
        "PostgresTableBloat": "0.2",
    }
    # The guide's postgres_metrics.yml: all seven thresholds, each with its severity and duration.
    assert [(a.name, a.severity, a.for_) for a in spec.alerts] == [
        ("PostgresActiveConnectionsHigh", "warning", "5m"), ("PostgresWaitingConnections", "critical", "5m"),
        ("PostgresSlowQueries", "warning", "5m"), ("PostgresSlowQueriesPerMinute", "warning", "5m"),
        ("PostgresReplicationLag", "critical", "1m"), ("PostgresDiskUsageHigh", "warning", "15m"),
        ("PostgresTableBloat", "warning", "15m")]
    exporter = spec.services["postgres-exporter"]
    assert exporter.args == ["--collector.stat_statements"]  # pg_stat_statements_* for both slow-query alerts


def test_sparkle_matches_its_guide():
    spec = validate_blueprint("sparkle")
    grpc, gateway, backend = (spec.services[n] for n in ("grpc-server", "gateway", "backend"))
    assert (grpc.port, grpc.protocol, grpc.routes) == (50051, "grpc", [])
    assert (gateway.port, [(r.path, r.websocket) for r in gateway.routes]) == (
        8080,
        [("/api/v1", False), ("/ws/chat", True)],
    )
    assert (backend.port, [r.path for r in backend.routes]) == (8000, ["/docs", "/uploads"])
    assert gateway.env["AGENT_ADDRESS"] == "${services.grpc-server.address}"
    assert (grpc.resources.limits.cpu, grpc.resources.limits.memory) == ("2000m", "2048Mi")
    assert (grpc.resources.requests.cpu, grpc.resources.requests.memory) == ("1000m", "1024Mi")
    assert (gateway.resources.limits.cpu, gateway.resources.limits.memory) == ("1000m", "1024Mi")
    assert "--workers" in backend.command and backend.command[-1] == "4"
    assert spec.database.version == "16"
    assert (spec.database.parameters["max_connections"], spec.database.parameters["log_min_duration_statement"]) == (
        200,
        500,
    )
    assert (spec.cache.maxmemory_mb, spec.cache.maxmemory_policy) == (2048, "allkeys-lru")
    alerts = {a.name: (a.expr, a.for_, a.severity) for a in spec.alerts}
    assert alerts == {
        "HighErrorRate": ('rate(http_requests_total{status=~"5.."}[5m]) > 0.1', "5m", "warning"),
        "CircuitBreakerOpen": ("chat_orchestrator_circuit_breaker == 1", "1m", "critical"),
        "HighMemoryUsage": ("process_resident_memory_bytes > 2 * 1024 * 1024 * 1024", "5m", "warning"),
        "QueueBacklog": ("redis_queue_length > 500", "10m", "warning"),
    }
    assert spec.edge.websocket_timeout_seconds == 86400
    # The guide's scrape intervals: gateway and backend 10 s, its postgres job 30 s and redis job 15 s (read
    # through exporters, internal and scraped only, each with its own store's credential and nothing else).
    intervals = {n: s.metrics.interval_seconds for n, s in spec.services.items() if s.metrics}
    assert intervals == {"gateway": 10, "backend": 10, "postgres-exporter": 30, "redis-exporter": 15}
    assert {n for n, s in spec.services.items() if s.scrape_only} == {"postgres-exporter", "redis-exporter"}
    postgres, redis = spec.services["postgres-exporter"], spec.services["redis-exporter"]
    assert spec.env_for(postgres) == {"DATA_SOURCE_NAME": "${postgres.url}"}
    assert spec.env_for(redis) == {"REDIS_ADDR": "${redis.scheme}://${redis.host}:${redis.port}",
                                   "REDIS_PASSWORD": "${redis.password}",
                                   "REDIS_EXPORTER_TLS_CA_CERT_FILE": "${redis.ca_file}"}
    assert (postgres.port, redis.port, postgres.routes, redis.routes) == (9187, 9121, [], [])
    assert (postgres.run_as_user, redis.run_as_user, postgres.replicas, redis.replicas) == (65534, 59000, 1, 1)
    assert (spec.images["redis-exporter"].repository, spec.images["redis-exporter"].tag) == (
        "quay.io/oliver006/redis_exporter", "v1.67.0")


def test_elizabeth_matches_its_guide():
    spec = validate_blueprint("elizabeth")
    backend, frontend = spec.services["backend"], spec.services["frontend"]
    assert (backend.port, [(r.path, r.websocket) for r in backend.routes]) == (
        4092,
        [("/api/v1", False), ("/api/v1/ws", True)],
    )
    assert backend.health.http_check_path() == "/api/v1/health"
    assert (frontend.port, [r.path for r in frontend.routes]) == (4001, ["/"])
    assert frontend.env == {
        "NEXT_PUBLIC_API_URL": "/api/v1",
        "INTERNAL_API_URL": "http://${services.backend.address}/api/v1",
    }
    assert isinstance(spec.database, SqliteSpec)
    assert (spec.database.service, spec.database.path) == ("backend", "/app/data/elizabeth.db")
    assert backend.volumes["data"].mount_path == "/app/data" and backend.replicas == 1
    assert spec.secrets["JWT_SECRET"].min_length == 32 and spec.secrets["JWT_SECRET"].length >= 32
    assert backend.env["STORAGE_BACKEND"] == "s3" and backend.env["S3_BUCKET"] == "${storage.files.bucket}"
    assert (spec.edge.max_body_size_mb, spec.edge.websocket_timeout_seconds) == (120, 86400)
    assert spec.edge.security_headers.frame_options == "DENY" and spec.edge.security_headers.hsts


def test_zmage_matches_its_guide():
    spec = validate_blueprint("zmage")
    assert spec.services["web"].port == 3000
    worker = spec.workers["worker"]
    assert (worker.replicas, worker.image) == (3, "worker")
    assert spec.images["worker"].build.dockerfile == "Dockerfile.worker"
    assert spec.images["web"].build.target == "runner"
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "NEXTAUTH_SECRET",
        "AWS_REGION",
        "S3_BUCKET",
        "GEMINI_API_KEY",
        "SENTRY_DSN",
        "NODE_ENV",
    } <= set(spec.env)
    assert spec.secrets["NEXTAUTH_SECRET"].min_length == 32
    assert spec.storage["media"].access == "cdn"
    assert spec.cache.maxmemory_policy == "noeviction"
    assert {a.name: a.for_ for a in spec.alerts} == {
        "HighErrorRate": "5m",
        "SlowAPIResponse": "5m",
        "QueueBacklog": "10m",
    }
    assert spec.alerts[0].expr.endswith("> 0.05") and spec.alerts[2].expr == "bullmq_queue_waiting > 100"
