"""The platform's `db-extensions` release job: creates database.extensions on RDS, before the migrations."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import botocore.session
import pytest
from appstack.components.aws.compute.db_extensions import client_image, extensions_script, extensions_sql
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
JOB_TYPE = "appstack:aws:DatabaseExtensionsJob"
EXTENSIONS = {"claude-relay": ["uuid-ossp", "pg_stat_statements", "pgcrypto"], "small-squaretable": ["pg_stat_statements"]}


def spec_of(app: str):
    return load_stack("prod", stack_config("prod")[0].get).apps[app]


def exported_commands(app: str) -> dict[str, str]:
    return unwrap(synth_app(app).outputs["migration_commands"])


@pytest.mark.parametrize("app", ALL_APPS)
def test_the_job_exists_exactly_where_the_database_declares_extensions(app):
    synthesis = synth_app(app)
    jobs = [r for r in synthesis.resources if r.type == JOB_TYPE]
    families = {unwrap(r.inputs["family"]) for r in synthesis.by_type("aws:ecs/taskDefinition:TaskDefinition")}
    if app in EXTENSIONS:
        assert [j.name for j in jobs] == [f"{app}-job-db-extensions"]
        assert f"{app}-test-db-extensions" in families
        assert "db-extensions" in exported_commands(app)
    else:
        assert jobs == [] and not any(f.endswith("-db-extensions") for f in families)
        assert "db-extensions" not in exported_commands(app)


def test_zmage_gets_the_job_once_it_declares_an_extension():
    synthesis = synth_app("zmage", overrides={"database": {"extensions": ["pgcrypto"]}})
    (job,) = container_definitions(synthesis, "db-extensions")
    assert job["command"] == [extensions_script(["pgcrypto"])]


@pytest.mark.parametrize("app", sorted(EXTENSIONS))
def test_the_container_definition_is_valid_against_the_ecs_api_model(app):
    resource = next(
        r for r in synth_app(app).by_type("aws:ecs/taskDefinition:TaskDefinition")
        if unwrap(r.inputs["family"]).endswith("-db-extensions")
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
])
def test_psql_runs_sandboxed_from_the_pinned_official_image_of_the_servers_major(app, image):
    (job,) = container_definitions(synth_app(app), "db-extensions")
    assert job["image"] == image
    assert job["user"] == "70:70"  # the postgres user of the Alpine images
    assert job["readonlyRootFilesystem"] is True
    assert job["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
    assert job["linuxParameters"]["tmpfs"] == [{
        "containerPath": "/tmp", "size": 128, "mountOptions": ["rw", "nosuid", "nodev", "uid=70", "gid=70", "mode=1777"],
    }]
    assert job["entryPoint"] == ["/bin/sh", "-c"] and job["portMappings"] == []
    assert job["logConfiguration"]["options"]["awslogs-group"] == f"/appstack/test/{app}/job-db-extensions"
    groups = resources(synth_app(app), "aws:cloudwatch/logGroup:LogGroup")
    assert groups[f"{app}-job-db-extensions"]["kmsKeyId"].startswith("arn:aws:kms:")


def test_a_server_newer_than_every_pinned_client_gets_the_newest_client():
    assert client_image("17") == client_image("19") == "public.ecr.aws/docker/library/postgres:17.6-alpine"


@pytest.mark.parametrize("app", sorted(EXTENSIONS))
def test_the_sql_creates_exactly_the_specs_extensions_quoted_and_idempotent(app):
    database = spec_of(app).database
    assert isinstance(database, PostgresSpec) and database.extensions == EXTENSIONS[app]
    (job,) = container_definitions(synth_app(app), "db-extensions")
    assert job["command"] == [extensions_script(EXTENSIONS[app])]
    statements = [s.strip() for s in extensions_sql(EXTENSIONS[app]).split(";") if s.strip()]
    assert statements[:-1] == [f'CREATE EXTENSION IF NOT EXISTS "{e}"' for e in EXTENSIONS[app]]
    assert statements[-1].startswith("SELECT extname")  # read-only: the installed list, for the job's log


def test_the_script_hands_psql_the_url_and_one_transaction_whatever_the_names(tmp_path):
    """Run the container's script under sh with a stand-in psql that prints its arguments."""
    fake = tmp_path / "psql"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    fake.chmod(0o755)
    names = ["uuid-ossp", 'odd"name', "it's"]
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "DATABASE_ADMIN_URL": "postgresql://u:p@h:5432/d?sslmode=require"}
    result = subprocess.run(["sh", "-c", extensions_script(names)], env=env, capture_output=True, text=True, check=True)
    argv = result.stdout.splitlines()
    assert argv[:3] == ["postgresql://u:p@h:5432/d?sslmode=require", "--no-psqlrc", "--set=ON_ERROR_STOP=1"]
    assert argv[3] == (
        '--command=CREATE EXTENSION IF NOT EXISTS "uuid-ossp"; CREATE EXTENSION IF NOT EXISTS "odd""name";'
        " CREATE EXTENSION IF NOT EXISTS \"it's\"; SELECT extname, extversion FROM pg_extension ORDER BY extname;"
    )


