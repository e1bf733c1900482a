"""Names no shortening can make valid, and names two spec entities would share: config errors.

Run by load_stack after every app validated, so they reach the user with the other config problems,
before any resource is registered. Each rule names the fields to change. The provider checks
(appstack.provider_checks.collisions) find any collision these rules miss in a plan, and the
property-based tests generate specs with colliding names to keep the two in agreement.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ..errors import Problem, join_path
from ..spec import AppSpec, PostgresSpec, RedisSpec, SqliteSpec
from . import aws as aws_names
from . import kubernetes as kubernetes_names

# Object names each Kubernetes app namespace holds besides its workloads' own (see components/kubernetes).
KUBERNETES_POLICY_SUFFIXES = ("dns", "app-egress", "postgres-client-egress", "redis-client-egress", "external-egress",
                              "acme-http01", "workload-identity", "backup-egress")
PLATFORM_DATABASE_JOB = "db-bootstrap"  # the Kubernetes Job of engine: postgres
ACM_FIRST_DOMAIN = 64  # acm RequestCertificate DomainName: "cannot exceed 64 octets"
ACM_ALTERNATIVE_NAME = 253  # acm RequestCertificate SubjectAlternativeNames[]: "cannot exceed 253 octets"


def check_stack_names(settings, apps: dict[str, AppSpec]) -> list[Problem]:
    problems = [*_across_apps(apps)]
    for name, spec in apps.items():
        at = f"apps.{name}"
        problems += [Problem(join_path(at, path), message) for path, message in _within_app(spec)]
        if settings.platform == "kubernetes":
            problems += [Problem(join_path(at, p), m) for p, m in _kubernetes(settings, spec)]
        else:
            problems += [Problem(join_path(at, p), m) for p, m in _aws(settings, spec)]
    return problems


def entity_names(spec: AppSpec) -> dict[str, str]:
    """Spec path -> the name every platform builds resource names from (<app>-<name>...)."""
    names = {}
    for group in ("services", "workers", "jobs", "schedules", "storage"):
        for entity in getattr(spec, group):
            names[f"{group}.{entity}"] = entity
    for job in spec.jobs:
        names[f"jobs.{job} (as job-{job})"] = f"job-{job}"
    for secret in spec.secrets:
        names[f"secrets.{secret}"] = secret.lower().replace("_", "-")
    return names


def _across_apps(apps: dict[str, AppSpec]) -> Iterator[Problem]:
    """App `zz` with service `a-web` and app `zz-a` with service `web` both name resources `zz-a-web`."""
    for first, second in itertools.permutations(sorted(apps), 2):
        if not second.startswith(f"{first}-"):
            continue
        rest = second[len(first) + 1 :]
        for path, entity in entity_names(apps[first]).items():
            if entity == rest or entity.startswith(f"{rest}-"):
                yield Problem(
                    f"apps.{second}",
                    f"app '{second}' and {path.split(' ')[0]} of app '{first}' name resources alike "
                    f"('{first}-{entity}...'); rename the app or the {path.split('.')[0].rstrip('s')}",
                )


def _within_app(spec: AppSpec) -> Iterator[tuple[str, str]]:
    """Services, workers, jobs and schedules share task families, log groups, roles and objects named after them."""
    for worker in spec.workers:
        if worker in spec.services:
            yield f"workers.{worker}", f"a service is named '{worker}' too; services and workers need distinct names"
    for job in spec.jobs:
        if job in spec.services or job in spec.workers:
            yield f"jobs.{job}", f"a service or worker is named '{job}' too; jobs need names of their own"
        for group in ("services", "workers", "schedules"):
            if f"job-{job}" in getattr(spec, group):
                yield f"{group}.job-{job}", f"'job-{job}' names the resources of job '{job}' (log group, roles)"
    for schedule in spec.schedules:
        if schedule in spec.services or schedule in spec.workers or schedule in spec.jobs:
            yield (f"schedules.{schedule}",
                   f"a service, worker or job is named '{schedule}' too; schedules need names of their own")


def _kubernetes(settings, spec: AppSpec) -> Iterator[tuple[str, str]]:
    k8s = settings.kubernetes
    namespace = kubernetes_names.namespace_name(k8s.namespace_prefix, spec.name)
    shared = {*kubernetes_names.SYSTEM_NAMESPACES, k8s.ingress_namespace}
    if k8s.observability.enabled:
        shared.add(k8s.observability.namespace)
    if namespace in shared:
        yield "name", (f"runs in namespace '{namespace}', which the cluster or its ingress/monitoring uses; "
                       "rename the app or set kubernetes.namespace_prefix")
    reserved = {f"job-{job}": f"job {job}'s service account" for job in spec.jobs}
    if isinstance(spec.database, PostgresSpec):  # AWS refuses the name too (components/aws/compute/app_compute.py)
        if PLATFORM_DATABASE_JOB in spec.jobs:
            yield f"jobs.{PLATFORM_DATABASE_JOB}", ("names the platform's own job that applies database.bootstrap "
                                                    "before every release; rename the job")
        reserved[f"job-{PLATFORM_DATABASE_JOB}"] = "the db-bootstrap job's service account"
        for name in ("postgres", "postgres-backup", "postgres-rw", "postgres-ro", "postgres-r"):
            reserved[name] = "the in-cluster PostgreSQL"
    if isinstance(spec.cache, RedisSpec):
        reserved["redis"] = "the in-cluster Redis"
    if isinstance(spec.database, SqliteSpec):
        reserved[f"{spec.database.service}-sqlite-backup"] = "the SQLite backup"
    for group in ("services", "workers", "schedules"):
        for workload in getattr(spec, group):
            if workload in reserved:
                yield f"{group}.{workload}", f"'{workload}' names objects of {reserved[workload]} in the app namespace"
            if group == "services" and workload in KUBERNETES_POLICY_SUFFIXES:
                yield f"{group}.{workload}", f"'allow-{workload}' is a network policy every app namespace has"


def _aws(settings, spec: AppSpec) -> Iterator[tuple[str, str]]:
    if spec.name == "sg" or spec.name.startswith(aws_names.SECURITY_GROUP_RESERVED_PREFIX):
        yield "name", "security group names are built from the app name and EC2 rejects names starting with 'sg-'"
    public = bool(spec.public_services)
    if public and spec.tls and spec.domain and not settings.aws.certificate_arn and len(spec.domain) > ACM_FIRST_DOMAIN:
        yield "domain", (f"has {len(spec.domain)} characters; an ACM certificate's first domain name takes at most "
                         f"{ACM_FIRST_DOMAIN} (set a shorter domain, or aws.certificate_arn)")
    if spec.domain and spec.tls:
        hosts = set(_route_hosts(spec))
        for bucket, storage in sorted((spec.storage or {}).items()):
            host = f"{bucket}.{spec.domain}"
            if storage.access != "cdn":
                continue
            # A host beyond ACM's 64 goes behind the app's domain as the certificate's first name.
            if len(host) > ACM_FIRST_DOMAIN and len(spec.domain) > ACM_FIRST_DOMAIN:
                yield f"storage.{bucket}", (f"is served at {host} ({len(host)} characters); its ACM certificate's "
                                            f"first domain name (the app's domain) takes at most {ACM_FIRST_DOMAIN}")
            if len(host) > ACM_ALTERNATIVE_NAME:
                yield f"storage.{bucket}", (f"is served at {host} ({len(host)} characters); an ACM certificate "
                                            f"name takes at most {ACM_ALTERNATIVE_NAME}")
            if host in hosts:
                yield f"storage.{bucket}", f"is served at {host}, which a route of the app uses too; rename one"
    yield from _aws_secrets(spec)


def _route_hosts(spec: AppSpec) -> Iterator[str]:
    for service in spec.public_services.values():
        yield from (route.host for route in service.routes if route.host)


def _aws_secrets(spec: AppSpec) -> Iterator[tuple[str, str]]:
    """Secrets Manager secrets share one namespace per app: declared secrets, secret env values, admin URL.

    Mirrors the names components/aws/app_secrets.py gives them (all declared secrets taken as set).
    """
    from appstack.components.aws.app_secrets import declared_secret_of, env_secrets

    owners: dict[str, list[str]] = {}
    for secret in spec.secrets:
        owners.setdefault(aws_names.secret_slug(secret), []).append(f"secrets.{secret}")
    found = env_secrets(spec, sorted(spec.secrets))
    names_used = [s.name for s in found]
    for secret in found:
        if declared_secret_of(secret.template, spec.secrets) is None:
            qualifier = "" if names_used.count(secret.name) == 1 else f"{secret.workloads[0]}-"
            owners.setdefault(f"{qualifier}env-{aws_names.secret_slug(secret.name)}", []).append(f"env.{secret.name}")
    if isinstance(spec.database, PostgresSpec):  # the db-bootstrap job's two secrets
        owners.setdefault("database-admin-url", []).append("database")
        owners.setdefault("database-app-verifier", []).append("database")
    for name, paths in owners.items():
        for path in paths[1:]:
            yield path, f"its Secrets Manager secret is named like that of {paths[0]} ('<app>-{name}'); rename one"
