"""Every example of docs/components.md plans under the mock runtime with zero provider-check findings."""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path

import pydantic
import pytest

from appstack.provider_checks import check
from appstack.synth import Synthesis, reveal, synthesize

DOC = Path(__file__).resolve().parents[2] / "docs" / "components.md"
# (heading, code) of every section with an example; a section without one (Kubernetes buckets) is skipped
EXAMPLES = re.findall(r"^### ([^\n]+)\n(?:(?!^##).)*?```python\n(.*?)```", DOC.read_text(), re.S | re.M)
HEADINGS = ["PostgreSQL", "Redis", "A web service", "RDS PostgreSQL", "ElastiCache Redis", "A private bucket",
            "A web service on ECS Fargate"]
# example -> (component resources by type, number of cloud/cluster resources)
EXPECTED = {
    0: ({"appstack:kubernetes:Postgres": 1}, 7),
    1: ({"appstack:kubernetes:Redis": 1}, 6),  # with its redis.conf ConfigMap
    2: ({"appstack:kubernetes:Postgres": 1, "appstack:kubernetes:Workload": 1,
         "appstack:kubernetes:ServiceExposure": 1}, 11),
    3: ({"appstack:aws:Postgres": 1}, 8),  # with the application role's password and its salt
    4: ({"appstack:aws:Redis": 1}, 5),
    5: ({"appstack:aws:Bucket": 1}, 7),
    6: ({"appstack:aws:EcsWorkload": 1}, 9),
}


@functools.cache
def _plan(index: int) -> Synthesis:
    code = EXAMPLES[index][1]
    return synthesize("prod", config={}, program=lambda: exec(code, {}))  # noqa: S102 - our own docs


def test_the_doc_has_one_example_per_component_and_platform():
    assert [heading for heading, _ in EXAMPLES] == HEADINGS


@pytest.mark.parametrize("index", range(len(HEADINGS)), ids=HEADINGS)
def test_each_example_plans_with_zero_findings(index):
    synthesis = _plan(index)
    components, custom = EXPECTED[index]
    assert dict(Counter(r.type for r in synthesis.resources if not r.custom)) == components
    assert sum(r.custom for r in synthesis.resources) == custom
    assert check(synthesis) == []


def test_kubernetes_examples_keep_secrets_out_of_plain_env_and_protect_prod_volumes():
    synthesis = _plan(2)
    deployment = synthesis.named("shop-web", "kubernetes:apps/v1:Deployment").inputs
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["LOG_LEVEL"] == {"name": "LOG_LEVEL", "value": "info"}
    assert env["DATABASE_URL"] == {"name": "DATABASE_URL",
                                   "valueFrom": {"secretKeyRef": {"name": "web-env", "key": "DATABASE_URL"}}}
    assert (container["image"], deployment["spec"]["replicas"]) == ("ghcr.io/acme/shop:1.4.2", 3)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    secret = synthesis.named("shop-web-env", "kubernetes:core/v1:Secret").inputs
    assert reveal(secret["stringData"])["DATABASE_URL"].startswith("postgresql://app:")
    assert synthesis.named("shop-postgres", "kubernetes:apps/v1:StatefulSet").options["protect"] is True  # prod
    redis = _plan(1)  # dev tier: not protected
    assert redis.named("shop-redis", "kubernetes:apps/v1:StatefulSet").options["protect"] is False


def test_aws_examples_take_the_tier_defaults_and_the_callers_network():
    rds = _plan(3).named("shop-postgres", "aws:rds/instance:Instance")
    assert (rds.inputs["multiAz"], rds.inputs["deletionProtection"], rds.inputs["backupRetentionPeriod"]) == (
        True, True, 7)
    assert (rds.inputs["instanceClass"], rds.inputs["vpcSecurityGroupIds"]) == (
        "db.t4g.large", ["sg-0a1b2c3d4e5f60001"])  # 2 vCPU, 8 GiB
    assert rds.options["protect"] is True
    redis = _plan(4).named("shop-redis", "aws:elasticache/replicationGroup:ReplicationGroup")
    assert (redis.inputs["numCacheClusters"], redis.inputs["transitEncryptionEnabled"]) == (1, True)  # dev tier
    bucket = _plan(5)
    assert len(bucket.by_type("aws:s3/bucketVersioning:BucketVersioning")) == 1  # prod: versioned
    ecs = _plan(6)
    task = ecs.named("shop-web", "aws:ecs/taskDefinition:TaskDefinition").inputs
    (container,) = json.loads(task["containerDefinitions"])
    assert container["secrets"] == [{"name": "DATABASE_URL", "valueFrom":
                                     "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/db-AbCdEf"}]
    assert container["environment"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert container["image"] == "ghcr.io/acme/shop:1.4.2" and container["readonlyRootFilesystem"] is True
    service = ecs.named("shop-web", "aws:ecs/service:Service").inputs
    assert service["networkConfiguration"]["subnets"] == ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"]
    assert service["networkConfiguration"]["assignPublicIp"] is False


def test_typed_args_reject_invalid_values_before_anything_is_registered():
    from appstack.spec import PostgresSpec, ServiceSpec

    with pytest.raises(pydantic.ValidationError, match="version"):
        PostgresSpec(engine="postgres", version="12", database="shop")
    with pytest.raises(pydantic.ValidationError, match="port"):
        ServiceSpec(image="app", port=70000)


def test_postgres_defaults_are_normalized_like_given_values():
    # The defaults size the RDS class; unnormalized ("1" read as 1 millicore, "2Gi" not parsable) they broke it.
    from appstack.spec import PostgresSpec

    spec = PostgresSpec(engine="postgres", version="16", database="shop")
    assert (spec.cpu, spec.memory) == ("1000m", "2048Mi")
    assert PostgresSpec(engine="postgres", version="16", database="shop", cpu=1, memory="2Gi") == spec


def test_standalone_aws_components_refuse_rds_storage_and_spot_mixes_load_stack_refuses():
    from appstack.components.standalone.aws import (
        AwsTarget,
        EcsServiceArgs,
        LoadBalancerAttachment,
        PostgresDatabaseArgs,
        ecs_service,
        postgres,
    )

    from appstack.errors import ConfigError
    from appstack.spec import PostgresSpec, ServiceSpec

    target = AwsTarget(app="shop", tier="prod", kms_key_arn="arn:aws:kms:us-east-1:111122223333:key/k")
    spec = PostgresSpec(engine="postgres", version="16", database="shop", storage_type="io1", iops=1000)
    with pytest.raises(ConfigError) as error:
        postgres("shop-postgres", PostgresDatabaseArgs(target, spec, subnet_ids=[], security_group_id="sg-1"))
    assert [(p.path, p.message) for p in error.value.problems] == [
        ("spec.storage_gb", "io1 needs at least 100 GiB (got 20) "
         "[https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html]")]
    service = ServiceSpec(image="app", port=8000, capacity_providers=[{"provider": "FARGATE_SPOT"}])
    args = EcsServiceArgs(target, service="web", image="ghcr.io/acme/shop:1.4.2", spec=service, vpc_id="vpc-1",
                          private_subnet_ids=[], task_security_group_id="sg-1", cluster_name="shop-prod",
                          cluster_arn="arn:aws:ecs:us-east-1:111122223333:cluster/shop-prod", namespace_id="ns-1",
                          load_balancer=LoadBalancerAttachment("sg-2", "arn:tg", "app/x/y"))
    with pytest.raises(ConfigError) as error:
        ecs_service("shop-web", args)
    assert [p.path for p in error.value.problems] == ["spec.capacity_providers"]
