"""KubernetesApp: one app spec on a cluster, orchestrating the role components in dependency order.

namespace -> object storage, data stores -> binding values -> the platform's db-bootstrap Job (PostgreSQL)
-> before_rollout jobs -> workloads,
Services, autoscaling, scheduled jobs, Ingress -> after_rollout jobs; network policies, backups and
observability alongside. Every child is parented to the app, and names derive from the app's name only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pulumi
from appstack.components.bindings import app_values, secret_values
from appstack.components.platform import AppDeployment, AppDeploymentArgs

from appstack.spec import ExternalCacheSpec, ExternalDatabaseSpec, PostgresSpec, RedisSpec, SqliteSpec

from .autoscaling import Autoscaling, AutoscalingArgs
from .backups import Backup, BackupArgs
from .common import (
    DATA_STORE_UID,
    POSTGRES_IMAGES,
    TYPE_PREFIX,
    AppContext,
    common_labels,
    store_client,
    store_client_labels,
)
from .db_bootstrap import JOB as BOOTSTRAP_JOB
from .db_bootstrap import DatabaseBootstrapArgs, DatabaseBootstrapJob
from .jobs import ReleaseJob, ReleaseJobArgs
from .namespace import AppNamespace, AppNamespaceArgs, namespace_name
from .network_policy import NetworkPolicies, NetworkPoliciesArgs
from .observability import Observability, ObservabilityArgs
from .pod import secret_env
from .postgres import CREDENTIALS, Postgres, PostgresArgs, image_for
from .redis import Redis, RedisArgs
from .schedules import ScheduledJob, ScheduledJobArgs
from .service_exposure import AppIngress, AppIngressArgs, ServiceExposure, ServiceExposureArgs
from .sqlite import database_url, sqlite_backup_args
from .storage import ObjectStorage, ObjectStorageArgs, StorageAccess, binds_storage
from .workload import Workload, WorkloadArgs

DEFAULT_BACKUP_SCHEDULE = "0 3 * * *"


@dataclass(frozen=True)
class KubernetesAppArgs:
    deployment: AppDeploymentArgs
    monitoring: pulumi.Resource | None = None  # the kube-prometheus-stack release, when the stack installs it
    monitoring_namespace: pulumi.Input[str] | None = None  # an app stack's: its environment's Prometheus


class KubernetesApp(AppDeployment):
    """Outputs: `url` (public base URL or None), `namespace`, `workloads` (name -> kind)."""

    def __init__(self, name: str, args: KubernetesAppArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:App", name, None, opts)
        deployment = args.deployment
        spec, settings = deployment.spec, deployment.settings
        k8s_settings = settings.kubernetes
        labels = common_labels(spec.name, deployment.stack)
        ns_name = namespace_name(k8s_settings.namespace_prefix, spec.name)
        self.namespace = AppNamespace(
            name, AppNamespaceArgs(ns_name, labels, settings.defaults.protect_stateful),
            pulumi.ResourceOptions(parent=self))
        ctx = AppContext(app=spec.name, namespace=ns_name, stack=deployment.stack, settings=settings, spec=spec,
                         labels=labels, namespace_ref=self.namespace.name, rollout_key=deployment.rollout_key)
        opts_child = pulumi.ResourceOptions(parent=self)
        secrets = dict(deployment.secrets)

        # Object storage and data stores, and the binding values they provide.
        s3_backups = k8s_settings.backups.enabled and k8s_settings.backups.target == "s3"
        self.storage = ObjectStorage(name, ObjectStorageArgs(ctx, s3_backups), opts_child)
        values: dict[str, pulumi.Input[str]] = {**app_values(spec), **secret_values(secrets), **self.storage.values}
        data_ready: list[pulumi.Resource] = []
        access = []
        self.postgres = self.redis = None
        db = spec.database
        if isinstance(db, PostgresSpec):
            self.postgres = Postgres(f"{name}-postgres", PostgresArgs(
                ctx, db, k8s_settings.postgres.mode_for(spec.name), self.storage.backups),
                opts_child)
            pg = self.postgres
            values.update({"postgres.url": pg.url, "database.url": pg.url, "postgres.host": pg.host,
                           "postgres.port": pg.port, "postgres.database": pg.database, "postgres.user": pg.user,
                           "postgres.password": pg.password, "postgres.tls": pg.tls})
            data_ready += pg.ready
            access.append(pg.access)
        elif isinstance(db, ExternalDatabaseSpec) and db.url_secret in secrets:
            values.update({"postgres.url": secrets[db.url_secret], "database.url": secrets[db.url_secret]})
        elif isinstance(db, SqliteSpec):
            values["database.url"] = database_url(db)
        if isinstance(spec.cache, RedisSpec):
            self.redis = Redis(f"{name}-redis", RedisArgs(ctx, spec.cache), opts_child)
            values.update({"redis.url": self.redis.url, "redis.host": self.redis.host, "redis.port": self.redis.port,
                           "redis.password": self.redis.password, "redis.tls": self.redis.tls,
                           "redis.scheme": self.redis.scheme, "redis.ca_file": self.redis.ca_file})
            data_ready += self.redis.ready
            access.append(self.redis.access)
        elif isinstance(spec.cache, ExternalCacheSpec) and spec.cache.url_secret in secrets:
            values["redis.url"] = secrets[spec.cache.url_secret]
        for service_name, service in spec.services.items():
            host = f"{service_name}.{ns_name}.svc.cluster.local"
            values.update({f"services.{service_name}.host": host, f"services.{service_name}.port": str(service.port),
                           f"services.{service_name}.address": f"{host}:{service.port}",
                           f"services.{service_name}.url": f"http://{host}:{service.port}"})

        def storage_for(container) -> StorageAccess | None:
            """Object storage access only for a workload whose env binds a bucket."""
            return self.storage.app if binds_storage(spec, container) else None

        def ca_for(container) -> list:
            """The CA of each data store the workload binds whose server certificate can be verified."""
            labels = store_client_labels(spec, container)
            return [store.client_ca for kind, store in (("postgres", self.postgres), ("redis", self.redis))
                    if store is not None and store.client_ca and store_client(kind) in labels]

        def job(job_name: str, depends_on: list[pulumi.Resource]) -> ReleaseJob:
            job_spec = spec.jobs[job_name]
            return ReleaseJob(f"{name}-{job_name}", ReleaseJobArgs(
                ctx, job_name, job_spec, values, secrets.keys(), storage_for(job_spec), ca_for(job_spec), depends_on),
                opts_child)

        # The platform's db-bootstrap Job first: the app's own migrations find its schemas, grants and scripts.
        self.db_bootstrap = None
        platform_jobs: list[pulumi.Resource] = []
        if self.postgres is not None and isinstance(db, PostgresSpec):
            self.db_bootstrap = DatabaseBootstrapJob(f"{name}-{BOOTSTRAP_JOB}", DatabaseBootstrapArgs(
                ctx, db, self.postgres, data_ready), opts_child)
            platform_jobs.append(self.db_bootstrap.job)
        self.jobs = {j: job(j, [*data_ready, *platform_jobs]) for j, s in sorted(spec.jobs.items())
                     if s.phase == "before_rollout"}
        before = [*platform_jobs, *(j.job for j in self.jobs.values())]

        self.workloads: dict[str, Workload] = {}
        self.exposures: dict[str, ServiceExposure] = {}
        self.autoscaling: dict[str, Autoscaling] = {}
        for workload_name, workload in sorted(spec.workloads().items()):
            component = f"{name}-{workload_name}"
            created = Workload(component, WorkloadArgs(
                ctx, workload_name, workload, values, secrets.keys(), storage_for(workload), ca_for(workload),
                [*data_ready, *before]),
                opts_child)
            self.workloads[workload_name] = created
            if workload_name in spec.services:
                self.exposures[workload_name] = ServiceExposure(
                    component, ServiceExposureArgs(ctx, workload_name, spec.services[workload_name]), opts_child)
            self.autoscaling[workload_name] = Autoscaling(component, AutoscalingArgs(
                ctx, workload_name, created.kind, workload, created.controller), opts_child)
        controllers = [w.controller for w in self.workloads.values()]
        # Scheduled runs start once the data stores and this release's before_rollout jobs are done.
        self.schedules = {
            schedule: ScheduledJob(f"{name}-schedule-{schedule}", ScheduledJobArgs(
                ctx, schedule, scheduled, values, secrets.keys(), storage_for(scheduled), ca_for(scheduled),
                [*data_ready, *before]),
                opts_child)
            for schedule, scheduled in sorted(spec.schedules.items())
        }
        self.jobs.update({j: job(j, controllers) for j, s in sorted(spec.jobs.items()) if s.phase == "after_rollout"})

        self.ingress = None
        if spec.public_services:
            self.ingress = AppIngress(name, AppIngressArgs(ctx, spec.public_services), opts_child)

        obs = k8s_settings.observability
        self.network = NetworkPolicies(name, NetworkPoliciesArgs(
            ctx, dict(spec.services), access, (args.monitoring_namespace or obs.namespace) if obs.enabled else None,
            acme_http01=bool(self.ingress and self.ingress.certificate), outbound=spec.outbound_rules(),
            storage_identity=bool(self.storage.app or self.storage.backups),
            backups_to_object_storage=s3_backups and (self.postgres is not None or isinstance(db, SqliteSpec))),
            opts_child)

        self.backups: dict[str, Backup] = {}
        if k8s_settings.backups.enabled:
            if self.postgres is not None and self.postgres.mode == "in-cluster" and isinstance(db, PostgresSpec):
                self.backups["postgres"] = Backup(f"{name}-postgres", BackupArgs(
                    ctx=ctx,
                    name="postgres-backup",
                    schedule=k8s_settings.backups.schedule or (db.backup.schedule if db.backup
                                                               else DEFAULT_BACKUP_SCHEDULE),
                    retention_days=db.backup.retention_days if db.backup else settings.defaults.backup_retention_days,
                    image=image_for(ctx, db, POSTGRES_IMAGES),
                    uid=DATA_STORE_UID,
                    dump_command='pg_dump --format=custom --no-owner --file="$BACKUP_FILE.partial" '
                                 '&& mv "$BACKUP_FILE.partial" "$BACKUP_FILE"',
                    extension=".dump",
                    env=[{"name": "PGHOST", "value": self.postgres.host}, {"name": "PGPORT", "value": "5432"},
                         {"name": "PGDATABASE", "value": db.database}, {"name": "PGUSER", "value": db.username},
                         secret_env("PGPASSWORD", CREDENTIALS, "password")],
                    storage=self.storage.backups,
                    labels={store_client("postgres"): "true"},
                    depends_on=self.postgres.ready,
                ), opts_child)
            if isinstance(db, SqliteSpec):
                backup = sqlite_backup_args(ctx, db, spec.services[db.service], self.storage.backups)
                self.backups["sqlite"] = Backup(f"{name}-sqlite", replace(
                    backup, depends_on=[self.workloads[db.service].controller]), opts_child)

        self.observability = None
        if obs.enabled:
            self.observability = Observability(name, ObservabilityArgs(
                ctx, dict(spec.services), sorted(spec.workloads()),
                [args.monitoring] if args.monitoring else []), opts_child)

        self.url = self.ingress.url if self.ingress else None
        self.namespace_name = ns_name
        self.register_outputs({"url": self.url, "namespace": ns_name,
                               "workloads": {n: w.kind for n, w in self.workloads.items()}})
