"""What the AWS layers hand each other: the network to the data layer, both to the compute layer.

Kept in one small module so that the network/data layer and the compute/edge layer can evolve
independently against a fixed, typed interface.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from appstack import naming


def dns_label(text: str) -> str:
    """Lowercase letters, digits and '-' only (stack names may hold '_' or '.'), one DNS label (63 at most)."""
    return naming.dns_label(text)


def namespace_name(app: str, stack: str) -> str:
    """The app's private DNS namespace: services resolve as <service>.<app>.<stack>.internal."""
    return f"{app}.{dns_label(stack)}.internal"


@dataclass(frozen=True)
class NetworkRefs:
    """The stack's VPC (created or adopted)."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]  # load balancers
    private_subnet_ids: list[pulumi.Output[str]]  # tasks (egress through NAT)
    isolated_subnet_ids: list[pulumi.Output[str]]  # data stores (no route to the internet)
    availability_zones: list[str]


@dataclass(frozen=True)
class FileSystemRefs:
    """An EFS access point for one service volume."""

    file_system_id: pulumi.Output[str]
    access_point_id: pulumi.Output[str]
    file_system_arn: pulumi.Output[str]
    access_point_arn: pulumi.Output[str]


@dataclass(frozen=True)
class AppDataRefs:
    """Everything the compute layer needs from one app's data layer."""

    kms_key_arn: pulumi.Output[str]
    # Attached to every ECS task of the app; Postgres, Redis and EFS accept connections only from it.
    workload_security_group_id: pulumi.Output[str]
    # Every binding attribute (e.g. "postgres.host", "storage.media.bucket", "secrets.JWT_SECRET")
    # -> its value; secret attributes are Pulumi secrets.
    binding_values: Mapping[str, pulumi.Output[str]]
    # (workload name, env var name) -> ARN of the Secrets Manager secret holding that variable's
    # whole rendered value, for every env entry whose value is secret (appstack.components.bindings.EnvEntry.secret).
    env_secret_arns: Mapping[tuple[str, str], pulumi.Output[str]]
    # Every Secrets Manager secret ARN of the app (for the execution role's least-privilege policy).
    secret_arns: list[pulumi.Output[str]]
    # bucket name in the spec -> (bucket ARN, bucket name)
    bucket_arns: Mapping[str, pulumi.Output[str]]
    # (service name, volume name) -> EFS access point
    file_systems: Mapping[tuple[str, str], FileSystemRefs]
    # RDS PostgreSQL only (None otherwise, and in layers that predate them), for the platform's
    # `db-bootstrap` release job and nothing else: the secret holding the master user's connection URL
    # (sslmode=require), the secret holding the SCRAM-SHA-256 verifier of the application role's
    # password, and that role's name (what every `postgres.*` binding connects as).
    database_admin_url_secret_arn: pulumi.Output[str] | None = None
    database_app_verifier_secret_arn: pulumi.Output[str] | None = None
    database_app_role: str | None = None


def sidecar_key(workload: str, sidecar: str) -> str:
    """How a sidecar's env secrets are keyed in AppDataRefs.env_secret_arns (with the env name)."""
    return f"{workload}.{sidecar}"


@dataclass(frozen=True)
class SharedEdge:
    """An environment's ALB as an app attaches to it."""

    security_group_id: pulumi.Input[str]
    listener_arn: pulumi.Input[str]  # the HTTPS listener
    arn_suffix: pulumi.Input[str]
    dns_name: pulumi.Input[str]
    zone_id: pulumi.Input[str]
    first_priority: int  # the app's listener rule priority block starts here


@dataclass(frozen=True)
class SharedRefs:
    """What an environment stack shares with an app stack on AWS (besides the network)."""

    cluster_name: str  # known before any resource: derived from the environment's name
    cluster_arn: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str]
    edge: SharedEdge
