"""Estimated monthly cost of a plan, from the dated price table in prices.json.

The estimate reads the public plan document (`appstack plan --json`), so it prices exactly what the
stack would register. Every AWS resource type is either priced here, listed as free in the table
(with the reason), or reported as unpriced: nothing is silently zero. Usage-based charges (data
transfer, requests, log volume) use the stated assumptions, which are printed with every estimate.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

APPLICATION_TYPE = "appstack:app:Application"
ENVIRONMENT = "(environment)"
PRICE_TABLE = Path(__file__).with_name("prices.json")
GP3_INCLUDED_IOPS = Decimal(12000)  # RDS gp3 from 400 GiB (appstack/provider_checks/rds_storage.py)


class CostError(ValueError):
    """The plan cannot be priced (unknown region); the message says what is supported."""


@dataclass(frozen=True)
class LineItem:
    app: str
    type: str
    name: str
    monthly: Decimal
    detail: str


@dataclass
class Estimate:
    stack: str
    region: str
    table: dict[str, Any]
    items: list[LineItem] = field(default_factory=list)
    unpriced: dict[str, int] = field(default_factory=dict)  # AWS types the table does not know

    @property
    def total(self) -> Decimal:
        return sum((item.monthly for item in self.items), Decimal(0))

    def by_app(self) -> dict[str, Decimal]:
        return _sum_by(self.items, lambda item: item.app)

    def by_type(self) -> dict[str, Decimal]:
        return _sum_by(self.items, lambda item: item.type)


def _sum_by(items: Iterable[LineItem], key: Callable[[LineItem], str]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        totals[key(item)] += item.monthly
    return dict(sorted(totals.items()))


@cache
def price_table() -> dict[str, Any]:
    return json.loads(PRICE_TABLE.read_text())


class _Pricer:
    """Prices one resource of each type; `region` is the table's entry for the stack's region."""

    def __init__(self, region: dict[str, Any], assumptions: dict[str, str], resources: list[dict[str, Any]]):
        self.p = region
        self.a = {key: Decimal(value) for key, value in assumptions.items()}
        self.hours = self.a["hours_per_month"]
        # A service's task definition is its sibling under the same workload component.
        self.task_definitions = {
            r["parent"]: r for r in resources if r["type"] == "aws:ecs/taskDefinition:TaskDefinition"
        }
        self.service_parents = {r["parent"] for r in resources if r["type"] == "aws:ecs/service:Service"}

    def price(self, resource: dict[str, Any]) -> tuple[Decimal, str] | None:
        method = PRICED.get(resource["type"])
        return None if method is None else method(self, resource["inputs"], resource)

    def _fargate_hour(self, task: dict[str, Any]) -> tuple[Decimal, str]:
        arch = (task.get("runtimePlatform") or {}).get("cpuArchitecture", "X86_64")
        vcpu, gb = Decimal(str(task["cpu"])) / 1024, Decimal(str(task["memory"])) / 1024
        rate = vcpu * Decimal(self.p["fargate_vcpu_hour"][arch]) + gb * Decimal(self.p["fargate_gb_hour"][arch])
        return rate, f"{vcpu} vCPU / {gb} GB {arch}"

    def _service_ecs(self, inputs: dict[str, Any], resource: dict[str, Any]) -> tuple[Decimal, str]:
        rate, size = self._fargate_hour(self.task_definitions[resource["parent"]]["inputs"])
        count = Decimal(inputs.get("desiredCount", 1))
        spot = spot_tasks(inputs.get("capacityProviderStrategies") or [], count)
        monthly = (count - spot * self.a["fargate_spot_discount"]) * rate * self.hours
        if spot and spot == count:
            return monthly, f"{count} x {size} Spot, 24/7"
        return monthly, f"{count} x {size}" + (f" ({spot:g} on Spot)" if spot else "") + ", 24/7"

    def _taskdefinition_ecs(self, inputs: dict[str, Any], resource: dict[str, Any]) -> tuple[Decimal, str] | None:
        if resource["parent"] in self.service_parents:
            return Decimal(0), "priced on its service"
        rate, size = self._fargate_hour(inputs)
        runs, minutes = self.a["job_runs_per_month"], self.a["job_minutes_per_run"]
        return rate * runs * minutes / 60, f"job: {runs} runs x {minutes} min of {size}"

    def _instance_rds(self, inputs: dict[str, Any], _: dict[str, Any]) -> tuple[Decimal, str] | None:
        hourly = self.p["rds_instance_hour"].get(inputs["instanceClass"])
        if hourly is None:
            return None
        copies = 2 if inputs.get("multiAz") else 1
        storage_type = inputs.get("storageType", "gp3")
        storage = Decimal(inputs.get("allocatedStorage", 20)) * Decimal(self.p["rds_storage_gb_month"][storage_type])
        iops = Decimal(0)
        if inputs.get("iops") and storage_type in ("io1", "io2"):
            iops = Decimal(inputs["iops"]) * Decimal(self.p["rds_iops_month"][storage_type])
        elif inputs.get("iops") and storage_type == "gp3":
            # gp3 from 400 GiB includes 12,000 IOPS; only those above are billed (throughput: not priced)
            billed = max(Decimal(inputs["iops"]) - GP3_INCLUDED_IOPS, Decimal(0))
            iops = billed * Decimal(self.p["rds_iops_month"]["gp3"])
        monthly = copies * (Decimal(hourly) * self.hours + storage + iops)
        azs = "Multi-AZ" if copies == 2 else "Single-AZ"
        return monthly, f"{inputs['instanceClass']} {azs}, {inputs.get('allocatedStorage', 20)} GB {storage_type}"

    def _replicationgroup_elasticache(self, inputs: dict[str, Any], _: dict[str, Any]) -> tuple[Decimal, str] | None:
        hourly = self.p["elasticache_node_hour"].get(inputs["nodeType"])
        if hourly is None:
            return None
        if inputs.get("numNodeGroups"):
            nodes = int(inputs["numNodeGroups"]) * (1 + int(inputs.get("replicasPerNodeGroup", 0)))
        else:
            nodes = int(inputs.get("numCacheClusters", 1))
        return nodes * Decimal(hourly) * self.hours, f"{nodes} x {inputs['nodeType']}"

    def _cluster_elasticache(self, inputs: dict[str, Any], _: dict[str, Any]) -> tuple[Decimal, str] | None:
        hourly = self.p["elasticache_node_hour"].get(inputs.get("nodeType", ""))
        if hourly is None:
            return None
        nodes = int(inputs.get("numCacheNodes", 1))
        return nodes * Decimal(hourly) * self.hours, f"{nodes} x {inputs['nodeType']}"

    def _loadbalancer_lb(self, inputs: dict[str, Any], _: dict[str, Any]) -> tuple[Decimal, str] | None:
        if inputs.get("loadBalancerType", "application") != "application":
            return None
        lcu = self.a["alb_lcu_baseline"]
        return self.alb_monthly(lcu), f"ALB hours + {lcu} LCU baseline"

    def alb_monthly(self, lcus: Decimal) -> Decimal:
        """One ALB for a month, carrying `lcus` LCUs all the time."""
        return (Decimal(self.p["alb_hour"]) + lcus * Decimal(self.p["alb_lcu_hour"])) * self.hours

    def _natgateway_ec2(self, inputs: dict[str, Any], _: dict[str, Any]) -> tuple[Decimal, str]:
        gb = self.a["nat_gateway_gb_month"]
        monthly = Decimal(self.p["nat_gateway_hour"]) * self.hours + gb * Decimal(self.p["nat_gateway_gb"])
        return monthly, f"hours + {gb} GB processed"

    def _eip_ec2(self, inputs: dict[str, Any], _: dict[str, Any]) -> tuple[Decimal, str]:
        return Decimal(self.p["public_ipv4_hour"]) * self.hours, "public IPv4 address"

    def _vpcendpoint_ec2(self, inputs: dict[str, Any], _: dict[str, Any]) -> tuple[Decimal, str]:
        if inputs.get("vpcEndpointType", "Gateway") != "Interface":
            return Decimal(0), "gateway endpoint (free)"
        azs = len(inputs.get("subnetIds") or [])
        return azs * Decimal(self.p["interface_endpoint_az_hour"]) * self.hours, f"interface endpoint in {azs} AZs"

    def _flat(self, key: str, detail: str) -> tuple[Decimal, str]:
        return Decimal(self.p[key]), detail

    def _secret_secretsmanager(self, *_: Any) -> tuple[Decimal, str]:
        return self._flat("secret_month", "secret")

    def _key_kms(self, *_: Any) -> tuple[Decimal, str]:
        return self._flat("kms_key_month", "customer-managed key")

    def _metricalarm_cloudwatch(self, *_: Any) -> tuple[Decimal, str]:
        return self._flat("alarm_month", "standard-resolution alarm")

    def _dashboard_cloudwatch(self, *_: Any) -> tuple[Decimal, str]:
        return self._flat("dashboard_month", "dashboard")

    def _volume(self, gb_key: str, price_key: str, what: str) -> tuple[Decimal, str]:
        gb = self.a[gb_key]
        return gb * Decimal(self.p[price_key]), f"{gb} GB {what}"

    def _loggroup_cloudwatch(self, *_: Any) -> tuple[Decimal, str]:
        gb = self.a["log_group_gb_month"]
        price = Decimal(self.p["logs_ingest_gb"]) + Decimal(self.p["logs_storage_gb_month"])
        return gb * price, f"{gb} GB ingested and kept"

    def _flowlog_ec2(self, *_: Any) -> tuple[Decimal, str]:
        return self._volume("flow_log_gb_month", "logs_ingest_gb", "of flow logs")

    def _bucket_s3(self, *_: Any) -> tuple[Decimal, str]:
        return self._volume("s3_bucket_gb", "s3_standard_gb_month", "S3 Standard")

    def _filesystem_efs(self, *_: Any) -> tuple[Decimal, str]:
        return self._volume("efs_gb", "efs_standard_gb_month", "EFS Standard")

    def _repository_ecr(self, *_: Any) -> tuple[Decimal, str]:
        return self._volume("ecr_repository_gb", "ecr_gb_month", "of images")

    def _workspace_amp(self, *_: Any) -> tuple[Decimal, str]:
        samples = self.a["amp_samples_month"]
        return samples / 10_000_000 * Decimal(self.p["amp_10m_samples"]), f"{samples} samples ingested"

    def _distribution_cloudfront(self, *_: Any) -> tuple[Decimal, str]:
        gb, requests = self.a["cloudfront_gb_month"], self.a["cloudfront_requests_month"]
        monthly = gb * Decimal(self.p["cloudfront_gb"]) + requests / 10000 * Decimal(
            self.p["cloudfront_10k_https_requests"]
        )
        return monthly, f"{gb} GB out + {requests} HTTPS requests"


PRICED: dict[str, Callable[..., tuple[Decimal, str] | None]] = {
    "aws:ecs/service:Service": _Pricer._service_ecs,
    "aws:ecs/taskDefinition:TaskDefinition": _Pricer._taskdefinition_ecs,
    "aws:rds/instance:Instance": _Pricer._instance_rds,
    "aws:elasticache/replicationGroup:ReplicationGroup": _Pricer._replicationgroup_elasticache,
    "aws:elasticache/cluster:Cluster": _Pricer._cluster_elasticache,
    "aws:lb/loadBalancer:LoadBalancer": _Pricer._loadbalancer_lb,
    "aws:alb/loadBalancer:LoadBalancer": _Pricer._loadbalancer_lb,
    "aws:ec2/natGateway:NatGateway": _Pricer._natgateway_ec2,
    "aws:ec2/eip:Eip": _Pricer._eip_ec2,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _Pricer._vpcendpoint_ec2,
    "aws:secretsmanager/secret:Secret": _Pricer._secret_secretsmanager,
    "aws:kms/key:Key": _Pricer._key_kms,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _Pricer._metricalarm_cloudwatch,
    "aws:cloudwatch/dashboard:Dashboard": _Pricer._dashboard_cloudwatch,
    "aws:cloudwatch/logGroup:LogGroup": _Pricer._loggroup_cloudwatch,
    "aws:ec2/flowLog:FlowLog": _Pricer._flowlog_ec2,
    "aws:s3/bucket:Bucket": _Pricer._bucket_s3,
    "aws:s3/bucketV2:BucketV2": _Pricer._bucket_s3,
    "aws:efs/fileSystem:FileSystem": _Pricer._filesystem_efs,
    "aws:ecr/repository:Repository": _Pricer._repository_ecr,
    "aws:cloudfront/distribution:Distribution": _Pricer._distribution_cloudfront,
    "aws:amp/workspace:Workspace": _Pricer._workspace_amp,
}


def spot_tasks(strategy: list[dict[str, Any]], count: Decimal) -> Decimal:
    """How many of `count` tasks a capacity provider strategy places on FARGATE_SPOT: the base first on its
    provider, the rest split by weight (ECS's placement, as an expectation)."""
    if not strategy:
        return Decimal(0)
    spot = Decimal(0)
    rest = count
    for item in strategy:
        base = min(Decimal(item.get("base", 0)), rest)
        rest -= base
        if item["capacityProvider"] == "FARGATE_SPOT":
            spot += base
    weights = sum(Decimal(item.get("weight", 0)) for item in strategy)
    if weights:
        spot_weight = sum(Decimal(i.get("weight", 0)) for i in strategy if i["capacityProvider"] == "FARGATE_SPOT")
        spot += rest * spot_weight / weights
    return spot


def _app_names(resources: list[dict[str, Any]]) -> dict[str, str]:
    by_urn = {r["urn"]: r for r in resources}
    apps: dict[str, str] = {}
    for resource in resources:
        current: dict[str, Any] | None = resource
        while current is not None and current["type"] != APPLICATION_TYPE:
            current = by_urn.get(current["parent"]) if current.get("parent") else None
        apps[resource["urn"]] = current["name"] if current is not None else ENVIRONMENT
    return apps


def estimate(plan: dict[str, Any], region: str) -> Estimate:
    """Price every resource of a plan document in `region` (a region of the price table)."""
    table = price_table()
    if region not in table["regions"]:
        supported = ", ".join(sorted(table["regions"]))
        raise CostError(f"no prices for region {region!r} in the price table of {table['as_of']} ({supported})")
    resources = plan["resources"]
    pricer = _Pricer(table["regions"][region], table["assumptions"], resources)
    apps = _app_names(resources)
    result = Estimate(stack=plan["stack"], region=region, table=table)
    unpriced: dict[str, int] = defaultdict(int)
    for resource in resources:
        kind = resource["type"]
        if not resource.get("custom") or not kind.startswith(("aws:", "docker:", "random:")):
            continue
        if kind in table["free"]:
            continue
        priced = pricer.price(resource)
        if priced is None:
            unpriced[kind] += 1
            continue
        monthly, detail = priced
        result.items.append(LineItem(apps[resource["urn"]], kind, resource["name"], monthly, detail))
    result.unpriced = dict(sorted(unpriced.items()))
    return result


def shared_load_balancer_projection(per_app: Estimate) -> Estimate:
    """The same plan with one environment-wide ALB instead of one per app (the shared-environment layout).

    Each app keeps its LCU baseline (LCUs follow traffic, which does not change); only the per-ALB
    hours are paid once. Everything else, availability included, is the same plan's.
    """
    albs = [item for item in per_app.items if item.type in SHARED_LB_TYPES]
    if len(albs) <= 1:
        return per_app
    pricer = _Pricer(per_app.table["regions"][per_app.region], per_app.table["assumptions"], [])
    lcu = pricer.a["alb_lcu_baseline"]
    shared = pricer.alb_monthly(len(albs) * lcu)
    items = [item for item in per_app.items if item.type not in SHARED_LB_TYPES]
    detail = f"one ALB for {len(albs)} apps: hours + {len(albs) * lcu} LCU baseline"
    items.append(LineItem(ENVIRONMENT, "aws:lb/loadBalancer:LoadBalancer", "shared", shared, detail))
    return Estimate(per_app.stack, per_app.region, per_app.table, items, dict(per_app.unpriced))


def combined(estimates: list[Estimate], stack: str) -> Estimate:
    """Several stacks' estimates as one (an environment stack and its app stacks): every line kept."""
    first = estimates[0]
    unpriced: dict[str, int] = defaultdict(int)
    for part in estimates:
        for kind, count in part.unpriced.items():
            unpriced[kind] += count
    items = [item for part in estimates for item in part.items]
    return Estimate(stack, first.region, first.table, items, dict(sorted(unpriced.items())))


SHARED_LB_TYPES = frozenset({"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"})
