"""The SQL of the `db-bootstrap` release job, shared by every platform that runs one.

AWS (RDS, as the master user: components/aws/compute/db_bootstrap.py) and Kubernetes (in-cluster as the
superuser, CloudNativePG as the database owner: components/kubernetes/db_bootstrap.py) run the same
two psql sessions, with ON_ERROR_STOP:

1. one transaction, all or nothing (before it, a platform's own statements, e.g. RDS's application
   role): the spec's `database.bootstrap` roles (unless the platform keeps them itself: CloudNativePG's
   managed roles), schemas with their owner (created when missing, handed to the owner when another
   role owns them), `CREATE EXTENSION IF NOT EXISTS` for each `database.extensions` entry, the grants
   (privileges from a fixed vocabulary; on tables, sequences and functions also as default privileges
   of the application role);
2. when `database.bootstrap.scripts` lists any, the scripts, as the application role (SET ROLE: what
   they create belongs to it): each one that appstack.applied_scripts does not record yet runs in its own
   transaction together with the row recording its SHA-256; one recorded with another SHA-256 stops the
   job with a message naming it (applied scripts are append-only).

No value reaches SQL by string concatenation: names are psql variables (`--set`), quoted by psql as
identifiers (`:"name"`) or literals (`:'name'`), or by format('%I'). A script's text is dollar-quoted
under a tag derived from its SHA-256 (refused when the text contains the tag) and run by PL/pgSQL's
EXECUTE, so psql never interprets it: no psql meta-command (`\\!`, `\\connect`) and no variable
substitution happens inside a script.
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Sequence

from appstack.spec import DatabaseBootstrapSpec
from appstack.spec.data import BOOKKEEPING_SCHEMA, DatabaseScriptSpec

NO_DECLARATIONS = DatabaseBootstrapSpec()
_GRANT_OBJECTS = {"tables": "TABLES", "sequences": "SEQUENCES", "functions": "FUNCTIONS"}
BOOKKEEPING_TABLE = f"{BOOKKEEPING_SCHEMA}.applied_scripts"


def declarations_sql(declarations: DatabaseBootstrapSpec, *, roles: bool = True) -> tuple[str, str]:
    """(roles and schemas, grants): static text but for GRANT's fixed keywords; every name is a psql
    variable (declaration_variables) quoted by psql (`:"role_1"`) or by format('%I'). `roles`: False where
    the platform keeps the declared roles itself (CloudNativePG's managed roles)."""
    first = ""
    for n, role in enumerate(declarations.roles if roles else [], start=1):
        login = "LOGIN" if role.login else "NOLOGIN"
        first += (f"SELECT format('CREATE ROLE %I', :'role_{n}')\n WHERE NOT EXISTS (SELECT FROM pg_roles WHERE "
                  f"rolname = :'role_{n}') \\gexec\nALTER ROLE :\"role_{n}\" WITH {login} NOCREATEDB NOCREATEROLE;"
                  f"\nGRANT :\"role_{n}\" TO CURRENT_USER;\n")
    # Created only when missing and handed over only when owned by another role: a schema that exists as
    # declared needs no privilege at all (CloudNativePG's owner role may not act as another owner).
    for n in range(1, len(declarations.schemas) + 1):
        first += (f"SELECT format('CREATE SCHEMA %I AUTHORIZATION %I', :'schema_{n}', :'schema_{n}_owner')\n"
                  f" WHERE NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = :'schema_{n}') \\gexec\n"
                  f"SELECT format('ALTER SCHEMA %I OWNER TO %I', :'schema_{n}', :'schema_{n}_owner')\n"
                  f" FROM pg_namespace WHERE nspname = :'schema_{n}' AND pg_get_userbyid(nspowner) <> "
                  f":'schema_{n}_owner' \\gexec\n")
    grants = ""
    for n, grant in enumerate(declarations.grants, start=1):
        privileges = ", ".join(p.upper() for p in grant.privileges)
        if grant.object == "database":
            grants += (f"SELECT format('GRANT {privileges} ON DATABASE %I TO %I', current_database(), "
                       f":'grant_{n}_to') \\gexec\n")
        elif grant.object == "schema":
            grants += f'GRANT {privileges} ON SCHEMA :"grant_{n}_schema" TO :"grant_{n}_to";\n'
        else:
            kind = _GRANT_OBJECTS[grant.object]
            grants += (f'GRANT {privileges} ON ALL {kind} IN SCHEMA :"grant_{n}_schema" TO :"grant_{n}_to";\n'
                       f'ALTER DEFAULT PRIVILEGES FOR ROLE :"app_role" IN SCHEMA :"grant_{n}_schema" '
                       f'GRANT {privileges} ON {kind} TO :"grant_{n}_to";\n')
    return first, grants


def declaration_variables(declarations: DatabaseBootstrapSpec, username: str, app_role: str, *,
                          roles: bool = True) -> list[tuple[str, str]]:
    """The psql variables of declarations_sql; `database.username` stands for the application role."""
    def role(name: str | None) -> str:
        return app_role if name in (None, username) else str(name)

    return [
        *[(f"role_{n}", r.name) for n, r in enumerate(declarations.roles if roles else [], start=1)],
        *[v for n, s in enumerate(declarations.schemas, start=1)
          for v in ((f"schema_{n}", s.name), (f"schema_{n}_owner", role(s.owner)))],
        *[v for n, g in enumerate(declarations.grants, start=1)
          for v in ((f"grant_{n}_to", role(g.to)), *(((f"grant_{n}_schema", g.in_schema),) if g.in_schema else ()))],
    ]


def extensions_sql(extensions: Sequence[str]) -> str:
    return "".join(f'CREATE EXTENSION IF NOT EXISTS :"ext_{n}";\n' for n in range(1, len(extensions) + 1))


def extension_variables(extensions: Sequence[str]) -> list[tuple[str, str]]:
    return [(f"ext_{n}", e) for n, e in enumerate(extensions, start=1)]


def _tag(script: DatabaseScriptSpec) -> str:
    """The dollar-quote tag of a script's text: derived from its hash, and refused if the text holds it."""
    tag = f"$appstack_{script.sha256[:24]}$"
    if tag in script.content:
        raise ValueError(f"database.bootstrap.scripts: '{script.name}' contains its own quoting tag {tag}")
    return tag


SCRIPTS_HEADER = f"""SET ROLE :"app_role";
CREATE SCHEMA IF NOT EXISTS {BOOKKEEPING_SCHEMA};
CREATE TABLE IF NOT EXISTS {BOOKKEEPING_TABLE} (
 name text PRIMARY KEY, sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{{64}}$'),
 applied_at timestamptz NOT NULL DEFAULT now());
"""

# One DO block per script: its own transaction (psql autocommits each top-level statement). The table
# lock serializes two jobs that run at once; the second then finds the first one's row.
SCRIPT_BLOCK = """RESET ALL;
SET ROLE :"app_role";
SET appstack.script_name TO :'script_{n}';
SET appstack.script_sha256 TO :'script_{n}_sha256';
DO {tag}
DECLARE
 script text := current_setting('appstack.script_name');
 wanted text := current_setting('appstack.script_sha256');
 recorded text;
BEGIN
 LOCK TABLE {table} IN EXCLUSIVE MODE;
 SELECT sha256 INTO recorded FROM {table} WHERE name = script;
 IF recorded IS NULL THEN
  INSERT INTO {table} (name, sha256) VALUES (script, wanted);
  EXECUTE {body_tag}{content}{body_tag};
  RAISE NOTICE 'database.bootstrap.scripts: applied % (sha256 %)', script, wanted;
 ELSIF recorded <> wanted THEN
  RAISE EXCEPTION 'database.bootstrap.scripts: % changed after it was applied (applied sha256 %, now %)', script,
   recorded, wanted
   USING HINT = 'applied scripts are append-only: restore the applied text and put the change in a new script';
 ELSE
  RAISE NOTICE 'database.bootstrap.scripts: % already applied', script;
 END IF;
END
{tag};
"""


def scripts_sql(scripts: Sequence[DatabaseScriptSpec]) -> str:
    """The second psql session (not one transaction: each script is its own); empty without scripts."""
    if not scripts:
        return ""
    blocks = []
    for n, script in enumerate(scripts, start=1):
        tag = _tag(script)
        body_tag = tag[:-1] + "_sql$"
        if body_tag in script.content:
            raise ValueError(f"database.bootstrap.scripts: '{script.name}' contains its own quoting tag {body_tag}")
        blocks.append(SCRIPT_BLOCK.format(n=n, tag=tag, body_tag=body_tag, table=BOOKKEEPING_TABLE,
                                          content=script.content))
    return SCRIPTS_HEADER + "".join(blocks)


def script_variables(scripts: Sequence[DatabaseScriptSpec]) -> list[tuple[str, str]]:
    return [v for n, s in enumerate(scripts, start=1)
            for v in ((f"script_{n}", s.name), (f"script_{n}_sha256", s.sha256))]


def psql_session(target: str, variables: Sequence[tuple[str, str]], sql: str, *, single_transaction: bool,
                 final: bool) -> str:
    """`psql <target>` reading `sql` from a quoted here-document (no shell expansion inside), with the
    variables as `--set` flags quoted for the shell; `final`: exec, the session's status is the job's."""
    flags = " ".join(f"--set={shlex.quote(f'{key}={value}')}" for key, value in variables)
    delimiter = "SQL"
    if any(line == delimiter for line in sql.splitlines()):
        delimiter = f"SQL_{hashlib.sha256(sql.encode()).hexdigest()[:32]}"
        if any(line == delimiter for line in sql.splitlines()):
            raise ValueError(f"the db-bootstrap SQL holds a line '{delimiter}'")
    return (f"{'exec ' if final else ''}psql {target}--no-psqlrc --set=ON_ERROR_STOP=1"
            f"{' --single-transaction' if single_transaction else ''} {flags} --file=- <<'{delimiter}'\n"
            f"{sql}{delimiter}\n")


def bootstrap_sessions(target: str, app_role: str, first_sql: str, first_variables: Sequence[tuple[str, str]],
                       scripts: Sequence[DatabaseScriptSpec]) -> str:
    """The shell lines of the two sessions: the declarations' transaction, then the scripts (if any)."""
    app = [("app_role", app_role)]
    declared = "set -eu\n" + psql_session(target, [*app, *first_variables], first_sql, single_transaction=True,
                                          final=not scripts)
    if not scripts:
        return declared
    return declared + psql_session(target, [*app, *script_variables(scripts)], scripts_sql(scripts),
                                   single_transaction=False, final=True)
