"""Render a synthesis: a grouped table, a deterministic JSON document, a Mermaid architecture diagram."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from .environment import BLOCK_SIZE
from .spec import AppSpec, ExternalCacheSpec, PostgresSpec, RedisSpec, SqliteSpec, references
from .stackconfig import Stack
from .synth import PlanResource, Synthesis, mask
from .upgrades import declared_upgrades

PLAN_FORMAT = "appstack.plan/v1"
APPLICATION_TYPE = "appstack:app:Application"


def plan_document(synthesis: Synthesis, stack: Stack, apps: list[str] | None = None) -> dict[str, Any]:
    """The public JSON shape read by users' review tooling: extend it, never break it.

    `apps` (from `--app`) says the resources were filtered to those apps; the document then lists
    only them and carries `"selection": {"apps": [...]}`.
    """
    document = {
        "format": PLAN_FORMAT,
        "stack": synthesis.stack,
        "platform": stack.settings.platform,
        "tier": stack.settings.tier,
        "apps": sorted(apps if apps else stack.apps),
        "resources": [resource.masked() for resource in synthesis.resources],
        "outputs": mask(synthesis.outputs),
        "warnings": list(synthesis.warnings),
        "overrides": applied_overrides(synthesis, stack),
        "upgrades": declared_upgrades(stack.apps),
    }
    if apps:
        document["selection"] = {"apps": sorted(apps)}
    if stack.settings.mode != "single":  # single-mode plans keep exactly their former keys
        document["mode"] = stack.settings.mode
    if stack.link is not None:
        first = stack.link.first_priority
        document["environment"] = {"stack": stack.link.stack, "name": stack.link.name,
                                   "listener_priorities": [first, first + BLOCK_SIZE - 1]}
    return document


def applied_overrides(synthesis: Synthesis, stack: Stack) -> list[dict[str, Any]]:
    """Each stack override with the URNs of the resources it patched (escape hatches stay reviewable)."""
    return [
        {
            "type": override.type,
            "name": override.name,
            "reason": override.reason,
            "patch": override.patch,
            "matched": [r.urn for r in synthesis.resources if r.custom and override.matches(r.type, r.name)],
        }
        for override in stack.settings.overrides
    ]


def plan_json(synthesis: Synthesis, stack: Stack, apps: list[str] | None = None) -> str:
    return json.dumps(plan_document(synthesis, stack, apps), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def app_of(resource: PlanResource, by_urn: dict[str, PlanResource]) -> str | None:
    current: PlanResource | None = resource
    while current is not None:
        if current.type == APPLICATION_TYPE:
            return current.name
        current = by_urn.get(current.parent) if current.parent else None
    return None


def _component_of(resource: PlanResource, by_urn: dict[str, PlanResource]) -> str:
    """The nearest enclosing component below the Application, as 'type name'."""
    parent = by_urn.get(resource.parent) if resource.parent else None
    if parent is None or parent.type == APPLICATION_TYPE:
        return "(app)"
    return f"{parent.type} {parent.name}"


def plan_table(synthesis: Synthesis, stack: Stack, style: Any = None, apps: list[str] | None = None) -> str:
    """The resources grouped by app and component, with counts; `style` (views.Style) colours a terminal."""
    bold = style.bold if style else str
    dim = style.dim if style else str
    by_urn = {r.urn: r for r in synthesis.resources}
    groups: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for resource in synthesis.resources:
        if resource.type == APPLICATION_TYPE:
            continue
        app = app_of(resource, by_urn) or f"(stack: {stack.settings.platform} foundation)"
        groups[app][_component_of(resource, by_urn)][resource.type] += 1
    custom = sum(1 for r in synthesis.resources if r.custom)
    lines = [
        bold(
            f"Stack {synthesis.stack}: platform {stack.settings.platform}, tier {stack.settings.tier}, "
            f"{len(apps or stack.apps)} apps, {len(synthesis.resources)} resources ({custom} cloud/cluster resources)"
        ),
    ]
    if apps:
        lines.append(f"Showing apps: {', '.join(sorted(apps))}")
    for app in sorted(groups):
        total = sum(sum(c.values()) for c in groups[app].values())
        lines += ["", bold(app) + f"  ({total} resources)"]
        for component in sorted(groups[app]):
            lines.append(dim(f"  {component}"))
            for type_token, count in sorted(groups[app][component].items()):
                lines.append(f"    {count:>4}  {type_token}")
    totals = Counter(r.type for r in synthesis.resources)
    lines += ["", bold("Totals by type")]
    lines += [f"  {count:>5}  {type_token}" for type_token, count in sorted(totals.items())]
    lines += _schedule_lines(stack)
    protected = sorted(r.name for r in synthesis.resources if r.options.get("protect"))
    lines += ["", bold(f"Protected resources: {len(protected)}")]
    if synthesis.warnings:
        lines += ["", bold("Warnings:")] + [f"  - {w}" for w in synthesis.warnings]
    return "\n".join(lines) + "\n"


def _schedule_lines(stack: Stack) -> list[str]:
    """When each app's scheduled jobs run, as the platform reads it (AWS: the converted expression)."""
    rows = []
    for app in sorted(stack.apps):
        for name, schedule in sorted(stack.apps[app].schedules.items()):
            when = f"{schedule.cron} ({schedule.time_zone})"
            if stack.settings.platform == "aws":
                when += f" = {schedule.cron_schedule().aws_expression()}"
            overlap = "no overlap" if schedule.concurrency == "forbid" else "overlap allowed"
            rows.append(f"  {app}/{name}  {when}, {overlap}, {schedule.retries} retries, "
                        f"timeout {schedule.timeout_seconds} s")
    return ["", "Schedules", *rows] if rows else []


