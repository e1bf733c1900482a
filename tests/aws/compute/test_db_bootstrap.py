"""The platform's `db-bootstrap` release job: creates the application role and database.extensions on RDS,
before the migrations, and is the only task that receives the master credential."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import botocore.session
import pytest
from appstack.components.aws.compute.db_bootstrap import bootstrap_script, bootstrap_sql, client_image
from botocore.validate import ParamValidator
from moto.iam.policy_validation import IAMPolicyDocumentValidator, IAMTrustPolicyDocumentValidator

from appstack.program import release_commands_by_phase
from appstack.spec import PostgresSpec
from appstack.stackconfig import load_stack
from appstack.synth import stack_config
from tests.conftest import synth_config

from .harness import ALL_APPS, SECRET_VALUE_PREFIX, container_definitions, resources, secret_arn, synth_app, unwrap

ROOT = Path(__file__).resolve().parents[3]
RELEASE_SCRIPT = ROOT / ".github" / "scripts" / "run-release-commands.sh"
REGISTER = botocore.session.get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition")
JOB_TYPE = "appstack:aws:DatabaseBootstrapJob"
EXTENSIONS = {"claude-relay": ["uuid-ossp", "pg_stat_statements", "pgcrypto"], "small-squaretable": ["pg_stat_statements"],
              "sparkle": [], "zmage": []}
RDS_APPS = sorted(EXTENSIONS)  # elizabeth: SQLite outside Pulumi.prod.yaml


def spec_of(app: str):
    return load_stack("prod", stack_config("prod")[0].get).apps[app]


def exported_commands(app: str) -> dict[str, str]:
    return unwrap(synth_app(app).outputs["migration_commands"])


@pytest.mark.parametrize("app", ALL_APPS)
def test_the_job_exists_exactly_where_the_database_is_rds_postgres(app):
    synthesis = synth_app(app)
    jobs = [r for r in synthesis.resources if r.type == JOB_TYPE]
    families = {unwrap(r.inputs["family"]) for r in synthesis.by_type("aws:ecs/taskDefinition:TaskDefinition")}
    if app in RDS_APPS:
        assert [j.name for j in jobs] == [f"{app}-job-db-bootstrap"]
        assert f"{app}-test-db-bootstrap" in families
        assert "db-bootstrap" in exported_commands(app)
    else:
        assert jobs == [] and not any(f.endswith("-db-bootstrap") for f in families)
        assert "db-bootstrap" not in exported_commands(app)


@pytest.mark.parametrize("app", RDS_APPS)
def test_the_former_db_extensions_job_is_aliased_so_its_resources_keep_their_identity(app):
    (job,) = [r for r in synth_app(app).resources if r.type == JOB_TYPE]
    # The engine derives every child's alias from its parent's (same parent, name prefix replaced).
    (alias,) = job.options["aliases"]
    assert json.loads(alias)["spec"] == {
        "name": f"{app}-job-db-extensions", "parentUrn": "", "type": "appstack:aws:DatabaseExtensionsJob",
    }


def test_zmage_creates_its_extension_once_it_declares_one():
    synthesis = synth_app("zmage", overrides={"database": {"extensions": ["pgcrypto"]}})
    (job,) = container_definitions(synthesis, "db-bootstrap")
    assert job["command"] == [bootstrap_script("zmage_app", ["pgcrypto"])]


@pytest.mark.parametrize("app", RDS_APPS)
def test_the_container_definition_is_valid_against_the_ecs_api_model(app):
    resource = next(
        r for r in synth_app(app).by_type("aws:ecs/taskDefinition:TaskDefinition")
        if unwrap(r.inputs["family"]).endswith("-db-bootstrap")
    )
    inputs = unwrap(resource.inputs)
    request = {k: inputs[k] for k in ("family", "taskRoleArn", "executionRoleArn", "networkMode", "cpu", "memory",
                                      "requiresCompatibilities", "runtimePlatform")}
    request["containerDefinitions"] = json.loads(inputs["containerDefinitions"])
    report = ParamValidator().validate(request, REGISTER.input_shape)
    assert not report.has_errors(), report.generate_report()
    assert (inputs["cpu"], inputs["memory"]) == ("256", "512")


@pytest.mark.parametrize(("app", "image"), [
    ("claude-relay", "public.ecr.aws/docker/library/postgres:15.14-alpine"),
    ("small-squaretable", "public.ecr.aws/docker/library/postgres:16.10-alpine"),
    ("zmage", "public.ecr.aws/docker/library/postgres:16.10-alpine"),
])
def test_psql_runs_sandboxed_from_the_pinned_official_image_of_the_servers_major(app, image):
    (job,) = container_definitions(synth_app(app), "db-bootstrap")
    assert job["image"] == image
    assert job["user"] == "70:70"  # the postgres user of the Alpine images
    assert job["readonlyRootFilesystem"] is True
    assert job["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
    assert job["linuxParameters"]["tmpfs"] == [{
        "containerPath": "/tmp", "size": 128, "mountOptions": ["rw", "nosuid", "nodev", "uid=70", "gid=70", "mode=1777"],
    }]
    assert job["entryPoint"] == ["/bin/sh", "-c"] and job["portMappings"] == []
    assert job["logConfiguration"]["options"]["awslogs-group"] == f"/appstack/test/{app}/job-db-bootstrap"
    groups = resources(synth_app(app), "aws:cloudwatch/logGroup:LogGroup")
    assert groups[f"{app}-job-db-bootstrap"]["kmsKeyId"].startswith("arn:aws:kms:")


def test_a_server_newer_than_every_pinned_client_gets_the_newest_client():
    assert client_image("17") == client_image("19") == "public.ecr.aws/docker/library/postgres:17.6-alpine"


@pytest.mark.parametrize("app", RDS_APPS)
def test_the_script_creates_the_role_and_exactly_the_specs_extensions_through_psql_variables(app):
    database = spec_of(app).database
    assert isinstance(database, PostgresSpec) and database.extensions == EXTENSIONS[app]
    (job,) = container_definitions(synth_app(app), "db-bootstrap")
    assert job["command"] == [bootstrap_script(f"{database.username}_app", EXTENSIONS[app], database.bootstrap,
                                               database.username)]
    sql = bootstrap_sql(EXTENSIONS[app], database.bootstrap)
    creates = [line for line in sql.splitlines() if line.startswith("CREATE EXTENSION")]
    assert creates == [f'CREATE EXTENSION IF NOT EXISTS :"ext_{n}";' for n in range(1, len(EXTENSIONS[app]) + 1)]
    # Static text: neither the role nor an extension name is spliced into the SQL.
    assert database.username not in sql and not any(e in sql for e in EXTENSIONS[app] if e != "pgcrypto")
    assert "ALTER ROLE :\"app_role\" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'app_verifier';" in sql
    assert "\\set app_verifier `printenv APP_ROLE_VERIFIER`" in sql


def test_the_script_hands_psql_the_url_variables_and_one_transaction_whatever_the_names(tmp_path):
    """Run the container's script under sh with a stand-in psql that prints its arguments and stdin."""
    fake = tmp_path / "psql"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\necho ---\ncat\n')
    fake.chmod(0o755)
    names = ["uuid-ossp", 'odd"name', "it's; DROP TABLE x"]
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "DATABASE_ADMIN_URL": "postgresql://u:p@h:5432/d?sslmode=require",
           "APP_ROLE_VERIFIER": "SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5"}
    result = subprocess.run(["sh", "-c", bootstrap_script("we'ird_app", names)], env=env, capture_output=True,
                            text=True, check=True)
    argv, stdin = result.stdout.split("---\n")
    assert argv.splitlines() == [
        "postgresql://u:p@h:5432/d?sslmode=require", "--no-psqlrc", "--set=ON_ERROR_STOP=1", "--single-transaction",
        "--set=app_role=we'ird_app", "--set=ext_1=uuid-ossp", '--set=ext_2=odd"name', "--set=ext_3=it's; DROP TABLE x",
        "--file=-",
    ]
    assert stdin == bootstrap_sql(names)
    assert "SCRAM" not in argv  # the verifier is read by psql from the environment, not passed as an argument


