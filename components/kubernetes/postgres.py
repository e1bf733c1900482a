"""Postgres: an app's PostgreSQL database, in-cluster (StatefulSet) or operator-managed (CloudNativePG).

In-cluster: the official image (pinned per major version) on a PVC, run as its non-root postgres user
(uid 999) under the restricted profile; the superuser and the app's own role get generated passwords
kept in a Secret; the spec's parameters become `-c` flags and its extensions are created at init;
a headless Service gives the pod a stable name. Operator: a CloudNativePG Cluster (3 instances in
prod) bootstrapped with the same role and extensions, plus a ScheduledBackup.

`database.bootstrap` (schemas, roles, grants) runs with the extensions at initialization (the init
script and postInitApplicationSQL, as the superuser, run once, when the data directory is created), and
again before every release in the db-bootstrap Job (db_bootstrap.py: in-cluster as the superuser,
CloudNativePG as the database owner, whose managed roles keep the declared roles). External databases are
not handled here: their URL is the app's provided secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from appstack.components.generated import from_config, random_hex

from appstack.spec import PostgresSpec
from appstack.spec.data import quote_identifier

from .common import (
    BACKUP_EGRESS,
    CNPG_IMAGES,
    DATA_STORE_UID,
    POSTGRES_IMAGES,
    TYPE_PREFIX,
    WAIT_FOR_ANNOTATION,
    AppContext,
    await_timeout,
    child,
    cnpg_schedule,
    volume_claim,
)
from .network_policy import DataStoreAccess
from .pod import PodArgs, pod_template, secret_env
from .rollout import rollout_budget
from .secrets import secret_object
from .storage import StorageAccess

PASSWORD_BYTES = 24  # 48 hex characters: URL-safe, 192 bits
PORT = 5432
NAME = "postgres"
CREDENTIALS = "postgres-credentials"
CNPG_NAMESPACE = "cnpg-system"
# CloudNativePG's own CA (Secret <cluster>-ca) signs the server certificate; clients verify the server
# against it. Only ca.crt is projected: the Secret also holds the CA's private key.
CA_MOUNT = "/etc/postgres-ca"
CA_VOLUME = {"name": "postgres-ca", "secret": {"secretName": f"{NAME}-ca", "defaultMode": 0o444,
                                                "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
CA_VOLUME_MOUNT = {"name": "postgres-ca", "mountPath": CA_MOUNT, "readOnly": True}
# The provider does not wait for custom resources unless told what "ready" means: without this, the
# migration Jobs and workloads that depend on the Cluster would start before its primary exists.
CNPG_READY = {WAIT_FOR_ANNOTATION: "condition=Ready", **await_timeout(1800)}
PRE_UPGRADE_BACKUP_SECONDS = 3600  # a full base backup of the database before a major upgrade
PGDATA = "/var/lib/postgresql/data/pgdata"
INIT_SCRIPT = """set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \\
  --set=app_user="$APP_DB_USER" --set=app_password="$APP_DB_PASSWORD" --set=db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO :"app_user";
