"""Checks across the parts of one app spec: references, routes, SQLite constraints.

Each check returns problems with paths relative to the app, so that all of them reach the
user in one message instead of one at a time.
"""

from __future__ import annotations

from ..errors import Problem, join_path
from .app import AppSpec
from .bindings import available_attributes, references, unknown_reference_message
from .data import ExternalCacheSpec, ExternalDatabaseSpec, SqliteSpec
from .edge import slug
from .workloads import LongRunningSpec, ServiceSpec


def check_app(spec: AppSpec) -> list[Problem]:
    return [
        *_check_has_workloads(spec),
        *_check_images(spec),
        *_check_bindings(spec),
        *_check_app_env(spec),
        *_check_routes(spec),
        *_check_edge(spec),
        *_check_health(spec),
        *_check_sqlite(spec),
        *_check_external_secrets(spec),
        *_check_alerts(spec),
        *_check_cors(spec),
        *_check_renames(spec),
        *_check_env_sizes(spec),
        *_check_sidecars(spec),
        *_check_kubernetes_metadata(spec),
    ]


def _check_kubernetes_metadata(spec: AppSpec) -> list[Problem]:
    """Labels and annotations appstack sets itself (or Kubernetes reserves), one problem per key."""
    owners = [(("kubernetes", "ingress"), spec.kubernetes.ingress)]
    for group, name, container in _containers(spec):
        owners.append(((group, name, "kubernetes", "pod"), container.kubernetes.pod))
        if isinstance(container, ServiceSpec):
            owners.append(((group, name, "kubernetes", "service"), container.kubernetes.service))
    found = [Problem(join_path(*where, *inside), message)
             for where, metadata in owners for inside, message in metadata.problems()]
    if spec.kubernetes.is_set and not spec.public_services:
        found.append(Problem("kubernetes.ingress", "the app has no public routes, so no Ingress to label or annotate"))
    return found


def _check_renames(spec: AppSpec) -> list[Problem]:
    """A renamed entity takes over its old name's resources: that name must be free and claimed once."""
    problems = []
    for kinds in (("services", "workers", "jobs", "schedules"), ("storage",)):
        current = {name for kind in kinds for name in getattr(spec, kind)}
        claimed: dict[str, str] = {}
        for kind in kinds:
            for name, entity in getattr(spec, kind).items():
                old = entity.renamed_from
                if old is None:
                    continue
                path = join_path(kind, name, "renamed_from")
                if old == name:
                    problems.append(Problem(path, f"'{old}' is its current name; remove renamed_from"))
                elif old in current:
                    problems.append(Problem(path, f"'{old}' is still in use; a rename frees its old name"))
                elif old in claimed:
                    problems.append(Problem(path, f"'{claimed[old]}' was already renamed from '{old}'"))
                claimed.setdefault(old, name)
    return problems


# ECS takes a task definition of at most 64 KiB; env is the part the spec controls. Half of it for
# one container's env leaves room for the rest (and stays far below a Kubernetes object's 1.5 MiB).
ENV_BYTES_MAX = 32 * 1024


def _check_env_sizes(spec: AppSpec) -> list[Problem]:
    problems = []
    for group, name, container in _containers(spec):
        env = spec.env_for(container)
        size = sum(len(key.encode()) + len(value.encode()) for key, value in env.items())
        if size > ENV_BYTES_MAX:
            problems.append(Problem(join_path(group, name, "env"), f"the app's and the workload's env hold "
                                    f"{size} bytes; at most {ENV_BYTES_MAX} fit a task definition"))
    return problems


def _check_has_workloads(spec: AppSpec) -> list[Problem]:
    if spec.services or spec.workers:
        return []
    return [Problem("services", "an app needs at least one service or worker")]


def _containers(spec: AppSpec):
    for group in ("services", "workers", "jobs", "schedules"):
        for name, container in getattr(spec, group).items():
            yield group, name, container