@pytest.mark.parametrize("app", RDS_APPS)
def test_only_the_bootstrap_task_receives_the_master_url_and_the_verifier(app):
    synthesis = synth_app(app)
    (job,) = container_definitions(synthesis, "db-bootstrap")
    admin, verifier = (secret_arn(app, "db-bootstrap", n) for n in ("DATABASE_ADMIN_URL", "APP_ROLE_VERIFIER"))
    assert job["secrets"] == [{"name": "DATABASE_ADMIN_URL", "valueFrom": admin},
                              {"name": "APP_ROLE_VERIFIER", "valueFrom": verifier}]
    assert {e["name"]: e["value"] for e in job["environment"]} == {
        "PGAPPNAME": "appstack-db-bootstrap", "PGCONNECT_TIMEOUT": "30", "PGSSLMODE": "require",
    }
    assert SECRET_VALUE_PREFIX not in json.dumps(job) and "postgresql://" not in json.dumps(job)
    for resource in synthesis.by_type("aws:ecs/taskDefinition:TaskDefinition"):
        if not unwrap(resource.inputs["family"]).endswith("-db-bootstrap"):
            text = unwrap(resource.inputs["containerDefinitions"])
            assert admin not in text and verifier not in text, unwrap(resource.inputs["family"])
    for name, inputs in resources(synthesis, "aws:iam/rolePolicy:RolePolicy").items():
        if not name.startswith(f"{app}-job-db-bootstrap-"):
            assert admin not in inputs["policy"] and verifier not in inputs["policy"], name


