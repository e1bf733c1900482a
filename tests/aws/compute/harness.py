"""Synthesize one app's AppCompute under Pulumi mocks with fake network and data-layer refs."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pulumi
from appstack.components.aws.compute import AppCompute, AppComputeArgs
from appstack.components.aws.compute.mock_outputs import COMPUTED_OUTPUTS
from appstack.components.aws.contracts import AppDataRefs, FileSystemRefs, NetworkRefs
from appstack.components.bindings import env_entries

from appstack import mocks
from appstack.spec import AppSpec, PostgresSpec, available_attributes
from appstack.stackconfig import load_stack
from appstack.synth import Secret, Synthesis, synthesize

for _token, _compute in COMPUTED_OUTPUTS.items():
    mocks.COMPUTED_OUTPUTS.setdefault(_token, _compute)


def _call(self: mocks.AppstackMocks, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list]:
    # pulumi 3.272's MockMonitor.Invoke iterates the failures: an empty list, not None.
    handler = mocks.INVOKE_RESULTS.get(args.token)
    return (handler(dict(args.args)) if handler else {}), []


mocks.AppstackMocks.call = _call  # type: ignore[method-assign]

ACCOUNT = "123456789012"
KMS_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
WORKLOAD_SG = "sg-0workload0000000"
PRIVATE_SUBNETS = ["subnet-0private0000000a", "subnet-0private0000000b"]
PUBLIC_SUBNETS = ["subnet-0public00000000a", "subnet-0public00000000b"]
SECRET_VALUE_PREFIX = "s3cr3t-value-of-"


def secret_arn(app: str, workload: str, name: str) -> str:
    return f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{app}/{workload}/{name}-AbCdEf"


def bucket_arn(app: str, bucket: str) -> str:
    return f"arn:aws:s3:::{app}-{bucket}-bucket"


def fake_network() -> NetworkRefs:
    out = pulumi.Output.from_input
    return NetworkRefs(
        vpc_id=out("vpc-0fake000000000000"),
        vpc_cidr=out("10.0.0.0/16"),
        public_subnet_ids=[out(s) for s in PUBLIC_SUBNETS],
        private_subnet_ids=[out(s) for s in PRIVATE_SUBNETS],
        isolated_subnet_ids=[out("subnet-0isolated00000a")],
        availability_zones=["us-east-1a", "us-east-1b"],
    )


def fake_data(spec: AppSpec, missing_secrets: frozenset[str] = frozenset()) -> AppDataRefs:
    values: dict[str, pulumi.Output[str]] = {}
    for ref, attribute in available_attributes(spec).items():
        if ref.startswith("services.") or ref.startswith("app.") or ref.removeprefix("secrets.") in missing_secrets:
            continue
        value = f"{SECRET_VALUE_PREFIX}{ref}" if attribute.secret else f"value-of-{ref}"
        values[ref] = pulumi.Output.secret(value) if attribute.secret else pulumi.Output.from_input(value)
    present = {k.removeprefix("secrets.") for k in values if k.startswith("secrets.")}
    env_arns = {}
    containers = {**spec.services, **spec.workers, **spec.jobs, **spec.schedules}
    for workload, container in containers.items():
        for entry in env_entries(spec, container, present):
            if entry.secret:
                env_arns[(workload, entry.name)] = pulumi.Output.from_input(secret_arn(spec.name, workload, entry.name))
    file_systems = {}
    for service, svc in spec.services.items():
        for volume in svc.volumes:
            fs_id, ap_id = f"fs-0{service[:4]}0000", f"fsap-0{volume[:4]}00000"
            file_systems[(service, volume)] = FileSystemRefs(
                file_system_id=pulumi.Output.from_input(fs_id),
                access_point_id=pulumi.Output.from_input(ap_id),
                file_system_arn=pulumi.Output.from_input(
                    f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:file-system/{fs_id}"
                ),
                access_point_arn=pulumi.Output.from_input(
                    f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:access-point/{ap_id}"
                ),
            )
    # For RDS PostgreSQL the data layer stores the master URL and the application role's verifier for the
    # db-bootstrap job.
    admin_url_arn = verifier_arn = app_role = None
    if isinstance(spec.database, PostgresSpec):
        admin_url_arn = pulumi.Output.from_input(secret_arn(spec.name, "db-bootstrap", "DATABASE_ADMIN_URL"))
        verifier_arn = pulumi.Output.from_input(secret_arn(spec.name, "db-bootstrap", "APP_ROLE_VERIFIER"))
        app_role = f"{spec.database.username}_app"
    return AppDataRefs(
        kms_key_arn=pulumi.Output.from_input(KMS_ARN),
        workload_security_group_id=pulumi.Output.from_input(WORKLOAD_SG),
        binding_values=values,
        env_secret_arns=env_arns,
        secret_arns=list(env_arns.values()) + [a for a in (admin_url_arn, verifier_arn) if a is not None],
        bucket_arns={b: pulumi.Output.from_input(bucket_arn(spec.name, b)) for b in spec.storage},
        file_systems=file_systems,
        database_admin_url_secret_arn=admin_url_arn,
        database_app_verifier_secret_arn=verifier_arn,
        database_app_role=app_role,
    )


def synth_app(
    app: str,
    *,
    tier: str = "prod",
    overrides: dict[str, Any] | None = None,
    aws: dict[str, Any] | None = None,
    domain: str | None = "example.com",
    stack: str = "test",
    with_data_ids: bool = True,
) -> Synthesis:
    key = json.dumps([app, tier, overrides, aws, domain, stack, with_data_ids], sort_keys=True)
    return _synth(key)


@cache
def _synth(key: str) -> Synthesis:
    app, tier, overrides, aws, domain, stack, with_data_ids = json.loads(key)
    config = {"appstack:platform": "aws", "appstack:tier": tier, "appstack:apps": json.dumps({app: overrides or {}})}
    if domain:
        config["appstack:domain"] = domain
    if aws:
        config["appstack:aws"] = json.dumps(aws)

    def program() -> None:
        loaded = load_stack(stack, config.get, all_keys=sorted(config))
        spec = loaded.apps[app]
        compute = AppCompute(
            app,
            AppComputeArgs(
                spec=spec,
                settings=loaded.settings,
                stack=stack,
                network=fake_network(),
                data=fake_data(spec),
                rollout_key=pulumi.Output.secret("test-rollout-key"),
                database_instance_id="db-instance" if with_data_ids and spec.database else None,
                cache_replication_group_id="redis-group" if with_data_ids and spec.cache else None,
                cache_node_count=2,
            ),
        )
        if compute.url is not None:
            pulumi.export("url", compute.url)
        pulumi.export("migration_commands", compute.migration_commands)

    return synthesize(stack, config=config, program=program)


def unwrap(value: Any) -> Any:
    """Plain data with Secret markers removed (their values kept)."""
    if isinstance(value, Secret):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def container_definitions(synthesis: Synthesis, family_suffix: str) -> list[dict[str, Any]]:
    matches = [
        r
        for r in synthesis.by_type("aws:ecs/taskDefinition:TaskDefinition")
        if unwrap(r.inputs["family"]).endswith(f"-{family_suffix}")
    ]
    assert len(matches) == 1, [unwrap(r.inputs["family"]) for r in matches]
    return json.loads(unwrap(matches[0].inputs["containerDefinitions"]))


def task_definition(synthesis: Synthesis, family_suffix: str):
    matches = [
        r
        for r in synthesis.by_type("aws:ecs/taskDefinition:TaskDefinition")
        if unwrap(r.inputs["family"]).endswith(f"-{family_suffix}")
    ]
    assert len(matches) == 1
    return matches[0]


def resources(synthesis: Synthesis, type_token: str) -> dict[str, dict[str, Any]]:
    """name -> unwrapped inputs of every resource of one type."""
    return {r.name: unwrap(r.inputs) for r in synthesis.by_type(type_token)}


ALL_APPS = ["claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage"]
