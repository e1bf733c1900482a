"""The platform-neutral app spec (pydantic v2) and its checks."""

from .app import AppSpec, BuildSpec, ImageSpec
from .base import cpu_millicores, memory_mib
from .bindings import Attribute, Ref, available_attributes, is_secret_template, parse_template, references
from .checks import check_app
from .data import (
    AlertSpec,
    BackupSpec,
    BucketSpec,
    CorsRule,
    ExternalCacheSpec,
    ExternalDatabaseSpec,
    PostgresSpec,
    RedisSpec,
    SecretSpec,
    SqliteSpec,
)
from .edge import CacheRule, EdgeSpec, RedirectRule, RewriteRule, SecurityHeaders
from .workloads import (
    AutoscaleSpec,
    HealthSpec,
    JobSpec,
    MetricsSpec,
    ProbeSpec,
    ResourcesSpec,
    RouteSpec,
    ScheduleSpec,
    ServiceSpec,
    VolumeSpec,
    WorkerSpec,
)

__all__ = [
    "AlertSpec",
    "AppSpec",
    "Attribute",
    "AutoscaleSpec",
    "BackupSpec",
    "BucketSpec",
    "BuildSpec",
    "CacheRule",
    "CorsRule",
    "EdgeSpec",
    "ExternalCacheSpec",
    "ExternalDatabaseSpec",
    "HealthSpec",
    "ImageSpec",
    "JobSpec",
    "MetricsSpec",
    "PostgresSpec",
    "ProbeSpec",
    "RedirectRule",
    "RedisSpec",
    "Ref",
    "ResourcesSpec",
    "RewriteRule",
    "RouteSpec",
    "ScheduleSpec",
    "SecretSpec",
    "SecurityHeaders",
    "ServiceSpec",
    "SqliteSpec",
    "VolumeSpec",
    "WorkerSpec",
    "available_attributes",
    "check_app",
    "cpu_millicores",
    "is_secret_template",
    "memory_mib",
    "parse_template",
    "references",
]
