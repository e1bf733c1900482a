"""Alarm thresholds derived from the spec: the guides' targets are already stated in its PromQL alerts."""

from __future__ import annotations

import re

from appstack.spec import AppSpec, PostgresSpec, memory_mib

_TRAILING_THRESHOLD = re.compile(r">\s*([0-9]+(?:\.[0-9]+)?)\s*$")
RDS_BYTES_PER_CONNECTION = 9531392  # RDS PostgreSQL default max_connections = memory / this (at most 5000)
DEFAULT_PERCENT = 80.0


def _threshold(spec: AppSpec, needle: str) -> float | None:
    for alert in spec.alerts:
        if needle in alert.expr:
            match = _TRAILING_THRESHOLD.search(alert.expr)
            if match:
                return float(match.group(1))
    return None


def p95_latency_seconds(spec: AppSpec, default_ms: int) -> float:
    """The `histogram_quantile(0.95, ...) > N` target of the spec's alerts (seconds), else the default."""
    found = _threshold(spec, "histogram_quantile(0.95")
    return found if found is not None else default_ms / 1000


def max_connections(db: PostgresSpec) -> int:
    configured = db.parameters.get("max_connections")
    if configured is not None:
        return int(configured)
    return min(5000, memory_mib(db.memory) * 1024 * 1024 // RDS_BYTES_PER_CONNECTION)


def connection_threshold(spec: AppSpec) -> float | None:
    """The spec's active-connections alert (Claude Relay: 80), else 80 % of max_connections."""
    if not isinstance(spec.database, PostgresSpec):
        return None
    found = _threshold(spec, "pg_stat_activity_count")
    return found if found is not None else float(int(max_connections(spec.database) * DEFAULT_PERCENT / 100))


def disk_used_percent(spec: AppSpec) -> float:
    """The spec's database-size alert as a share of the volume (Claude Relay: 0.8 -> 80 %), else 80 %."""
    found = _threshold(spec, "pg_database_size_bytes")
    if found is None:
        return DEFAULT_PERCENT
    return found * 100 if found <= 1 else found


def free_storage_bytes_threshold(spec: AppSpec) -> float | None:
    if not isinstance(spec.database, PostgresSpec):
        return None
    allocated = spec.database.storage_gb * 1024**3
    return allocated * (100 - disk_used_percent(spec)) / 100
