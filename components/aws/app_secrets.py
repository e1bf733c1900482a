"""Secrets Manager for one app: a secret per declared app secret (provided or generated), a secret
per distinct secret env value of its workloads (DATABASE_URL, REDIS_URL, POSTGRES_PASSWORD...) and,
for RDS PostgreSQL, the master URL and the application role's password verifier for the `db-bootstrap`
job, all encrypted with the app's key. Tasks receive them through ECS `secrets`, never as plain environment.

An env value that is exactly one declared secret (`JWT_SECRET: ${secrets.JWT_SECRET}`) points at that
secret instead of copying it. Identical (name, template) pairs across workloads share one secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from appstack.components.bindings import env_entries, render

from appstack.naming.aws import secret_slug as _slug  # appstack.naming.checks finds names two secrets share
from appstack.spec import AppSpec, Ref, parse_template
from appstack.spec.workloads import ContainerSpec, SidecarSpec

from .common import child
from .contracts import sidecar_key


@dataclass(frozen=True)
class EnvSecret:
    """One secret env value and the workloads that read it."""

    name: str
    template: str
    workloads: list[str]


def workload_containers(spec: AppSpec) -> dict[str, ContainerSpec]:
    """Every service, worker, job and schedule (each takes the app env its app_env selects, see env_entries)."""
    groups = (spec.services, spec.workers, spec.jobs, spec.schedules)
    return {name: w for group in groups for name, w in group.items()}


def sidecar_containers(spec: AppSpec) -> dict[str, SidecarSpec]:
    """Every sidecar of a service or worker, keyed <workload>.<sidecar> (compute.task_definition.sidecar_key)."""
    return {sidecar_key(workload, name): sidecar for workload, container in spec.workloads().items()
            for name, sidecar in container.sidecars.items()}


def env_secrets(spec: AppSpec, present_secrets: list[str]) -> list[EnvSecret]:
    found: dict[tuple[str, str], list[str]] = {}
    for workload, container in sorted(workload_containers(spec).items()):
        for entry in env_entries(spec, container, present_secrets=present_secrets):
            if entry.secret:
                found.setdefault((entry.name, entry.template), []).append(workload)
    return [EnvSecret(name, template, workloads) for (name, template), workloads in sorted(found.items())]


def declared_secret_of(template: str, declared: Mapping[str, object]) -> str | None:
    """NAME when the template is exactly ${secrets.NAME} of a declared secret."""
    parts = parse_template(template)
    if len(parts) == 1 and isinstance(parts[0], Ref) and parts[0].name.startswith("secrets."):
        name = parts[0].name.removeprefix("secrets.")
        return name if name in declared else None
    return None


@dataclass(frozen=True)
class AppSecretStoreArgs:
    app: str
    spec: AppSpec
    secrets: Mapping[str, pulumi.Output[str]]  # declared secrets that have a value
    binding_values: Mapping[str, pulumi.Output[str]]
    kms_key_arn: pulumi.Input[str]
    recovery_window_days: int  # 0: deleted at once (dev)
    protect: bool
    tags: dict[str, str]
    # RDS PostgreSQL: the master connection URL and the application role's SCRAM verifier (secrets),
    # each stored on its own for the `db-bootstrap` release job, which alone may read them.
    database_admin_url: pulumi.Input[str] | None = None
    database_app_verifier: pulumi.Input[str] | None = None


class AppSecretStore(pulumi.ComponentResource):
    declared_arns: dict[str, pulumi.Output[str]]
    env_secret_arns: dict[tuple[str, str], pulumi.Output[str]]  # (workload, env name) -> ARN
    arns: list[pulumi.Output[str]]
    database_admin_url_arn: pulumi.Output[str] | None
    database_app_verifier_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: AppSecretStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:Secrets", name, None, opts)
        self._name, self._args = name, args
        self.declared_arns = {}
        for secret_name, value in sorted(args.secrets.items()):
            description = args.spec.secrets[secret_name].description or f"{args.app}: {secret_name}"
            self.declared_arns[secret_name] = self._secret(f"{name}-{_slug(secret_name)}", description, value)

        self.env_secret_arns = {}
        found = env_secrets(args.spec, sorted(args.secrets))
        names_used = [s.name for s in found]
        env_arns: list[pulumi.Output[str]] = []
        for secret in found:
            declared = declared_secret_of(secret.template, args.secrets)
            if declared is not None:
                arn = self.declared_arns[declared]
            else:
                # Named after the env var, or the first workload using it when templates differ: stable names.
                qualifier = "" if names_used.count(secret.name) == 1 else f"{secret.workloads[0]}-"
                arn = self._secret(
                    f"{name}-{qualifier}env-{_slug(secret.name)}",
                    f"{args.app}: {secret.name} of {', '.join(secret.workloads)}",
                    render(secret.template, args.binding_values),
                )
                env_arns.append(arn)
            for workload in secret.workloads:
                self.env_secret_arns[(workload, secret.name)] = arn
        # Sidecars take declared secrets only, by reference (spec.checks): no secret of their own.
        for key, sidecar in sidecar_containers(args.spec).items():
            for entry in env_entries(args.spec, sidecar, present_secrets=sorted(args.secrets)):  # type: ignore[arg-type]
                declared = declared_secret_of(entry.template, args.secrets) if entry.secret else None
                if declared is not None:
                    self.env_secret_arns[(key, entry.name)] = self.declared_arns[declared]
        # The db-bootstrap job's own secrets (RDS PostgreSQL only); no workload reads them.
        bootstrap = {
            "admin-url": ("PostgreSQL master connection URL", args.database_admin_url),
            "app-verifier": ("SCRAM verifier of the PostgreSQL application role", args.database_app_verifier),
        }
        arns = {
            key: self._secret(f"{name}-database-{key}", f"{args.app}: {what} (db-bootstrap release job)", value)
            for key, (what, value) in bootstrap.items() if value is not None
        }
        self.database_admin_url_arn = arns.get("admin-url")
        self.database_app_verifier_arn = arns.get("app-verifier")
        env_arns += arns.values()
        self.arns = list(self.declared_arns.values()) + env_arns
        self.register_outputs({"arns": self.arns})

    def _secret(self, resource_name: str, description: str, value: pulumi.Input[str]) -> pulumi.Output[str]:
        args = self._args
        secret = aws.secretsmanager.Secret(
            resource_name, description=description[:2048], kms_key_id=args.kms_key_arn,
            recovery_window_in_days=args.recovery_window_days, tags=args.tags,
            opts=child(self, protect=args.protect),
        )
        # Versions are replaced when the value changes; only the secret itself is protected.
        version = aws.secretsmanager.SecretVersion(
            resource_name, secret_id=secret.id, secret_string=pulumi.Output.secret(value), opts=child(self),
        )
        # Consumers depend on the value being stored, not only on the secret existing.
        return pulumi.Output.all(secret.arn, version.id).apply(lambda v: v[0])