@pytest.mark.parametrize("app", sorted(EXTENSIONS))
def test_the_master_url_arrives_through_secrets_never_environment(app):
    synthesis = synth_app(app)
    (job,) = container_definitions(synthesis, "db-extensions")
    assert job["secrets"] == [
        {"name": "DATABASE_ADMIN_URL", "valueFrom": secret_arn(app, "db-extensions", "DATABASE_ADMIN_URL")}
    ]
    assert {e["name"]: e["value"] for e in job["environment"]} == {
        "PGAPPNAME": "appstack-db-extensions", "PGCONNECT_TIMEOUT": "30", "PGSSLMODE": "require",
    }
    assert SECRET_VALUE_PREFIX not in json.dumps(job) and "postgresql://" not in json.dumps(job)


@pytest.mark.parametrize("app", sorted(EXTENSIONS))
def test_its_roles_are_least_privilege_and_follow_the_policy_grammar(app):
    synthesis = synth_app(app)
    roles = resources(synthesis, "aws:iam/role:Role")
    policies = resources(synthesis, "aws:iam/rolePolicy:RolePolicy")
    IAMTrustPolicyDocumentValidator(roles[f"{app}-job-db-extensions-execution"]["assumeRolePolicy"]).validate()
    IAMTrustPolicyDocumentValidator(roles[f"{app}-job-db-extensions-task"]["assumeRolePolicy"]).validate()
    document = policies[f"{app}-job-db-extensions-execution"]["policy"]
    IAMPolicyDocumentValidator(document).validate()
    by_sid = {s["Sid"]: s for s in json.loads(document)["Statement"]}
    assert "EcrPull" not in by_sid and "EcrToken" not in by_sid  # a public image: no ECR repository to read
    assert by_sid["InjectedSecrets"]["Resource"] == [secret_arn(app, "db-extensions", "DATABASE_ADMIN_URL")]
    assert by_sid["Logs"]["Resource"] == [
        f"arn:aws:logs:us-east-1:123456789012:log-group:/appstack/test/{app}/job-db-extensions:log-stream:*"
    ]
    assert f"{app}-job-db-extensions-task" not in policies  # psql touches no AWS API


def test_it_runs_before_rollout_with_its_own_exact_run_command():
    commands = exported_commands("claude-relay")
    assert "--started-by appstack-db-extensions" in commands["db-extensions"]
    assert "--task-definition arn:aws:ecs:us-east-1:123456789012:claude-relay-job-db-extensions " in commands["db-extensions"]
    assert "timeout 600 " in commands["db-extensions"]
    phases = release_commands_by_phase(spec_of("claude-relay"), commands)
    assert phases == {
        "before_rollout": {"0-db-extensions": commands["db-extensions"]},
        "after_rollout": {"data-migration": commands["data-migration"]},
    }


@pytest.mark.skipif(shutil.which("jq") is None, reason="the release script needs jq (as on GitHub runners)")
def test_the_release_script_runs_it_before_the_apps_own_migrations(tmp_path):
    """Through `pulumi stack output --json` (keys sorted) and the real release script, even when a
    before_rollout job of the spec sorts before `db-extensions` by name."""
    spec = spec_of("small-squaretable")
    jobs = {"apply-schema": spec.jobs["db-migrate"], **spec.jobs}
    spec = spec.model_copy(update={"jobs": jobs})
    commands = {job: f"echo {job} >> ran.txt" for job in ("db-extensions", "apply-schema", "db-migrate")}
    outputs = json.dumps({"small-squaretable-release-commands": release_commands_by_phase(spec, commands)},
                         sort_keys=True)
    subprocess.run(["bash", str(RELEASE_SCRIPT), "before_rollout"], input=outputs, cwd=tmp_path, text=True,
                   capture_output=True, check=True)
    assert (tmp_path / "ran.txt").read_text().split() == ["db-extensions", "apply-schema", "db-migrate"]


def test_small_squaretable_creates_its_extension_before_db_migrate():
    phases = release_commands_by_phase(spec_of("small-squaretable"), exported_commands("small-squaretable"))
    assert sorted(phases["before_rollout"]) == list(phases["before_rollout"]) == ["0-db-extensions", "db-migrate"]


def test_the_job_name_is_reserved_where_extensions_are_declared():
    job = {"image": "app", "command": ["true"], "run_as_user": 1000}
    with pytest.raises(Exception, match="Invalid AWS compute settings") as error:
        synth_app("claude-relay", overrides={"jobs": {"db-extensions": job}})
    assert "apps.claude-relay.jobs.db-extensions: this job name is reserved" in str(error.value)


def test_kubernetes_is_unaffected():
    synthesis = synth_config(platform="kubernetes", apps={"claude-relay": {}})
    assert not [r for r in synthesis.resources if "db-extensions" in r.name or r.type == JOB_TYPE]
    assert not [k for k in synthesis.outputs if k.endswith("-release-commands")]
    assert not synthesis.by_type("aws:secretsmanager/secret:Secret")