@pytest.mark.parametrize("app", RDS_APPS)
def test_its_roles_are_least_privilege_and_follow_the_policy_grammar(app):
    synthesis = synth_app(app)
    roles = resources(synthesis, "aws:iam/role:Role")
    policies = resources(synthesis, "aws:iam/rolePolicy:RolePolicy")
    IAMTrustPolicyDocumentValidator(roles[f"{app}-job-db-bootstrap-execution"]["assumeRolePolicy"]).validate()
    IAMTrustPolicyDocumentValidator(roles[f"{app}-job-db-bootstrap-task"]["assumeRolePolicy"]).validate()
    document = policies[f"{app}-job-db-bootstrap-execution"]["policy"]
    IAMPolicyDocumentValidator(document).validate()
    by_sid = {s["Sid"]: s for s in json.loads(document)["Statement"]}
    assert "EcrPull" not in by_sid and "EcrToken" not in by_sid  # a public image: no ECR repository to read
    assert by_sid["InjectedSecrets"]["Resource"] == sorted(
        secret_arn(app, "db-bootstrap", n) for n in ("DATABASE_ADMIN_URL", "APP_ROLE_VERIFIER")
    )
    assert by_sid["Logs"]["Resource"] == [
        f"arn:aws:logs:us-east-1:123456789012:log-group:/appstack/test/{app}/job-db-bootstrap:log-stream:*"
    ]
    assert f"{app}-job-db-bootstrap-task" not in policies  # psql touches no AWS API


def test_it_runs_before_rollout_with_its_own_exact_run_command():
    commands = exported_commands("claude-relay")
    assert "--started-by appstack-db-bootstrap" in commands["db-bootstrap"]
    assert "--task-definition arn:aws:ecs:us-east-1:123456789012:claude-relay-job-db-bootstrap " in commands["db-bootstrap"]
    assert "timeout 600 " in commands["db-bootstrap"]
    phases = release_commands_by_phase(spec_of("claude-relay"), commands)
    assert phases == {
        "before_rollout": {"0-db-bootstrap": commands["db-bootstrap"]},
        "after_rollout": {"data-migration": commands["data-migration"]},
    }


@pytest.mark.skipif(shutil.which("jq") is None, reason="the release script needs jq (as on GitHub runners)")
def test_the_release_script_runs_it_before_the_apps_own_migrations(tmp_path):
    """Through `pulumi stack output --json` (keys sorted) and the real release script, even when a
    before_rollout job of the spec sorts before `db-bootstrap` by name."""
    spec = spec_of("small-squaretable")
    jobs = {"apply-schema": spec.jobs["db-migrate"], **spec.jobs}
    spec = spec.model_copy(update={"jobs": jobs})
    commands = {job: f"echo {job} >> ran.txt" for job in ("db-bootstrap", "apply-schema", "db-migrate")}
    outputs = json.dumps({"small-squaretable-release-commands": release_commands_by_phase(spec, commands)},
                         sort_keys=True)
    subprocess.run(["bash", str(RELEASE_SCRIPT), "before_rollout"], input=outputs, cwd=tmp_path, text=True,
                   capture_output=True, check=True)
    assert (tmp_path / "ran.txt").read_text().split() == ["db-bootstrap", "apply-schema", "db-migrate"]


@pytest.mark.parametrize("app", ["small-squaretable", "zmage"])
def test_the_role_exists_before_db_migrate(app):
    phases = release_commands_by_phase(spec_of(app), exported_commands(app))
    assert sorted(phases["before_rollout"]) == list(phases["before_rollout"]) == ["0-db-bootstrap", "db-migrate"]


@pytest.mark.parametrize("reserved", ["db-bootstrap", "db-extensions"])
def test_the_job_names_are_reserved_for_rds_postgres(reserved):
    job = {"image": "web", "command": ["true"], "run_as_user": 1000}
    with pytest.raises(Exception, match="Invalid configuration for stack") as error:
        synth_app("zmage", overrides={"jobs": {reserved: job}})
    assert f"apps.zmage.jobs.{reserved}: this job name is reserved" in str(error.value)


