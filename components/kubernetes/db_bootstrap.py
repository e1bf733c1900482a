"""The `db-bootstrap` release Job: `database.bootstrap` and the extensions, re-applied before every release.

For an app whose database is in-cluster or CloudNativePG PostgreSQL, the platform adds this Job. It
runs the same psql sessions as AWS's db-bootstrap task (components/postgres_bootstrap.py: the
declarations in one transaction, idempotent; then the versioned scripts, once each, as the application
role, recorded with their SHA-256), so schemas, grants, extensions and scripts declared after the
database was initialized reach it before the release that declares them. It is the first
`before_rollout` Job: the spec's own before_rollout jobs (the app's migrations), the workloads and the
scheduled runs wait for it, and it waits for the database.

Least privilege, per mode:
- in-cluster: as the `postgres` superuser, whose password (key `superuser-password` of Secret
  `postgres-credentials`, that key only) only the database's own pod and this Job receive. Roles,
  untrusted extensions and schemas owned by another role need it.
- operator (CloudNativePG): as the database owner (the application role, key `password` of the same
  Secret), never the superuser: the Cluster keeps `enableSuperuserAccess: false`. Declared roles stay
  the operator's managed roles; extensions and schemas owned by another role are created at
  initialization by `postInitApplicationSQL` (as the superuser), and the owner re-applies the rest:
  its own schemas, trusted extensions (pgcrypto, uuid-ossp, ...), the grants and the scripts.
  Connects over TLS, verifying the server (verify-full) against CloudNativePG's CA (`ca.crt` only).

The pod is the restricted-profile sandbox of every Job: the pinned official `postgres` image's psql as
its non-root postgres user (uid 999), read-only root filesystem, no service account token, no
external egress: its labels (component `db-bootstrap`, `appstack.dev/postgres-client`) let the
namespace's NetworkPolicies admit it to PostgreSQL's port and nowhere else (besides DNS). The Job's
name carries a hash of the app's image references, the psql image and the script, so every release
(a new image tag) and every change of the declarations or scripts runs it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
from appstack.components.postgres_bootstrap import (
    bootstrap_sessions,
    declaration_variables,
    declarations_sql,
    extension_variables,
    extensions_sql,
)

from appstack.spec import JobSpec, PostgresSpec

from .common import (
    DATA_STORE_UID,
    POSTGRES_IMAGES,
    TYPE_PREFIX,
    AppContext,
    child,
    image_reference,
    short_hash,
    store_client,
)
from .jobs import RunToCompletion, run_to_completion
from .pod import PodArgs, pod_template, secret_env
from .postgres import CA_MOUNT, CA_VOLUME, CA_VOLUME_MOUNT, CREDENTIALS, Postgres, image_for

JOB = "db-bootstrap"
COMPONENT = "db-bootstrap"  # not an app component: no app egress, no declared egress
ACCOUNT = f"job-{JOB}"
TIMEOUT_SECONDS = 600
SCRIPTS_ANNOTATION = "appstack.dev/bootstrap-scripts"  # name -> SHA-256 of each declared script
REPORT_SQL = "SELECT extname, extversion FROM pg_extension ORDER BY extname;\n"


def bootstrap_script(spec: PostgresSpec, mode: str) -> str:
    """The container's shell command. in-cluster (superuser): roles, schemas, extensions, grants;
    operator (the owner): the same without roles, which CloudNativePG's managed roles keep."""
    roles = mode != "operator"
    first, grants = declarations_sql(spec.bootstrap, roles=roles)
    variables = [*extension_variables(spec.extensions),
                 *declaration_variables(spec.bootstrap, spec.username, spec.username, roles=roles)]
    return bootstrap_sessions("", spec.username, first + extensions_sql(spec.extensions) + grants + REPORT_SQL,
                              variables, spec.bootstrap.scripts)


def connection_env(postgres: Postgres, spec: PostgresSpec) -> list[dict]:
    """libpq settings; the one password the mode needs comes from Secret postgres-credentials."""
    env = [
        {"name": "PGHOST", "value": postgres.host},
        {"name": "PGPORT", "value": postgres.port},
        {"name": "PGDATABASE", "value": spec.database},
        {"name": "PGAPPNAME", "value": f"appstack-{JOB}"},
        {"name": "PGCONNECT_TIMEOUT", "value": "30"},
    ]
    if postgres.mode == "operator":
        return [*env, {"name": "PGUSER", "value": spec.username}, secret_env("PGPASSWORD", CREDENTIALS, "password"),
                {"name": "PGSSLMODE", "value": "verify-full"},
                {"name": "PGSSLROOTCERT", "value": f"{CA_MOUNT}/ca.crt"}]
    return [*env, {"name": "PGUSER", "value": "postgres"},
            secret_env("PGPASSWORD", CREDENTIALS, "superuser-password")]


@dataclass(frozen=True)
class DatabaseBootstrapArgs:
    ctx: AppContext
    spec: PostgresSpec
    postgres: Postgres
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class DatabaseBootstrapJob(pulumi.ComponentResource):
    """Outputs: `job_name` (the object name of this release's Job) and `phase` (before_rollout)."""

    def __init__(self, name: str, args: DatabaseBootstrapArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:DatabaseBootstrapJob", name, None, opts)
        ctx, spec, postgres = args.ctx, args.spec, args.postgres
        image = image_for(ctx, spec, POSTGRES_IMAGES)
        script = bootstrap_script(spec, postgres.mode)
        job = JobSpec(image=JOB, command=["/bin/sh", "-c"], args=[script], phase="before_rollout", backoff_limit=0,
                      timeout_seconds=TIMEOUT_SECONDS, run_as_user=DATA_STORE_UID)
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=ctx.meta(ACCOUNT), automount_service_account_token=False, opts=child(self))
        operator = postgres.mode == "operator"
        template = pod_template(ctx, PodArgs(
            name=JOB,
            component=COMPONENT,
            image=image,
            uid=DATA_STORE_UID,
            gid=DATA_STORE_UID,
            env=connection_env(postgres, spec),
            service_account=ACCOUNT,
            command=job.command,
            args=job.args,
            resources={"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
            writable_paths=["/tmp"],
            restart_policy="Never",
            volumes=[CA_VOLUME] if operator else [],
            mounts=[CA_VOLUME_MOUNT] if operator else [],
            egress=False,
            labels={store_client("postgres"): "true"},
        ))
        images = {n: image_reference(ctx, n) for n in sorted(ctx.spec.images)}
        self.job_name = f"{JOB}-{short_hash(images, image, script)}"
        scripts = {s.name: s.sha256 for s in spec.bootstrap.scripts}
        self.job = run_to_completion(self, name, ctx, RunToCompletion(
            JOB, self.job_name, job, template, [self.service_account, *args.depends_on],
            {SCRIPTS_ANNOTATION: json.dumps(scripts, separators=(",", ":"))} if scripts else {}))
        self.phase = job.phase
        self.register_outputs({"job_name": self.job_name, "phase": self.phase})
