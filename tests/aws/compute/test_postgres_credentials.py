"""The shipped prod stack: which task definitions reference which PostgreSQL secrets. The master
credential reaches only the db-bootstrap task; every other task connects as the application role."""

from __future__ import annotations

import json

import pulumi
import pytest
from appstack.components.aws.mock_outputs import _secret

from appstack.synth import reveal
from tests.conftest import synth_config, synth_stack

# The blueprints' (and Pulumi.prod.yaml's, for elizabeth) database username, plus `_app`.
APP_ROLES = {"claude-relay": "claude_app_app", "elizabeth": "elizabeth_app", "small-squaretable": "sillytavern_app",
             "sparkle": "sparkle_app", "zmage": "zmage_app"}
RDS_APPS = sorted(APP_ROLES)
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def secret_arn(name: str) -> str:
    return _secret(name, {})["arn"]


def references() -> dict[str, set[str]]:
    """Task definition resource name -> every secret ARN its containers read."""
    found = {}
    for resource in synth_stack("prod").by_type(TASK_DEFINITION):
        containers = json.loads(reveal(resource.inputs["containerDefinitions"]))
        found[resource.name] = {s["valueFrom"] for c in containers for s in c.get("secrets", [])}
    return found


@pytest.mark.parametrize("app", RDS_APPS)
def test_only_the_bootstrap_task_reads_the_master_url_and_the_verifier(app):
    admin, verifier = secret_arn(f"{app}-database-admin-url"), secret_arn(f"{app}-database-app-verifier")
    tasks = references()
    assert tasks[f"{app}-job-db-bootstrap"] == {admin, verifier}
    assert sorted(name for name, arns in tasks.items() if admin in arns or verifier in arns) == [
        f"{app}-job-db-bootstrap"
    ]


@pytest.mark.parametrize("app", RDS_APPS)
def test_every_stored_connection_value_is_the_application_roles(app):
    synthesis = synth_stack("prod")
    master = reveal(next(r for r in synthesis.by_type("aws:rds/instance:Instance")
                         if r.inputs["identifier"] == f"prod-{app}").inputs["password"])
    versions = {v.name: reveal(v.inputs["secretString"])
                for v in synthesis.by_type("aws:secretsmanager/secretVersion:SecretVersion")}
    assert [name for name, value in versions.items() if master in value] == [f"{app}-database-admin-url"]
    role = APP_ROLES[app]
    urls = {name: value for name, value in versions.items() if name.startswith(f"{app}-")
            and value.startswith("postgresql://") and name != f"{app}-database-admin-url"}
    assert urls, app
    for name, url in urls.items():
        assert url.startswith(f"postgresql://{role}:"), (name, url.split(":")[1])


@pytest.mark.parametrize("secret", ["DATABASE_ADMIN_URL", "DATABASE_APP_VERIFIER"])
def test_a_declared_secret_cannot_take_the_name_of_a_bootstrap_secret(secret):
    with pytest.raises(pulumi.RunError) as error:
        synth_config(platform="aws", apps={"zmage": {"secrets": {secret: {"source": "generated"}}}})
    slug = secret.lower().replace("_", "-")
    assert str(error.value).splitlines()[1] == (
        f"  - apps.zmage.database: its Secrets Manager secret is named like that of secrets.{secret} "
        f"('<app>-{slug}'); rename one"
    )