ALTER SCHEMA public OWNER TO :"app_user";
{extensions}
SQL
"""


@dataclass(frozen=True)
class PostgresArgs:
    ctx: AppContext
    spec: PostgresSpec
    mode: str  # in-cluster | operator
    backups: StorageAccess | None = None  # the backups' own object storage access (target s3)


def extension_sql(spec: PostgresSpec) -> list[str]:
    return [f"CREATE EXTENSION IF NOT EXISTS {quote_identifier(ext)};" for ext in spec.extensions]


_DEFAULT_OBJECTS = {"tables": "TABLES", "sequences": "SEQUENCES", "functions": "FUNCTIONS"}


def declaration_sql(spec: PostgresSpec) -> list[str]:
    """The spec's database.bootstrap as statements run once by the superuser at initialization (in-cluster
    init script, CloudNativePG postInitApplicationSQL): names are validated SQL names and still quoted."""
    def literal(name: str) -> str:
        return "'" + name.replace("'", "''") + "'"

    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(r.name)}) THEN "
        f"CREATE ROLE {quote_identifier(r.name)} {'LOGIN' if r.login else 'NOLOGIN'}; END IF; END $$;"
        for r in spec.bootstrap.roles
    ]
    statements += [
        f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(s.name)} AUTHORIZATION "
        f"{quote_identifier(s.owner or spec.username)};" for s in spec.bootstrap.schemas
    ]
    for grant in spec.bootstrap.grants:
        privileges, to = ", ".join(p.upper() for p in grant.privileges), quote_identifier(grant.to)
        schema = quote_identifier(grant.in_schema or "")
        if grant.object == "database":
            statements.append(f"GRANT {privileges} ON DATABASE {quote_identifier(spec.database)} TO {to};")
        elif grant.object == "schema":
            statements.append(f"GRANT {privileges} ON SCHEMA {schema} TO {to};")
        else:
            kind = _DEFAULT_OBJECTS[grant.object]
            statements += [f"GRANT {privileges} ON ALL {kind} IN SCHEMA {schema} TO {to};",
                           f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_identifier(spec.username)} IN SCHEMA {schema} "
                           f"GRANT {privileges} ON {kind} TO {to};"]
    return statements


def parameter_flags(spec: PostgresSpec) -> list[str]:
    flags = []
    for key, value in sorted(spec.parameters.items()):
        text = ("on" if value else "off") if isinstance(value, bool) else str(value)
        flags += ["-c", f"{key}={text}"]
    return flags


def image_for(ctx: AppContext, spec: PostgresSpec, table: dict[str, str]) -> str:
    if ctx.k8s.postgres.image and table is POSTGRES_IMAGES:
        return ctx.k8s.postgres.image
    if spec.major_version not in table:
        raise ValueError(f"no pinned PostgreSQL {spec.major_version} image; set kubernetes.postgres.image")
    return table[spec.major_version]


class Postgres(pulumi.ComponentResource):
    """Outputs: `host`, `port`, `database`, `user` (plain) and `password`, `url` (secrets); `access`
    names the pods the network policies let clients reach; `ready` lists what workloads wait on."""

    def __init__(self, name: str, args: PostgresArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Postgres", name, None, opts)
        ctx, spec = args.ctx, args.spec
        protect = ctx.protect
        self.mode = args.mode
        self.password = random_hex(f"{name}-app-password", PASSWORD_BYTES, child(self, protect=protect),
                                   config=from_config(ctx.settings.generated_secrets))
        self.user = spec.username
        self.database = spec.database
        self.port = str(PORT)
        if args.mode == "operator":
            self.host = f"{NAME}-rw.{ctx.namespace}.svc.cluster.local"
            self._operator(name, args)
        else:
            self.host = f"{NAME}.{ctx.namespace}.svc.cluster.local"
            self._in_cluster(name, args)
        # CloudNativePG serves TLS and clients verify it (host name and CA); the single in-cluster instance
        # listens in plain text inside the namespace.
        self.tls = "true" if args.mode == "operator" else "false"
        # Client pods mount the CA (volume, mount) when the server's certificate can be verified.
        self.client_ca: tuple[dict[str, Any], dict[str, Any]] | None = (
            (CA_VOLUME, CA_VOLUME_MOUNT) if args.mode == "operator" else None)
        self.url = pulumi.Output.secret(pulumi.Output.concat(
            "postgresql://", spec.username, ":", self.password, "@", self.host, ":", self.port, "/", spec.database,
            f"?sslmode=verify-full&sslrootcert={CA_MOUNT}/ca.crt" if args.mode == "operator" else ""))
        self.register_outputs({"host": self.host, "port": self.port, "database": self.database,
                               "user": self.user, "url": self.url, "mode": self.mode})

    def _in_cluster(self, name: str, args: PostgresArgs) -> None:
        ctx, spec = args.ctx, args.spec
        superuser = random_hex(f"{name}-superuser-password", PASSWORD_BYTES, child(self, protect=ctx.protect),
                               config=from_config(ctx.settings.generated_secrets))
        self.credentials = secret_object(
            f"{name}-credentials", ctx, CREDENTIALS,
            {"username": spec.username, "password": self.password, "superuser-password": superuser},
            child(self, protect=ctx.protect),
        )
        self.init_scripts = k8s.core.v1.ConfigMap(
            f"{name}-init",
            metadata=ctx.meta("postgres-init"),
            data={"10-app-role.sh": INIT_SCRIPT.format(
                extensions="\n".join(extension_sql(spec) + declaration_sql(spec)))},
            opts=child(self),
        )
        selector = ctx.selector(NAME)
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=ctx.meta(NAME),
            spec={"clusterIP": "None", "selector": selector, "publishNotReadyAddresses": False,
                  "ports": [{"name": "postgres", "port": PORT, "targetPort": "postgres", "protocol": "TCP"}]},
            opts=child(self),
        )
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=ctx.meta(NAME), automount_service_account_token=False, opts=child(self))
        ready = {"exec": {"command": ["pg_isready", "--host=127.0.0.1", f"--port={PORT}", "--username=postgres"]}}
        requests = ({"cpu": spec.cpu, "memory": spec.memory} if ctx.prod else {"cpu": "100m", "memory": "256Mi"})
        pod_probes = {
            "startupProbe": {**ready, "periodSeconds": 5, "failureThreshold": 120, "timeoutSeconds": 5},
            "readinessProbe": {**ready, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3},
            "livenessProbe": {**ready, "periodSeconds": 20, "timeoutSeconds": 5, "failureThreshold": 6},
        }
        # Recovery after a crash may use the whole startup window: the provider waits that long, not 10 minutes.
        budget = rollout_budget(pod_probes, 1)
        template = pod_template(ctx, PodArgs(
            name=NAME,
            component="database",
            image=image_for(ctx, spec, POSTGRES_IMAGES),
            uid=DATA_STORE_UID,
            gid=DATA_STORE_UID,
            env=[
                {"name": "POSTGRES_USER", "value": "postgres"},
                secret_env("POSTGRES_PASSWORD", CREDENTIALS, "superuser-password"),
                {"name": "POSTGRES_DB", "value": spec.database},
                {"name": "APP_DB_USER", "value": spec.username},
                secret_env("APP_DB_PASSWORD", CREDENTIALS, "password"),
                {"name": "PGDATA", "value": PGDATA},
                {"name": "POSTGRES_INITDB_ARGS", "value": "--auth-host=scram-sha-256 --data-checksums"},
            ],
            service_account=NAME,
            args=parameter_flags(spec),
            ports=[{"name": "postgres", "containerPort": PORT, "protocol": "TCP"}],
            probes=pod_probes,
            resources={"requests": requests, "limits": {"memory": spec.memory}},
            writable_paths=["/tmp", "/var/run/postgresql"],
            volumes=[{"name": "init", "configMap": {"name": "postgres-init"}},
                     {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}],
            mounts=[{"name": "data", "mountPath": "/var/lib/postgresql/data"},
                    {"name": "init", "mountPath": "/docker-entrypoint-initdb.d", "readOnly": True},
                    {"name": "shm", "mountPath": "/dev/shm"}],
            egress=False,
            grace_seconds=60,
        ))
        self.stateful_set = k8s.apps.v1.StatefulSet(
            name,
            metadata=ctx.meta(NAME, annotations=budget.annotations()),
            spec={
                "replicas": 1,
                "serviceName": NAME,
                "selector": {"matchLabels": selector},
                "template": template,
                "updateStrategy": {"type": "RollingUpdate"},
                "volumeClaimTemplates": [volume_claim("data", spec.storage_gb, ctx)],
                "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            },
            opts=child(self, protect=ctx.protect, ignore_changes=["spec.volumeClaimTemplates"],
                       custom_timeouts=budget.custom_timeouts(),
                       depends_on=[self.credentials, self.init_scripts, self.service, self.service_account]),
        )
        self.access = DataStoreAccess(NAME, selector, PORT)
        self.ready: list[pulumi.Resource] = [self.stateful_set]

    def _operator(self, name: str, args: PostgresArgs) -> None:
        ctx, spec = args.ctx, args.spec
        self.credentials = secret_object(
            f"{name}-credentials", ctx, CREDENTIALS, {"username": spec.username, "password": self.password},
            child(self, protect=ctx.protect), secret_type="kubernetes.io/basic-auth",
            labels={"cnpg.io/reload": "true"},
        )
        preload = [lib.strip() for lib in str(spec.parameters.get("shared_preload_libraries", "")).split(",")
                   if lib.strip()]
        parameters = {k: (("on" if v else "off") if isinstance(v, bool) else str(v))
                      for k, v in sorted(spec.parameters.items()) if k != "shared_preload_libraries"}
        instances = ctx.k8s.postgres.instances or (3 if ctx.prod else 1)
        post_init = extension_sql(spec) + declaration_sql(spec)
        s3 = ctx.k8s.backups.enabled and ctx.k8s.backups.target == "s3"
        cluster_spec: dict[str, Any] = {
            "instances": instances,
            "imageName": image_for(ctx, spec, CNPG_IMAGES),
            "primaryUpdateStrategy": "unsupervised",
            "enableSuperuserAccess": False,
            "storage": {"size": f"{spec.storage_gb}Gi", **({"storageClass": ctx.k8s.storage_class}
                                                           if ctx.k8s.storage_class else {})},
            "resources": {"requests": {"cpu": spec.cpu, "memory": spec.memory}, "limits": {"memory": spec.memory}},
            "postgresql": {"parameters": parameters, **({"shared_preload_libraries": preload} if preload else {})},
            "bootstrap": {"initdb": {
                "database": spec.database,
                "owner": spec.username,
                "secret": {"name": CREDENTIALS},
                **({"postInitApplicationSQL": post_init} if post_init else {}),
            }},
            # Declared roles are reconciled by the operator on a running cluster too (managed roles).
            **({"managed": {"roles": [{"name": r.name, "ensure": "present", "login": r.login, "inherit": True}
                                      for r in spec.bootstrap.roles]}} if spec.bootstrap.roles else {}),
            "affinity": {"enablePodAntiAffinity": True, "topologyKey": "kubernetes.io/hostname",
                         "podAntiAffinityType": "required" if ctx.defaults.high_availability else "preferred"},
            # No internet egress: with s3 backups, only the object store (allow-backup-egress).
            "inheritedMetadata": {"labels": {**ctx.labels, **({BACKUP_EGRESS: "true"} if s3 else {}),
                                             **(args.backups.pod_labels if s3 and args.backups else {})}},
        }
        retention = (spec.backup.retention_days if spec.backup else ctx.defaults.backup_retention_days)
        if s3:
            from .backups import bucket_for_backups

            access = args.backups or StorageAccess()
            if access.annotations:  # IRSA/GKE: CloudNativePG's instance ServiceAccount names the backup identity
                cluster_spec["serviceAccountTemplate"] = {"metadata": {"annotations": dict(access.annotations)}}
            cluster_spec["backup"] = {
                "retentionPolicy": f"{retention}d",
                "barmanObjectStore": {
                    "destinationPath": f"s3://{bucket_for_backups(ctx)}/{ctx.app}/cnpg/",
                    "endpointURL": ctx.k8s.object_storage.endpoint,
                    # The backups' own static keys when configured, else the instance pods' cloud identity.
                    "s3Credentials": {
                        "accessKeyId": {"name": access.secret_name, "key": "AWS_ACCESS_KEY_ID"},
                        "secretAccessKey": {"name": access.secret_name, "key": "AWS_SECRET_ACCESS_KEY"},
                    } if access.secret_name else {"inheritFromIAMRole": True},
                    "wal": {"compression": "gzip"},
                    "data": {"compression": "gzip"},
                },
            }
        else:
            cluster_spec["backup"] = {"volumeSnapshot": {"online": True}}
        # A stated major upgrade (upgrade_from): back the running cluster up, then change its image; the
        # operator then runs its offline in-place upgrade (pg_upgrade) on the new major's image.
        before_upgrade = [self._pre_upgrade_backup(name, ctx, spec, s3)] if spec.upgrade_from else []
        self.cluster = k8s.apiextensions.CustomResource(
            f"{name}-cluster",
            api_version="postgresql.cnpg.io/v1",
            kind="Cluster",
            metadata=ctx.meta(NAME, annotations=CNPG_READY),
            spec=cluster_spec,
            opts=child(self, protect=ctx.protect, depends_on=[self.credentials, *before_upgrade],
                       ignore_changes=["spec.storage.size"]),
        )
        self.ready = [self.cluster]
        if ctx.k8s.backups.enabled:
            schedule = ctx.k8s.backups.schedule or (spec.backup.schedule if spec.backup else "0 3 * * *")
            self.scheduled_backup = k8s.apiextensions.CustomResource(
                f"{name}-scheduled-backup",
                api_version="postgresql.cnpg.io/v1",
                kind="ScheduledBackup",
                metadata=ctx.meta(f"{NAME}-scheduled"),
                spec={"schedule": cnpg_schedule(schedule), "cluster": {"name": NAME}, "backupOwnerReference": "self",
                      "method": "barmanObjectStore" if s3 else "volumeSnapshot", "immediate": True},
                opts=child(self, depends_on=[self.cluster]),
            )
        self.access = DataStoreAccess(NAME, {"cnpg.io/cluster": NAME}, PORT, peers_port=[PORT, 8000],
                                      operator_namespace=CNPG_NAMESPACE, api_egress=True)

    def _pre_upgrade_backup(self, name: str, ctx: AppContext, spec: PostgresSpec, s3: bool) -> pulumi.Resource:
        """An on-demand Backup of the running (old major) cluster; `pulumi up` waits for it to complete.

        Kept when `upgrade_from` is removed later (retain_on_delete): it is the way back.
        """
        return k8s.apiextensions.CustomResource(
            f"{name}-pre-upgrade-{spec.major_version}",
            api_version="postgresql.cnpg.io/v1",
            kind="Backup",
            metadata=ctx.meta(f"{NAME}-pre-{spec.upgrade_from}-to-{spec.major_version}",
                              annotations={WAIT_FOR_ANNOTATION: "jsonpath={.status.phase}=completed",
                                           **await_timeout(PRE_UPGRADE_BACKUP_SECONDS)}),
            spec={"cluster": {"name": NAME}, "method": "barmanObjectStore" if s3 else "volumeSnapshot"},
            opts=child(self, retain_on_delete=True),
        )