def _check_images(spec: AppSpec) -> list[Problem]:
    declared = ", ".join(sorted(spec.images)) or "none"
    return [
        Problem(join_path(group, name, "image"), f"unknown image '{c.image}'; declared images: {declared}")
        for group, name, c in _containers(spec)
        if c.image not in spec.images
    ]


def _check_bindings(spec: AppSpec) -> list[Problem]:
    attributes = available_attributes(spec)
    problems = []
    envs = [("env", spec.env)] + [(join_path(g, n, "env"), c.env) for g, n, c in _containers(spec)]
    for path, env in envs:
        for key, template in env.items():
            for ref in references(template):
                if ref not in attributes:
                    problems.append(Problem(join_path(path, key), unknown_reference_message(ref, attributes)))
                elif ref.startswith("services.") and spec.services[ref.split(".")[1]].scrape_only:
                    problems.append(Problem(join_path(path, key), f"${{{ref}}}: service '{ref.split('.')[1]}' "
                                            "is metrics.scrape_only: only the monitoring stack reaches it"))
    return problems


def _check_app_env(spec: AppSpec) -> list[Problem]:
    """A named entry must exist in the app's env: a typo would silently starve the workload."""
    problems = []
    defined = ", ".join(sorted(spec.env)) or "none"
    for group, name, container in _containers(spec):
        if not isinstance(container.app_env, list):
            continue
        for index, entry in enumerate(container.app_env):
            if entry not in spec.env:
                problems.append(Problem(join_path(group, name, "app_env", index),
                                        f"'{entry}' is not in the app's env (defined: {defined})"))
    return problems


def _check_routes(spec: AppSpec) -> list[Problem]:
    problems = []
    owner: dict[tuple[str | None, str], str] = {}
    for name, service in spec.services.items():
        for index, route in enumerate(service.routes):
            key = (route.host or spec.domain, route.path)
            path = join_path("services", name, "routes", index, "path")
            if key in owner:
                host = key[0] or "the default host"
                problems.append(Problem(path, f"route {route.path} on {host} is already served by '{owner[key]}'"))
            else:
                owner[key] = name
    if spec.public_services and spec.tls and not spec.domain:
        problems.append(
            Problem("domain", "public routes served over TLS need a domain (set it per stack, or tls: false for dev)")
        )
    return problems


def _check_edge(spec: AppSpec) -> list[Problem]:
    """Cache rules, rewrites and redirects must meet a route, never shadow one, and keep distinct names."""
    problems = []
    edge = spec.edge
    route_paths = {(route.host or spec.domain, route.path): route for svc in spec.public_services.values()
                   for route in svc.routes}
    slugs: dict[tuple[str, str], str] = {}

    def unique_slug(kind: str, path: str, where: str) -> None:
        if (kind, slug(path)) in slugs:
            problems.append(Problem(where, f"'{path}' and '{slugs[kind, slug(path)]}' give the same resource "
                                           f"name '{slug(path)}'; choose paths that differ in letters or digits"))
        slugs.setdefault((kind, slug(path)), path)

    for index, rule in enumerate(edge.cache):
        where = join_path("edge", "cache", index, "path")
        unique_slug("cache", rule.path, where)
        hosts = spec.route_hosts_serving(rule.path)
        if not hosts:
            problems.append(Problem(where, f"no public route serves {rule.path}"))
        for host in hosts:
            route = route_paths.get((host, rule.path))
            if route is not None and route.websocket:
                problems.append(Problem(where, f"{rule.path} is a WebSocket route; caching applies to HTTP routes"))
    claimed: dict[tuple[str | None, str], str] = {}
    for kind, rules in (("rewrites", edge.rewrites), ("redirects", edge.redirects)):
        for index, rule in enumerate(rules):
            where = join_path("edge", kind, index)
            host = rule.host or spec.domain
            unique_slug("rule", rule.path, join_path(where, "path"))
            if (host, rule.path) in claimed:
                problems.append(Problem(join_path(where, "path"),
                                        f"{rule.path} is already taken by {claimed[host, rule.path]}"))
            claimed.setdefault((host, rule.path), f"edge.{kind}[{index}]")
            shadowed = sorted(p for h, p in route_paths if h == host and (p == rule.path
                                                                          or p.startswith(rule.path + "/")))
            if shadowed:
                problems.append(Problem(join_path(where, "path"), f"{rule.path} would take over the route(s) "
                                                                  f"{', '.join(shadowed)}; pick a path no route uses"))
            if kind == "rewrites":
                if spec.route_owner(host, rule.to) is None:
                    problems.append(Problem(join_path(where, "to"), f"no public route serves {rule.to} on "
                                                                    f"{host or 'the default host'}"))
            else:
                if host not in {h for h, _ in route_paths}:
                    # The certificate (cert-manager's or ACM's) covers the route hosts only.
                    problems.append(Problem(join_path(where, "host"), f"{host} has no routes (nor a certificate); "
                                                                      "redirect on a host the app serves"))
                to_host, to_path = rule.target
                if to_host == host and (to_path == rule.path or to_path.startswith(rule.path + "/")):
                    problems.append(Problem(join_path(where, "to"), f"{rule.to} redirects to itself (a loop)"))
    return problems