def test_kubernetes_runs_its_own_job_without_the_aws_secrets():
    synthesis = synth_config(platform="kubernetes", apps={"claude-relay": {}})
    assert not [r for r in synthesis.resources if r.type == JOB_TYPE]
    assert len([r for r in synthesis.resources if r.type == "appstack:kubernetes:DatabaseBootstrapJob"]) == 1
    assert not [k for k in synthesis.outputs if k.endswith("-release-commands")]
    assert not synthesis.by_type("aws:secretsmanager/secret:Secret")


def test_claude_relays_schema_and_grants_from_the_guide_run_through_psql_variables():
    """Guide 2.1 init.sql: claude_data AUTHORIZATION claude_app, CONNECT, USAGE+CREATE on public, ALL on claude_data;
    claude_app is database.username, so on RDS every statement names the application role claude_app_app."""
    (job,) = container_definitions(synth_app("claude-relay"), "db-bootstrap")
    script = job["command"][0]
    for variable in ("--set=schema_1=claude_data", "--set=schema_1_owner=claude_app_app",
                     "--set=grant_1_to=claude_app_app", "--set=grant_2_to=claude_app_app", "--set=grant_2_schema=public",
                     "--set=grant_3_to=claude_app_app", "--set=grant_3_schema=claude_data"):
        assert f" {variable} " in script
    sql = script.split("<<'SQL'\n")[1].split("\nSQL\n")[0]  # the declarations' session
    lines = sql.splitlines()
    first = lines.index("SELECT format('CREATE SCHEMA %I AUTHORIZATION %I', :'schema_1', :'schema_1_owner')")
    assert lines[first:first + 10] == [
        "SELECT format('CREATE SCHEMA %I AUTHORIZATION %I', :'schema_1', :'schema_1_owner')",
        " WHERE NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = :'schema_1') \\gexec",
        "SELECT format('ALTER SCHEMA %I OWNER TO %I', :'schema_1', :'schema_1_owner')",
        " FROM pg_namespace WHERE nspname = :'schema_1' AND pg_get_userbyid(nspowner) <> :'schema_1_owner' \\gexec",
        'CREATE EXTENSION IF NOT EXISTS :"ext_1";', 'CREATE EXTENSION IF NOT EXISTS :"ext_2";',
        'CREATE EXTENSION IF NOT EXISTS :"ext_3";',
        "SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'grant_1_to') \\gexec",
        'GRANT USAGE, CREATE ON SCHEMA :"grant_2_schema" TO :"grant_2_to";',
        'GRANT ALL ON SCHEMA :"grant_3_schema" TO :"grant_3_to";',
    ]
    assert "claude_data" not in sql and "claude_app" not in sql  # names only as variables


def test_claude_relays_scripts_run_after_the_declarations_as_the_application_role():
    (job,) = container_definitions(synth_app("claude-relay"), "db-bootstrap")
    script = job["command"][0]
    declarations, scripts, rest = script.split("\nSQL\n")
    assert rest == ""
    assert "--single-transaction" in declarations and not declarations.startswith("exec ")
    spec = spec_of("claude-relay").database
    first, second = spec.bootstrap.scripts
    assert scripts.startswith(
        'exec psql "$DATABASE_ADMIN_URL" --no-psqlrc --set=ON_ERROR_STOP=1 --set=app_role=claude_app_app '
        f"--set=script_1=001-functions --set=script_1_sha256={first.sha256} "
        f"--set=script_2=002-api-keys --set=script_2_sha256={second.sha256} --file=- <<'SQL'\n"
        'SET ROLE :"app_role";\n')
    assert first.content in scripts and second.content in scripts
    assert scripts.index(first.content) < scripts.index(second.content)


def test_the_largest_scripts_the_spec_accepts_fit_an_ecs_task_definition(tmp_path):
    from appstack.spec.data import SCRIPTS_MAX_BYTES

    # Line breaks and quotes grow under JSON escaping: the spec's cap counts them escaped.
    line = 'INSERT INTO t VALUES (\'a "quoted" value\');\n'
    (tmp_path / "a.sql").write_text(line * (SCRIPTS_MAX_BYTES // 2 // len(json.dumps(line))))
    (tmp_path / "b.sql").write_text(line * (SCRIPTS_MAX_BYTES // 2 // len(json.dumps(line)) - 1))
    database = PostgresSpec.model_validate(
        {"engine": "postgres", "version": "16", "database": "shop", "extensions": ["pgcrypto"],
         "bootstrap": {"scripts": [{"name": "a", "file": "a.sql"}, {"name": "b", "file": "b.sql"}]}},
        context={"spec_dir": tmp_path})
    command = bootstrap_script("shop_app", database.extensions, database.bootstrap, "app")
    assert len(json.dumps([{"name": "db-bootstrap", "command": [command]}])) < 48 * 1024  # of 64 KiB
