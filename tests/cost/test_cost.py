"""appstack cost: each priced type against a hand-computed figure, the table's coverage, the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from appstack.cli import main
from appstack.cost import CostError, estimate, price_table, shared_load_balancer_projection
from appstack.cost.render import cost_document, money
from appstack.plan import plan_document
from components.aws import postgres, redis
from tests.conftest import synth_stack

APP_URN = "urn:pulumi:prod::appstack::appstack:app:Application::shop"
WORKLOAD_URN = "urn:pulumi:prod::appstack::appstack:aws:EcsWorkload::shop-web"


def resource(kind: str, name: str, inputs: dict[str, Any], parent: str | None = WORKLOAD_URN) -> dict[str, Any]:
    return {"urn": f"urn:{kind}::{name}", "type": kind, "name": name, "custom": True, "parent": parent,
            "inputs": inputs, "dependencies": [], "options": {}}


def components() -> list[dict[str, Any]]:
    app = {"urn": APP_URN, "type": "appstack:app:Application", "name": "shop", "custom": False, "parent": None,
           "inputs": {}, "dependencies": [], "options": {}}
    workload = {"urn": WORKLOAD_URN, "type": "appstack:aws:EcsWorkload", "name": "shop-web", "custom": False,
                "parent": APP_URN, "inputs": {}, "dependencies": [], "options": {}}
    return [app, workload]


def task_definition(cpu: str = "512", memory: str = "1024", arch: str = "X86_64", parent: str = WORKLOAD_URN):
    return resource("aws:ecs/taskDefinition:TaskDefinition", "shop-web", {
        "cpu": cpu, "memory": memory, "runtimePlatform": {"cpuArchitecture": arch}}, parent)


def service(count: int = 2, provider: str = "FARGATE"):
    return resource("aws:ecs/service:Service", "shop-web", {
        "desiredCount": count, "capacityProviderStrategies": [{"capacityProvider": provider, "weight": 1}]})


def plan(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"stack": "prod", "platform": "aws", "resources": components() + list(resources)}


def priced(region: str, *resources: dict[str, Any]) -> dict[str, str]:
    return {item.type: money(item.monthly) for item in estimate(plan(*resources), region).items}


# Hand-computed: 730 hours; us-east-1 unless named.
CASES = [
    # 2 x 730 x (0.5 x 0.04048 + 1 x 0.004445) = 36.0401
    ("fargate service", "us-east-1", [task_definition(), service()], "aws:ecs/service:Service", "36.04"),
    # ARM64: 2 x 730 x (0.5 x 0.03238 + 1 x 0.00356) = 28.835
    ("fargate arm64", "us-east-1", [task_definition(arch="ARM64"), service()], "aws:ecs/service:Service", "28.84"),
    # Spot: 36.0401 x 0.30 = 10.81203
    ("fargate spot", "us-east-1", [task_definition(), service(provider="FARGATE_SPOT")], "aws:ecs/service:Service", "10.81"),
    # job: 30 runs x 10 min of 0.25 vCPU / 0.5 GB = 5 h x 0.0123425
    ("release job", "us-east-1", [task_definition("256", "512", parent="urn:job")], "aws:ecs/taskDefinition:TaskDefinition", "0.06"),
    # Multi-AZ db.t4g.small, 20 GB gp3: 2 x (0.032 x 730 + 20 x 0.115) = 51.32
    ("rds multi-az", "us-east-1", [resource("aws:rds/instance:Instance", "db", {"instanceClass": "db.t4g.small", "multiAz": True, "allocatedStorage": 20, "storageType": "gp3"})], "aws:rds/instance:Instance", "51.32"),
    # Single-AZ eu-west-1: 0.036 x 730 + 50 x 0.127 = 32.63
    ("rds eu-west-1", "eu-west-1", [resource("aws:rds/instance:Instance", "db", {"instanceClass": "db.t4g.small", "allocatedStorage": 50})], "aws:rds/instance:Instance", "32.63"),
    # io1 1000 IOPS, 100 GB: 0.065 x 730 + 100 x 0.125 + 1000 x 0.10 = 159.95
    ("rds io1", "us-east-1", [resource("aws:rds/instance:Instance", "db", {"instanceClass": "db.t4g.medium", "allocatedStorage": 100, "storageType": "io1", "iops": 1000})], "aws:rds/instance:Instance", "159.95"),
    # gp3 400 GB with 16000 IOPS: 0.065 x 730 + 400 x 0.115 + (16000 - 12000 included) x 0.02 = 173.45
    ("rds gp3 provisioned", "us-east-1", [resource("aws:rds/instance:Instance", "db", {"instanceClass": "db.t4g.medium", "allocatedStorage": 400, "storageType": "gp3", "iops": 16000, "storageThroughput": 1000})], "aws:rds/instance:Instance", "173.45"),
    # io2 4000 IOPS, 200 GB, Multi-AZ: 2 x (0.065 x 730 + 200 x 0.125 + 4000 x 0.10) = 944.90
    ("rds io2 multi-az", "us-east-1", [resource("aws:rds/instance:Instance", "db", {"instanceClass": "db.t4g.medium", "multiAz": True, "allocatedStorage": 200, "storageType": "io2", "iops": 4000})], "aws:rds/instance:Instance", "944.90"),
    # mix, 4 tasks: base 1 on FARGATE, 3 split 1:2 -> 2 on Spot: (4 - 2 x 0.70) x 730 x 0.024685 = 46.85213
    ("fargate mix", "us-east-1", [task_definition(), resource("aws:ecs/service:Service", "shop-web", {
        "desiredCount": 4, "capacityProviderStrategies": [{"capacityProvider": "FARGATE", "weight": 1, "base": 1},
                                                          {"capacityProvider": "FARGATE_SPOT", "weight": 2}]})],
     "aws:ecs/service:Service", "46.85"),
    # 2 x cache.t4g.medium: 2 x 0.065 x 730 = 94.90
    ("redis replication group", "us-east-1", [resource("aws:elasticache/replicationGroup:ReplicationGroup", "r", {"nodeType": "cache.t4g.medium", "numCacheClusters": 2})], "aws:elasticache/replicationGroup:ReplicationGroup", "94.90"),
    # cluster mode: 3 shards x (1 + 1 replica) x 0.158 x 730 = 692.04
    ("redis cluster mode", "us-east-1", [resource("aws:elasticache/replicationGroup:ReplicationGroup", "r", {"nodeType": "cache.m7g.large", "numNodeGroups": 3, "replicasPerNodeGroup": 1})], "aws:elasticache/replicationGroup:ReplicationGroup", "692.04"),
    ("elasticache cluster", "us-east-1", [resource("aws:elasticache/cluster:Cluster", "c", {"nodeType": "cache.t4g.micro", "numCacheNodes": 1})], "aws:elasticache/cluster:Cluster", "11.68"),
    # (0.0225 + 1 x 0.008) x 730 = 22.265
    ("alb", "us-east-1", [resource("aws:lb/loadBalancer:LoadBalancer", "lb", {"loadBalancerType": "application"})], "aws:lb/loadBalancer:LoadBalancer", "22.27"),
    # (0.0252 + 0.008) x 730 = 24.236
    ("alb eu-west-1", "eu-west-1", [resource("aws:alb/loadBalancer:LoadBalancer", "lb", {})], "aws:alb/loadBalancer:LoadBalancer", "24.24"),
    # 0.045 x 730 + 10 GB x 0.045 = 33.30
    ("nat gateway", "us-east-1", [resource("aws:ec2/natGateway:NatGateway", "nat", {})], "aws:ec2/natGateway:NatGateway", "33.30"),
    ("public ipv4", "us-east-1", [resource("aws:ec2/eip:Eip", "ip", {})], "aws:ec2/eip:Eip", "3.65"),
    # 3 AZs x 0.01 x 730 = 21.90
    ("interface endpoint", "us-east-1", [resource("aws:ec2/vpcEndpoint:VpcEndpoint", "e", {"vpcEndpointType": "Interface", "subnetIds": ["a", "b", "c"]})], "aws:ec2/vpcEndpoint:VpcEndpoint", "21.90"),
    ("gateway endpoint", "us-east-1", [resource("aws:ec2/vpcEndpoint:VpcEndpoint", "e", {"vpcEndpointType": "Gateway"})], "aws:ec2/vpcEndpoint:VpcEndpoint", "0.00"),
    ("secret", "us-east-1", [resource("aws:secretsmanager/secret:Secret", "s", {})], "aws:secretsmanager/secret:Secret", "0.40"),
    ("kms key", "us-east-1", [resource("aws:kms/key:Key", "k", {})], "aws:kms/key:Key", "1.00"),
    ("alarm", "us-east-1", [resource("aws:cloudwatch/metricAlarm:MetricAlarm", "a", {})], "aws:cloudwatch/metricAlarm:MetricAlarm", "0.10"),
    ("dashboard", "us-east-1", [resource("aws:cloudwatch/dashboard:Dashboard", "d", {})], "aws:cloudwatch/dashboard:Dashboard", "3.00"),
    # 1 GB x (0.57 + 0.03)
    ("log group eu-west-1", "eu-west-1", [resource("aws:cloudwatch/logGroup:LogGroup", "l", {})], "aws:cloudwatch/logGroup:LogGroup", "0.60"),
    ("flow log", "us-east-1", [resource("aws:ec2/flowLog:FlowLog", "f", {})], "aws:ec2/flowLog:FlowLog", "2.50"),
    ("bucket", "us-east-1", [resource("aws:s3/bucketV2:BucketV2", "b", {})], "aws:s3/bucketV2:BucketV2", "0.23"),
    ("efs", "eu-west-1", [resource("aws:efs/fileSystem:FileSystem", "f", {})], "aws:efs/fileSystem:FileSystem", "1.65"),
    ("ecr", "us-east-1", [resource("aws:ecr/repository:Repository", "r", {})], "aws:ecr/repository:Repository", "0.10"),
    # 100M samples x 0.90 / 10M
    ("managed prometheus", "eu-west-1", [resource("aws:amp/workspace:Workspace", "w", {})], "aws:amp/workspace:Workspace", "9.00"),
    # 50 GB x 0.085 + 100 x 0.01
    ("cloudfront", "us-east-1", [resource("aws:cloudfront/distribution:Distribution", "c", {})], "aws:cloudfront/distribution:Distribution", "5.25"),
]


@pytest.mark.parametrize(("case", "region", "resources", "kind", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_priced_type_matches_its_hand_computed_figure(case, region, resources, kind, expected):
    assert priced(region, *resources)[kind] == expected


def test_a_service_task_definition_is_priced_once_on_its_service():
    result = estimate(plan(task_definition(), service()), "us-east-1")
    assert [(i.type, money(i.monthly)) for i in result.items] == [
        ("aws:ecs/taskDefinition:TaskDefinition", "0.00"), ("aws:ecs/service:Service", "36.04")]
    assert result.by_app() == {"shop": Decimal("36.0401")}


def test_resources_outside_an_app_belong_to_the_environment():
    result = estimate(plan(resource("aws:ec2/natGateway:NatGateway", "nat", {}, parent=None)), "us-east-1")
    assert {app: money(total) for app, total in result.by_app().items()} == {"(environment)": "33.30"}


def test_unknown_types_and_sizes_are_reported_never_silently_free():
    result = estimate(plan(
        resource("aws:rds/cluster:Cluster", "aurora", {}),
        resource("aws:rds/instance:Instance", "db", {"instanceClass": "db.x2iedn.32xlarge"}),
        resource("aws:lb/loadBalancer:LoadBalancer", "nlb", {"loadBalancerType": "network"}),
        resource("aws:iam/role:Role", "r", {}),
    ), "us-east-1")
    assert result.items == []
    assert result.unpriced == {"aws:lb/loadBalancer:LoadBalancer": 1, "aws:rds/cluster:Cluster": 1,
                               "aws:rds/instance:Instance": 1}


def test_an_unknown_region_is_an_error_naming_the_supported_ones():
    with pytest.raises(CostError, match=r"no prices for region 'ap-south-2' in the price table of 2026-12-01 \(eu-west-1, us-east-1\)"):
        estimate(plan(), "ap-south-2")


def test_the_price_table_is_dated_and_every_region_prices_every_size_appstack_can_choose():
    table = price_table()
    assert (table["version"], table["as_of"], table["currency"]) == (1, "2026-12-01", "USD")
    regions = table["regions"]
    assert set(regions) == {"us-east-1", "eu-west-1"}
    assert {k: sorted(v) if isinstance(v, dict) else None for k, v in regions["us-east-1"].items()} == {
        k: sorted(v) if isinstance(v, dict) else None for k, v in regions["eu-west-1"].items()}
    for region in regions.values():
        assert {name for name, *_ in postgres.INSTANCE_CLASSES} <= set(region["rds_instance_hour"])
        assert {name for name, _ in redis.NODE_TYPES} <= set(region["elasticache_node_hour"])


def test_every_aws_type_of_the_shipped_prod_plan_is_priced_or_free():
    synthesis = synth_stack("prod")
    document = plan_document(synthesis, synthesis.model)
    result = estimate(document, "us-east-1")
    assert result.unpriced == {}
    table = price_table()
    aws_types = {r["type"] for r in document["resources"] if r["custom"] and not r["type"].startswith("pulumi:")}
    assert aws_types <= {item.type for item in result.items} | set(table["free"])
    apps = result.by_app()
    assert sorted(apps) == ["(environment)", "claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage"]
    assert all(total > 0 for total in apps.values())
    # Five Multi-AZ databases and 12 always-on services (Sparkle's two exporters among them): the two
    # largest lines of the bill.
    counts = {kind: sum(1 for i in result.items if i.type == kind) for kind in result.by_type()}
    assert (counts["aws:rds/instance:Instance"], counts["aws:ecs/service:Service"]) == (5, 12)


def test_one_shared_alb_saves_the_hours_of_every_other_alb():
    albs = [resource("aws:lb/loadBalancer:LoadBalancer", f"lb{i}", {}) for i in range(5)]
    per_app = estimate(plan(*albs), "us-east-1")
    shared = shared_load_balancer_projection(per_app)
    # 5 x 22.265 = 111.325; shared: (0.0225 + 5 x 0.008) x 730 = 45.625; saves 4 x 0.0225 x 730 = 65.70
    assert (money(per_app.total), money(shared.total)) == ("111.33", "45.63")
    assert per_app.total - shared.total == Decimal("65.7000")
    assert [(i.app, i.name) for i in shared.items] == [("(environment)", "shared")]


def test_cost_cli_json_and_errors(capsys):
    assert main(["cost", "prod", "--region", "eu-west-1", "--json", "-"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["format"], document["region"], document["price_table"]["as_of"]) == (
        "appstack.cost/v1", "eu-west-1", "2026-12-01")
    # Each figure is rounded to the cent on its own: the parts may differ from the total by a cent each.
    assert abs(Decimal(document["total"]) - sum(Decimal(v) for v in document["apps"].values())) <= Decimal("0.06")
    assert document["unpriced"] == {}
    assert main(["cost", "prod", "--region", "mars-1"]) == 2
    assert "no prices for region 'mars-1'" in capsys.readouterr().err
    assert main(["cost", "dev"]) == 0
    assert "runs on Kubernetes" in capsys.readouterr().err
    assert main(["cost", "nope"]) == 2


def test_cost_document_is_deterministic():
    result = estimate(plan(task_definition(), service(), resource("aws:kms/key:Key", "k", {})), "us-east-1")
    assert cost_document(result) == cost_document(estimate(plan(task_definition(), service(), resource("aws:kms/key:Key", "k", {})), "us-east-1"))
    assert cost_document(result)["total"] == "37.04"


def test_readme_states_the_current_prod_figures_of_both_layouts():
    from pathlib import Path

    from benchmarks.bench import SPLITS, split_estimate

    synthesis = synth_stack("prod")
    per_app = estimate(plan_document(synthesis, synthesis.model), "us-east-1")
    shared = split_estimate(SPLITS["prod"], "us-east-1")  # the planned split: prod-env + five app stacks
    assert shared.unpriced == {} and per_app.total - shared.total > 0
    # Four ALBs fewer; the environment adds one alarm topic key and the split keeps every app's data layer.
    albs = [i for i in shared.items if i.type == "aws:lb/loadBalancer:LoadBalancer"]
    assert [(i.app, i.name) for i in albs] == [("(environment)", "aws-shared-edge")]
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"**{money(per_app.total)} USD** per-app, **{money(shared.total)} USD** shared" in readme