def _node(*parts: str) -> str:
    return "_".join(p.replace("-", "_").replace(".", "_") for p in parts)


def plan_mermaid(stack: Stack) -> str:
    """Architecture from the specs: apps, workloads, data stores; edges for routes and bindings."""
    lines = ["flowchart LR", "  internet((Internet))"]
    for app_name in sorted(stack.apps):
        spec = stack.apps[app_name]
        lines += _app_subgraph(app_name, spec)
    return "\n".join(lines) + "\n"


def _app_subgraph(app: str, spec: AppSpec) -> list[str]:
    lines = [f'  subgraph {_node(app)}["{app}"]']
    for name, service in sorted(spec.services.items()):
        lines.append(f'    {_node(app, name)}["{name} :{service.port} ({service.protocol})"]')
    for name, worker in sorted(spec.workers.items()):
        kind = "singleton worker" if worker.singleton else "worker"
        lines.append(f'    {_node(app, name)}[["{name} x{worker.min_replicas} ({kind})"]]')
    for name in sorted(spec.jobs):
        lines.append(f'    {_node(app, "job", name)}>"job {name}"]')
    for name, schedule in sorted(spec.schedules.items()):
        lines.append(f'    {_node(app, "schedule", name)}>"schedule {name}<br/>{schedule.cron} {schedule.time_zone}"]')
    stores = _data_stores(app, spec)
    for node, label in stores.values():
        lines.append(f'    {node}[("{label}")]')
    lines.append("  end")
    for name, service in sorted(spec.services.items()):
        if service.routes:
            paths = ", ".join(r.path + (" ws" if r.websocket else "") for r in service.routes)
            lines.append(f'  internet -->|"{paths}"| {_node(app, name)}')
    containers = [(_node(app, n), c) for n, c in {**spec.services, **spec.workers}.items()]
    containers += [(_node(app, "job", n), j) for n, j in spec.jobs.items()]
    containers += [(_node(app, "schedule", n), s) for n, s in spec.schedules.items()]
    for source, container in sorted(containers, key=lambda c: c[0]):
        targets: set[str] = set()
        for template in spec.env_for(container).values():
            for ref in references(template):
                kind = ref.split(".")[0]
                if kind in ("postgres", "database") and "database" in stores:
                    targets.add(stores["database"][0])
                elif kind == "redis" and "cache" in stores:
                    targets.add(stores["cache"][0])
                elif kind == "storage":
                    targets.add(_node(app, "bucket", ref.split(".")[1]))
                elif kind == "services":
                    targets.add(_node(app, ref.split(".")[1]))
        lines += [f"  {source} --> {target}" for target in sorted(targets) if target != source]
    if isinstance(spec.database, SqliteSpec):
        lines.append(f"  {_node(app, spec.database.service)} --> {stores['database'][0]}")
    return lines


def _data_stores(app: str, spec: AppSpec) -> dict[str, tuple[str, str]]:
    stores: dict[str, tuple[str, str]] = {}
    db = spec.database
    if isinstance(db, PostgresSpec):
        stores["database"] = (_node(app, "postgres"), f"PostgreSQL {db.version}")
    elif isinstance(db, SqliteSpec):
        stores["database"] = (_node(app, "sqlite"), f"SQLite {db.path}")
    elif db is not None:
        stores["database"] = (_node(app, "database"), "external database")
    if isinstance(spec.cache, RedisSpec):
        stores["cache"] = (_node(app, "redis"), f"Redis {spec.cache.version}")
    elif isinstance(spec.cache, ExternalCacheSpec):
        stores["cache"] = (_node(app, "redis"), "external Redis")
    for bucket, bucket_spec in sorted(spec.storage.items()):
        label = f"bucket {bucket}" + (" via CDN" if bucket_spec.access == "cdn" else "")
        stores[f"bucket:{bucket}"] = (_node(app, "bucket", bucket), label)
    return stores
