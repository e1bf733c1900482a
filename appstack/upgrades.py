"""Major version upgrades of an app's data stores are stated in the spec (`upgrade_from`), never implied.

The stack cannot see which version is running (that is state, not config), so the statement is what
turns a version change into an upgrade: on AWS it allows RDS's major upgrade and takes a snapshot
first; with CloudNativePG it takes a backup first and lets the operator run pg_upgrade. The in-cluster
PostgreSQL StatefulSet has no in-place path (a newer server does not start on an older data
directory), so stating an upgrade there is a config error that says what to do instead. `appstack plan
diff` compares the running (base) and new (head) versions and refuses an unstated major change.
"""

from __future__ import annotations

from typing import Any

from .errors import Problem
from .spec import AppSpec, PostgresSpec, RedisSpec


def declared_upgrades(apps: dict[str, AppSpec]) -> list[dict[str, Any]]:
    """The plan's `upgrades`: every stated major upgrade, by app and store (what plan diff matches)."""
    out = []
    for name, spec in sorted(apps.items()):
        for store, sub in (("database", spec.database), ("cache", spec.cache)):
            if isinstance(sub, PostgresSpec | RedisSpec) and sub.upgrade_from is not None:
                out.append({"app": name, "store": store, "engine": sub.engine, "from": sub.upgrade_from,
                            "to": sub.major_version})
    return out


def check_upgrades(platform: str, postgres_mode: Any, apps: dict[str, AppSpec]) -> list[Problem]:
    """`postgres_mode(app)` is the Kubernetes PostgreSQL mode of an app (in-cluster or operator)."""
    problems = []
    for name, spec in sorted(apps.items()):
        db = spec.database
        if (platform == "kubernetes" and isinstance(db, PostgresSpec) and db.upgrade_from is not None
                and postgres_mode(name) == "in-cluster"):
            problems.append(Problem(
                f"apps.{name}.database.upgrade_from",
                f"the in-cluster PostgreSQL StatefulSet cannot upgrade {db.upgrade_from} -> {db.major_version} in "
                f"place (a {db.major_version} server does not start on a {db.upgrade_from} data directory). Either "
                f"run it with CloudNativePG (appstack:kubernetes.postgres.apps.{name}: operator), which upgrades with "
                "pg_upgrade, or dump and restore (docs/operations.md, major version upgrades)"))
    return problems