def _check_health(spec: AppSpec) -> list[Problem]:
    problems = []
    for name, service in spec.services.items():
        if service.public and service.health.http_check_path() is None:
            problems.append(
                Problem(
                    join_path("services", name, "health"),
                    "a public service needs an HTTP readiness or liveness check, or load_balancer_path",
                )
            )
        for kind, probe in service.health.probes().items():
            if service.protocol == "grpc" and probe.kind == "http":
                problems.append(
                    Problem(
                        join_path("services", name, "health", kind), "a grpc service checks with grpc, tcp or command"
                    )
                )
    return problems


def _check_sqlite(spec: AppSpec) -> list[Problem]:
    db = spec.database
    if not isinstance(db, SqliteSpec):
        return []
    service = spec.services.get(db.service)
    if service is None:
        return [
            Problem("database.service", f"unknown service '{db.service}'; services: {', '.join(sorted(spec.services))}")
        ]
    problems = []
    if not _inside_volume(db.path, service):
        mounts = ", ".join(v.mount_path for v in service.volumes.values()) or "none"
        problems.append(
            Problem("database.path", f"{db.path} is not inside a volume of service '{db.service}' (volumes: {mounts})")
        )
    if service.autoscale is not None:
        problems.append(
            Problem(
                join_path("services", db.service, "autoscale"),
                "a SQLite service runs exactly 1 replica; remove autoscale",
            )
        )
    elif service.replicas != 1:
        problems.append(
            Problem(
                join_path("services", db.service, "replicas"),
                f"a SQLite service runs exactly 1 replica (one writer on one volume), got {service.replicas}",
            )
        )
    return problems


def _inside_volume(path: str, service: ServiceSpec) -> bool:
    return any(path.startswith(volume.mount_path.rstrip("/") + "/") for volume in service.volumes.values())


def _check_external_secrets(spec: AppSpec) -> list[Problem]:
    problems = []
    for field, part in (("database", spec.database), ("cache", spec.cache)):
        if isinstance(part, ExternalDatabaseSpec | ExternalCacheSpec):
            secret = spec.secrets.get(part.url_secret)
            if secret is None or secret.source != "provided":
                problems.append(
                    Problem(join_path(field, "url_secret"), f"'{part.url_secret}' must be a declared provided secret")
                )
            elif not secret.required:
                problems.append(Problem(join_path(field, "url_secret"),
                                        f"'{part.url_secret}' is optional, but the {field} cannot work without it"))
    return problems


def _check_alerts(spec: AppSpec) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, alert in enumerate(spec.alerts):
        if alert.name in seen:
            problems.append(Problem(join_path("alerts", index, "name"), f"duplicate alert name '{alert.name}'"))
        seen.add(alert.name)
    return problems


