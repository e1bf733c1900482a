"""The `db-bootstrap` release job: the application role and the extensions of an RDS PostgreSQL database.

Apps never connect as the RDS master user. For every app whose database is RDS PostgreSQL the platform
adds this release job; it is the only task that receives the master credential. It runs the official
`postgres:<major>-alpine` image's `psql` (pinned per major version) as the image's non-root `postgres`
user, connects as the master user (a member of `rds_superuser`) over TLS and, in one transaction
(idempotent, all or nothing):

1. creates the application role if it is missing, and sets LOGIN and its password from the SCRAM-SHA-256
   verifier the data layer derived from the generated password (the plaintext never reaches this task);
2. makes that role the owner of the app's database, and hands it every schema, table, view, sequence,
   routine and type the master user owns there outside extensions (what migrations created while apps
   still connected as the master user), so migrations running as the role can change them;
3. creates the spec's `database.bootstrap` declarations: roles (NOLOGIN or LOGIN, never CREATEDB or
   CREATEROLE), schemas with their owner (created when missing, handed over when another role owns them);
4. runs `CREATE EXTENSION IF NOT EXISTS` for each `database.extensions` entry (as the master user, the
   only one allowed to), then the declared grants (privileges from a fixed vocabulary; on tables,
   sequences and functions also as default privileges of the application role), then lists the installed
   extensions for the job's log;
5. then, in a second psql session, applies `database.bootstrap.scripts` once each, as the application
   role, each in its own transaction, recorded with its SHA-256 (components/postgres_bootstrap.py, the
   SQL Kubernetes's db-bootstrap Job runs too).

No value reaches SQL by string concatenation: names come in as psql variables (`--set`), quoted by
psql as identifiers (`:"name"`) or literals (`:'name'`) or by `format('%I')`; the verifier is read by
psql from the environment (`\\set ... `printenv ...``), never from a command line. The master URL and
the verifier reach the container only through ECS `secrets`; `environment` holds libpq settings. The
job runs first in the `before_rollout` phase (appstack.program.release_commands_by_phase), so the
app's own migrations and the new release's tasks find the role, its ownership and the extensions.

Apps that had the earlier `db-extensions` job keep its resources: the component carries an alias to
its old name and type, and every child follows it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from appstack.spec import AppSpec, DatabaseBootstrapSpec, JobSpec, PostgresSpec

from ...postgres_bootstrap import (
    NO_DECLARATIONS,
    bootstrap_sessions,
    declaration_variables,
    declarations_sql,
    extension_variables,
    extensions_sql,
)
from .images import ImageRef
from .jobs import JobPlacement, JobTask, ReleaseJob

JOB = "db-bootstrap"
FORMER_JOB = "db-extensions"  # the job's name before it created the application role
FORMER_TYPE = "appstack:aws:DatabaseExtensionsJob"
ADMIN_URL_VARIABLE = "DATABASE_ADMIN_URL"
VERIFIER_VARIABLE = "APP_ROLE_VERIFIER"
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

# Objects of the master user (current_user) in the app's database, outside the system schemas and
# outside extensions. Sequences owned by a column move with their table (ALTER TABLE refuses them).
_OWNED = "{alias}.{owner} = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
_USER_SCHEMA = "{ns}.nspname NOT LIKE 'pg\\_%' AND {ns}.nspname <> 'information_schema'"
_NOT_IN_EXTENSION = (
    "NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = '{catalog}'::regclass AND d.objid = {alias}.oid"
    " AND d.deptype = 'e')"
)

BOOTSTRAP_SQL = f"""\\set app_verifier `printenv {VERIFIER_VARIABLE}`
SELECT format('CREATE ROLE %I', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \\gexec
ALTER ROLE :"app_role" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'app_verifier';
GRANT :"app_role" TO CURRENT_USER;
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'app_role') \\gexec
SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, :'app_role') FROM pg_namespace n
 WHERE {_OWNED.format(alias="n", owner="nspowner")} AND {_USER_SCHEMA.format(ns="n")}
 AND {_NOT_IN_EXTENSION.format(catalog="pg_namespace", alias="n")} \\gexec
SELECT format('ALTER TABLE %s OWNER TO %I', c.oid::regclass, :'app_role')
 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_OWNED.format(alias="c", owner="relowner")} AND {_USER_SCHEMA.format(ns="n")}
 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {_NOT_IN_EXTENSION.format(catalog="pg_class", alias="c")}
 AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
  AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))) \\gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'app_role')
 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE {_OWNED.format(alias="p", owner="proowner")} AND {_USER_SCHEMA.format(ns="n")}
 AND {_NOT_IN_EXTENSION.format(catalog="pg_proc", alias="p")} \\gexec
