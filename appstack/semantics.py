"""Checks that need the stack's platform: what the spec allows in general but this platform cannot run.

They run in load_stack with every other check, so a version the platform has no image or engine for,
a path the load balancer or ingress controller refuses, a task larger than Fargate offers or a setting
only a dev stack may use fails before any resource is registered, with the path the user wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING

from .errors import ConfigError, Problem, join_path
from .spec import AppSpec, PostgresSpec, ServiceSpec

if TYPE_CHECKING:
    from .stackconfig import StackSettings

# RDS for PostgreSQL engine majors (parameter group families postgres13 ... postgres17).
RDS_POSTGRES_MAJORS = ("13", "14", "15", "16", "17")
# ALB path patterns (ELB guide, path conditions): letters, digits and _ - . $ / ~ " ' @ : + (& only as
# &amp;; * and ? are wildcards), at most 128 characters; a route becomes `path` and `path/*`.
ALB_PATH = re.compile(r"^/[A-Za-z0-9_\-.$/~'@:+]*$")
ALB_PATTERN_MAX = 128
# ingress-nginx validates Prefix paths strictly (strict-validate-path-type): letters, digits and / _ - . ~
INGRESS_PATH = re.compile(r"^/[A-Za-z0-9/_\-.~]*$")


def check_stack_semantics(
    settings: StackSettings, apps: dict[str, AppSpec], read: Callable[[str], str | None]
) -> list[Problem]:
    problems: list[Problem] = []
    if settings.platform == "aws":
        problems += _aws_settings(settings, read)
    for name, spec in apps.items():
        found = _aws_app(spec, settings) if settings.platform == "aws" else _kubernetes_app(spec, settings)
        problems += [p if p.path.startswith(("apps.", "aws.", "kubernetes.")) else
                     Problem(join_path("apps", name, p.path), p.message) for p in found]
    return problems


def _aws_settings(settings: StackSettings, read: Callable[[str], str | None]) -> list[Problem]:
    aws = settings.aws
    problems = []
    provider_region = read("aws:region")
    if provider_region is not None and provider_region != aws.region:
        problems.append(Problem("aws.region", f"'{aws.region}' differs from aws:region '{provider_region}' in "
                                "the same stack: the provider would create everything in the other region"))
    zones = aws.existing_vpc.availability_zones if aws.existing_vpc else aws.zone_names or []
    field = "aws.existing_vpc.availability_zones" if aws.existing_vpc else "aws.zone_names"
    if len(set(zones)) != len(zones):
        problems.append(Problem(field, f"lists a zone twice ({', '.join(zones)}); each subnet needs its own zone"))
    outside = [z for z in zones if not re.fullmatch(re.escape(aws.region) + r"[a-z]", z)]
    if outside:
        problems.append(Problem(field, f"{', '.join(outside)} not in region {aws.region} (zones are <region><letter>)"))
    if aws.existing_vpc:
        vpc = aws.existing_vpc
        ids = vpc.public_subnet_ids + vpc.private_subnet_ids + vpc.isolated_subnet_ids
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            problems.append(Problem("aws.existing_vpc", f"subnets used twice: {', '.join(repeated)}; public, "
                                    "private and isolated subnets are distinct"))
    return problems


def _postgres_major(spec: AppSpec, majors: tuple[str, ...] | list[str], where: str) -> list[Problem]:
    db = spec.database
    if isinstance(db, PostgresSpec) and db.major_version not in majors:
        return [Problem("database.version", f"PostgreSQL {db.major_version} is not available {where}; "
                        f"choose one of {', '.join(sorted(majors))}")]
    return []


def _routes(spec: AppSpec, pattern: re.Pattern[str], limit: int, where: str) -> list[Problem]:
    problems = []
    for name, service in spec.services.items():
        for index, route in enumerate(service.routes):
            path = join_path("services", name, "routes", index, "path")
            if not pattern.match(route.path):
                problems.append(Problem(path, f"'{route.path}' has characters {where} does not accept in a path"))
            elif len(route.path) + 2 > limit:
                problems.append(Problem(path, f"longer than {limit - 2} characters, the most {where} matches"))
    return problems


def _aws_app(spec: AppSpec, settings: StackSettings) -> list[Problem]:
    from .components.aws.compute.app_compute import settings_problems
    from .components.aws.compute.prometheus import COLLECTOR_MEMORY_MIB
    from .components.aws.compute.task_definition import sidecar_size, task_size

    problems = _postgres_major(spec, RDS_POSTGRES_MAJORS, "on RDS")
    problems += _rds_storage(spec)
    problems += _routes(spec, ALB_PATH, ALB_PATTERN_MAX, "the ALB")
    problems += settings_problems(spec, settings)
    for group in ("services", "workers", "jobs"):
        for name, container in getattr(spec, group).items():
            collector = (isinstance(container, ServiceSpec) and container.metrics is not None
                         and settings.aws.managed_prometheus)
            sidecars = [SimpleNamespace(cpu=0, memory=COLLECTOR_MEMORY_MIB)] if collector else []
            sidecars += [sidecar_size(s) for s in getattr(container, "sidecars", {}).values()]
            try:
                task_size(container, sidecars, path=join_path("apps", spec.name, group, name, "resources"))
            except ConfigError as error:
                problems += error.problems
    return problems


def _rds_storage(spec: AppSpec) -> list[Problem]:
    return postgres_storage_problems(spec.database) if isinstance(spec.database, PostgresSpec) else []


def postgres_storage_problems(db: PostgresSpec, where: str = "database") -> list[Problem]:
    """RDS storage type, size, IOPS and throughput (appstack/provider_checks/rds_storage.py), at `where`."""
    from .provider_checks.rds_storage import storage_problems

    found = storage_problems(db.storage_type, db.storage_gb, db.iops, db.storage_throughput)
    return [Problem(join_path(where, p.field), f"{p.message} [{p.source}]") for p in found]


def aws_only_warnings(settings: StackSettings, apps: dict[str, AppSpec]) -> list[str]:
    """Fields that mean nothing on Kubernetes: a blueprint runs on both platforms, so they warn, never fail."""
    warnings = []
    if settings.platform == "aws":
        if settings.aws.spot_workers:
            warnings.append("appstack:aws.spot_workers is deprecated: give the workers capacity_providers: "
                            "[{provider: FARGATE_SPOT}] (the same strategy)")
        return warnings
    for name, spec in sorted(apps.items()):
        for group in ("services", "workers", "jobs", "schedules"):
            for workload, container in sorted(getattr(spec, group).items()):
                path = join_path("apps", name, group, workload)
                if container.iam_statements:
                    warnings.append(f"{path}.iam_statements: AWS only, not applied on Kubernetes (appstack creates "
                                    "no IAM role for pods; grant them to your IRSA or Pod Identity role)")
                if getattr(container, "capacity_providers", None) is not None:
                    warnings.append(f"{path}.capacity_providers: AWS only, ignored on Kubernetes (use node "
                                    "selectors and tolerations for spot nodes)")
        db = spec.database
        if isinstance(db, PostgresSpec) and (db.storage_type != "gp3" or db.iops or db.storage_throughput):
            warnings.append(f"apps.{name}.database: storage_type, iops and storage_throughput are AWS only, "
                            "ignored on Kubernetes (appstack:kubernetes.storage_class decides the volume)")
    return warnings


def _kubernetes_app(spec: AppSpec, settings: StackSettings) -> list[Problem]:
    from .components.kubernetes.common import CNPG_IMAGES, POSTGRES_IMAGES

    problems = _routes(spec, INGRESS_PATH, 1024, "the ingress controller")
    postgres = settings.kubernetes.postgres
    if postgres.mode_for(spec.name) == "operator":
        problems += _postgres_major(spec, list(CNPG_IMAGES), "with CloudNativePG here (no pinned image)")
    elif not postgres.image:
        problems += _postgres_major(spec, list(POSTGRES_IMAGES), "in-cluster (no pinned image; or set "
                                    "appstack:kubernetes.postgres.image)")
    return problems


def kubernetes_only_warnings(settings: StackSettings, apps: dict[str, AppSpec]) -> list[str]:
    """What a stack's platform ignores: on AWS, every `kubernetes:` block (a blueprint shared by a
    Kubernetes dev stack and an AWS prod stack keeps them; the plan says they do nothing here)."""
    if settings.platform != "aws":
        return []
    found = []
    for name, spec in sorted(apps.items()):
        if spec.kubernetes.is_set:
            found.append(join_path("apps", name, "kubernetes"))
        for group in ("services", "workers", "jobs", "schedules"):
            for workload, container in sorted(getattr(spec, group).items()):
                if container.kubernetes.is_set:
                    found.append(join_path("apps", name, group, workload, "kubernetes"))
    return [f"{path}: Kubernetes-only (labels, annotations, node selector, tolerations, affinity); "
            "the aws platform ignores it" for path in found]