def _check_cors(spec: AppSpec) -> list[Problem]:
    """CORS origins may reference the app's own URL or domain, which differ per stack."""
    problems = []
    for bucket_name, bucket in spec.storage.items():
        for rule_index, rule in enumerate(bucket.cors):
            for origin_index, origin in enumerate(rule.allowed_origins):
                for ref in references(origin):
                    if ref not in ("app.url", "app.domain"):
                        path = join_path("storage", bucket_name, "cors", rule_index, "allowed_origins", origin_index)
                        problems.append(Problem(path, f"${{{ref}}}: origins may only reference app.url or app.domain"))
    return problems


# A sidecar reaches no data store (the main container holds their CA files and network labels), so its
# env takes only these bindings; a secret only as a whole `${secrets.NAME}` (a reference, never a copy).
SIDECAR_BINDINGS = ("app.", "services.", "secrets.")
RESERVED_CONTAINER_NAMES = ("prometheus-collector",)  # the AWS metrics collector sidecar's container


def _sidecars(spec: AppSpec):
    for group in ("services", "workers"):
        for name, workload in getattr(spec, group).items():
            assert isinstance(workload, LongRunningSpec)
            for sidecar_name, sidecar in workload.sidecars.items():
                yield group, name, workload, sidecar_name, sidecar


def _check_sidecars(spec: AppSpec) -> list[Problem]:
    declared = ", ".join(sorted(spec.images)) or "none"
    attributes = available_attributes(spec)
    problems = []
    for group, name, workload, sidecar_name, sidecar in _sidecars(spec):
        path = join_path(group, name, "sidecars", sidecar_name)
        if sidecar_name == name or sidecar_name in RESERVED_CONTAINER_NAMES:
            problems.append(Problem(path, f"'{sidecar_name}' is taken (the main container's or appstack's own "
                                    "container name); name the sidecar differently"))
        if sidecar.image not in spec.images:
            problems.append(Problem(join_path(path, "image"), f"unknown image '{sidecar.image}'; declared: {declared}"))
        for key, template in sidecar.env.items():
            refs = references(template)
            for ref in refs:
                if ref not in attributes:
                    problems.append(Problem(join_path(path, "env", key), unknown_reference_message(ref, attributes)))
                elif not ref.startswith(SIDECAR_BINDINGS):
                    problems.append(Problem(join_path(path, "env", key), f"${{{ref}}}: a sidecar's env may "
                                            "reference app.*, services.* and secrets.* only (no data store)"))
                elif ref.startswith("secrets.") and template.strip() != f"${{{ref}}}":
                    problems.append(Problem(join_path(path, "env", key), f"${{{ref}}} must be the whole value: "
                                            "a sidecar takes a secret by reference only"))
        problems += _sidecar_ports(spec, group, name, workload, sidecar_name, sidecar)
    return problems


def _sidecar_ports(spec: AppSpec, group: str, name: str, workload: LongRunningSpec, sidecar_name: str,
                   sidecar) -> list[Problem]:
    """Containers of one pod or task share its network: every port number and name is the pod's once."""
    taken: dict[object, str] = {}
    if isinstance(workload, ServiceSpec):
        taken.update({workload.port: "the main container", workload.protocol: "the main container"})
        if workload.metrics and workload.metrics.port:
            taken.update({workload.metrics.port: "the metrics port", "metrics": "the metrics port"})
    for other_name, other in sorted(workload.sidecars.items()):
        if other_name == sidecar_name:
            break
        taken.update({p.port: f"sidecar {other_name}" for p in other.ports})
        taken.update({p.name: f"sidecar {other_name}" for p in other.ports})
    problems = []
    for index, port in enumerate(sidecar.ports):
        path = join_path(group, name, "sidecars", sidecar_name, "ports", index)
        for value, what in ((port.port, "port"), (port.name, "name")):
            if value in taken:
                problems.append(Problem(join_path(path, what), f"{what} {value} is already {taken[value]}'s"))
            taken[value] = f"sidecar {sidecar_name}"
    return problems
