"""The `db-extensions` release job: creates the spec's `database.extensions` on RDS PostgreSQL.

The RDS API cannot create extensions and the app user may lack the privilege, so the platform adds a
release job of its own to every app whose database is RDS PostgreSQL with `extensions`. It runs the
official `postgres:<major>-alpine` image (its `psql`, pinned per major version) as the image's non-root
`postgres` user, connects as the RDS master user (a member of `rds_superuser`) over TLS, and runs
`CREATE EXTENSION IF NOT EXISTS` for each extension in one transaction: idempotent, all or nothing.

The master URL reaches the container only through ECS `secrets` (the data layer's
`database_admin_url_secret_arn`); `environment` holds only libpq settings. The job runs first in the
`before_rollout` phase (see appstack.program.release_commands_by_phase), so the app's own migrations
and the new release's tasks find the extensions in place.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import pulumi

from appstack.spec import AppSpec, JobSpec, PostgresSpec

from .images import ImageRef
from .jobs import JobPlacement, JobTask, ReleaseJob

JOB = "db-extensions"
ADMIN_URL_VARIABLE = "DATABASE_ADMIN_URL"
POSTGRES_UID = 70  # the postgres user and group of the official Alpine images
TIMEOUT_SECONDS = 600
# The official images through ECR Public's mirror of Docker Official Images (no Docker Hub pull limits
# from the NAT's address). The same minor releases Kubernetes pins (components/kubernetes/common.py);
# psql only needs to match the server's major version.
CLIENT_IMAGES = {
    "13": "public.ecr.aws/docker/library/postgres:13.22-alpine",
    "14": "public.ecr.aws/docker/library/postgres:14.19-alpine",
    "15": "public.ecr.aws/docker/library/postgres:15.14-alpine",
    "16": "public.ecr.aws/docker/library/postgres:16.10-alpine",
    "17": "public.ecr.aws/docker/library/postgres:17.6-alpine",
}


def needs_extensions_job(spec: AppSpec) -> bool:
    return isinstance(spec.database, PostgresSpec) and bool(spec.database.extensions)


def client_image(major: str) -> str:
    """The pinned psql image for a server major version; a newer server than any pinned client gets the
    newest client (psql talks to newer servers; CREATE EXTENSION is plain SQL)."""
    if major in CLIENT_IMAGES:
        return CLIENT_IMAGES[major]
    return CLIENT_IMAGES[max(CLIENT_IMAGES, key=int)]


def quote_identifier(name: str) -> str:
    """An SQL quoted identifier ("uuid-ossp"), double quotes inside doubled."""
    return '"' + name.replace('"', '""') + '"'


def extensions_sql(extensions: Sequence[str]) -> str:
    """One statement per extension in spec order, then the installed list for the job's log. psql runs
    a multi-statement -c string as one transaction."""
    creates = [f"CREATE EXTENSION IF NOT EXISTS {quote_identifier(e)};" for e in extensions]
    return " ".join([*creates, "SELECT extname, extversion FROM pg_extension ORDER BY extname;"])


def extensions_script(extensions: Sequence[str]) -> str:
    """The container's shell command: psql against the master URL from the ECS secret."""
    return (
        f'exec psql "${ADMIN_URL_VARIABLE}" --no-psqlrc --set=ON_ERROR_STOP=1'
        f" --command={shlex.quote(extensions_sql(extensions))}"
    )


def extensions_container(database: PostgresSpec) -> JobSpec:
    return JobSpec(
        image="postgres-client",
        command=["/bin/sh", "-c"],
        args=[extensions_script(database.extensions)],
        phase="before_rollout",
        backoff_limit=0,
        timeout_seconds=TIMEOUT_SECONDS,
        run_as_user=POSTGRES_UID,
        writable_paths=["/tmp"],
    )


class DatabaseExtensionsJob(ReleaseJob):
    """`task_definition`, `roles`, `phase` (before_rollout) and `command`, as a MigrationJob."""

    def __init__(self, name: str, args: JobPlacement, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:DatabaseExtensionsJob", name, None, opts)
        database = args.spec.database
        if not isinstance(database, PostgresSpec) or args.data.database_admin_url_secret_arn is None:
            raise ValueError(
                f"app '{args.spec.name}': the db-extensions job needs RDS PostgreSQL and the data layer's "
                "database_admin_url_secret_arn"
            )
        image = ImageRef(pulumi.Output.from_input(client_image(database.major_version)), None, "X86_64")
        environment = [
            {"name": "PGAPPNAME", "value": f"appstack-{JOB}"},
            {"name": "PGCONNECT_TIMEOUT", "value": "30"},
            {"name": "PGSSLMODE", "value": "require"},  # the URL says so too; RDS enforces rds.force_ssl=1
        ]
        secrets = [{"name": ADMIN_URL_VARIABLE, "valueFrom": args.data.database_admin_url_secret_arn}]
        self._register_task(
            name,
            JobTask(JOB, extensions_container(database), image, environment, secrets),
            args,
        )