SELECT format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype,
 :'app_role') FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE {_OWNED.format(alias="t", owner="typowner")} AND {_USER_SCHEMA.format(ns="n")}
 AND {_NOT_IN_EXTENSION.format(catalog="pg_type", alias="t")} AND t.typtype IN ('c', 'd', 'e', 'r')
 AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') \\gexec
"""

REPORT_SQL = """SELECT extname, extversion FROM pg_extension ORDER BY extname;
SELECT rolname, rolcanlogin, pg_get_userbyid(datdba) = rolname AS owns_database FROM pg_roles, pg_database
 WHERE rolname = :'app_role' AND datname = current_database();
"""


def needs_bootstrap_job(spec: AppSpec) -> bool:
    return isinstance(spec.database, PostgresSpec)


def client_image(major: str) -> str:
    """The pinned psql image for a server major version; a newer server than any pinned client gets the
    newest client (psql talks to newer servers; the script is plain SQL and psql meta-commands)."""
    if major in CLIENT_IMAGES:
        return CLIENT_IMAGES[major]
    return CLIENT_IMAGES[max(CLIENT_IMAGES, key=int)]


def bootstrap_sql(extensions: Sequence[str], declarations: DatabaseBootstrapSpec = NO_DECLARATIONS) -> str:
    """The first session's script: static text; the role and extension names are the psql variables
    `app_role` and `ext_1`, `ext_2`, ..., the declarations' names those of declaration_variables."""
    first, grants = declarations_sql(declarations)
    return BOOTSTRAP_SQL + first + extensions_sql(extensions) + grants + REPORT_SQL


def bootstrap_script(app_role: str, extensions: Sequence[str], declarations: DatabaseBootstrapSpec = NO_DECLARATIONS,
                     username: str = "") -> str:
    """The container's shell command: refuse an empty or malformed verifier (an empty password would
    clear the role's password), then psql with the script on stdin as one transaction, then the
    declared scripts (components/postgres_bootstrap.py)."""
    variables = [*extension_variables(extensions), *declaration_variables(declarations, username, app_role)]
    return (
        f'case "${VERIFIER_VARIABLE}" in \'SCRAM-SHA-256$\'*) ;;'
        f" *) echo '{VERIFIER_VARIABLE} holds no SCRAM-SHA-256 verifier' >&2; exit 1 ;; esac\n"
        + bootstrap_sessions(f'"${ADMIN_URL_VARIABLE}" ', app_role, bootstrap_sql(extensions, declarations),
                             variables, declarations.scripts)
    )


def bootstrap_container(database: PostgresSpec, app_role: str) -> JobSpec:
    return JobSpec(
        image="postgres-client",
        command=["/bin/sh", "-c"],
        args=[bootstrap_script(app_role, database.extensions, database.bootstrap, database.username)],
        phase="before_rollout",
        backoff_limit=0,
        timeout_seconds=TIMEOUT_SECONDS,
        run_as_user=POSTGRES_UID,
        writable_paths=["/tmp"],
    )


def former_name(name: str) -> str:
    """The component's name under the earlier `db-extensions` job (`<app>-job-db-extensions`)."""
    return name.removesuffix(JOB) + FORMER_JOB


class DatabaseBootstrapJob(ReleaseJob):
    """`task_definition`, `roles`, `phase` (before_rollout) and `command`, as a MigrationJob."""

    def __init__(self, name: str, args: JobPlacement, opts: pulumi.ResourceOptions | None = None):
        aliases = [pulumi.Alias(name=former_name(name), type_=FORMER_TYPE)]
        super().__init__(
            "appstack:aws:DatabaseBootstrapJob", name, None,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=aliases)),
        )
        database, data = args.spec.database, args.data
        if (
            not isinstance(database, PostgresSpec)
            or data.database_admin_url_secret_arn is None
            or data.database_app_verifier_secret_arn is None
            or data.database_app_role is None
        ):
            raise ValueError(
                f"app '{args.spec.name}': the db-bootstrap job needs RDS PostgreSQL and the data layer's "
                "database_admin_url_secret_arn, database_app_verifier_secret_arn and database_app_role"
            )
        image = ImageRef(pulumi.Output.from_input(client_image(database.major_version)), None, "X86_64")
        environment = [
            {"name": "PGAPPNAME", "value": f"appstack-{JOB}"},
            {"name": "PGCONNECT_TIMEOUT", "value": "30"},
            {"name": "PGSSLMODE", "value": "require"},  # the URL says so too; RDS enforces rds.force_ssl=1
        ]
        secrets = [
            {"name": ADMIN_URL_VARIABLE, "valueFrom": data.database_admin_url_secret_arn},
            {"name": VERIFIER_VARIABLE, "valueFrom": data.database_app_verifier_secret_arn},
        ]
        self._register_task(
            name,
            JobTask(JOB, bootstrap_container(database, data.database_app_role), image, environment, secrets,
                    platform=True),
            args,
        )
