"""Spec fields for AWS (issue 12): extra task-role statements, RDS storage, the ECS capacity provider mix.

One prod stack of Zmage with every field set, synthesized once: the exact inputs they render, zero provider
findings and zero mandatory violations; then what an override that goes around the spec meets.
"""

from __future__ import annotations

import copy
import io
import json
from decimal import Decimal
from functools import cache

from appstack.cost import estimate
from appstack.plan import plan_document
from appstack.policy_check import run_policies
from appstack.provider_checks import check
from appstack.synth import Synthesis, reveal
from tests.conftest import synth_config

QUEUE = "arn:aws:sqs:us-east-1:123456789012:zmage-jobs"
SEND = {"actions": ["sqs:SendMessage", "sqs:GetQueueUrl"], "resources": [QUEUE]}
RECEIVE = {"actions": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "resources": [QUEUE],
           "condition": {"Bool": {"aws:SecureTransport": True}}}
MIX = [{"provider": "FARGATE", "base": 1}, {"provider": "FARGATE_SPOT", "weight": 3}]
ZMAGE = {
    "services": {"web": {"iam_statements": [SEND], "capacity_providers": MIX}},
    "workers": {"worker": {"iam_statements": [RECEIVE, {"effect": "Deny", "actions": ["sqs:Purge*"],
                                                        "resources": ["*"]}],
                           "capacity_providers": [{"provider": "FARGATE_SPOT"}]}},
    "jobs": {"db-migrate": {"iam_statements": [{"actions": ["ses:SendEmail"],
                                                "resources": ["arn:aws:ses:us-east-1:123456789012:identity/*"]}]}},
    "schedules": {"report": {"image": "worker", "command": ["python", "report.py"], "cron": "0 3 * * *",
                             "iam_statements": [{"actions": ["s3:PutObject"],
                                                 "resources": ["arn:aws:s3:::zmage-reports/*"]}]}},
    "database": {"storage_type": "io2", "storage_gb": 200, "iops": 4000},
}


@cache
def zmage(**extra: str) -> Synthesis:
    return synth_config(platform="aws", tier="prod", apps={"zmage": ZMAGE}, extra=dict(extra))


def inputs(synthesis: Synthesis, type_token: str, name: str) -> dict:
    return reveal(synthesis.named(name, type_token).inputs)


def task_statements(synthesis: Synthesis, role: str) -> list[dict]:
    return json.loads(inputs(synthesis, "aws:iam/rolePolicy:RolePolicy", f"{role}-task")["policy"])["Statement"]


def test_iam_statements_end_each_task_role_policy_exactly():
    web = task_statements(zmage(), "zmage-web")
    assert [s["Sid"] for s in web] == ["Buckets", "Objects", "BucketKey", "PrometheusRemoteWrite", "Spec0"]
    assert web[-1] == {"Sid": "Spec0", "Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"],
                       "Resource": [QUEUE]}
    worker = task_statements(zmage(), "zmage-worker")
    assert worker[-2:] == [
        {"Sid": "Spec0", "Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "Resource": [QUEUE],
         "Condition": {"Bool": {"aws:SecureTransport": True}}},
        {"Sid": "Spec1", "Effect": "Deny", "Action": ["sqs:Purge*"], "Resource": ["*"]},
    ]
    # A job whose role had no policy gets one holding only its statement; its release sibling gets nothing.
    assert task_statements(zmage(), "zmage-job-db-migrate") == [
        {"Sid": "Spec0", "Effect": "Allow", "Action": ["ses:SendEmail"],
         "Resource": ["arn:aws:ses:us-east-1:123456789012:identity/*"]}]
    report = task_statements(zmage(), "zmage-schedule-report")  # it takes the app's env, so the media bucket too
    assert [s["Sid"] for s in report] == ["Buckets", "Objects", "BucketKey", "Spec0"]
    assert report[-1] == {"Sid": "Spec0", "Effect": "Allow", "Action": ["s3:PutObject"],
                          "Resource": ["arn:aws:s3:::zmage-reports/*"]}
    names = {r.name for r in zmage().by_type("aws:iam/rolePolicy:RolePolicy")}
    assert "zmage-job-db-bootstrap-task" not in names


def test_the_capacity_mix_renders_as_written_and_spot_workers_is_the_same_strategy():
    services = {name: inputs(zmage(), "aws:ecs/service:Service", f"zmage-{name}")["capacityProviderStrategies"]
                for name in ("web", "worker")}
    assert services == {
        "web": [{"capacityProvider": "FARGATE", "weight": 1, "base": 1},
                {"capacityProvider": "FARGATE_SPOT", "weight": 3}],
        # exactly what the deprecated aws.spot_workers registers for a dev worker
        "worker": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
    }


def test_rds_storage_reaches_the_instance_and_prices():
    instance = inputs(zmage(), "aws:rds/instance:Instance", "zmage-postgres")
    assert (instance["storageType"], instance["allocatedStorage"], instance["iops"]) == ("io2", 200, 4000)
    assert "storageThroughput" not in instance
    items = {(i.type, i.name): i for i in estimate(plan_document(zmage(), zmage().model), "us-east-1").items}
    assert items[("aws:rds/instance:Instance", "zmage-postgres")].detail.endswith("200 GB io2")


def test_every_field_set_plans_clean_and_passes_the_policy_pack():
    assert check(zmage()) == []
    out = io.StringIO()
    assert run_policies(zmage(), zmage().model, out=out) == 0, out.getvalue()


def test_cost_prices_the_mix_by_base_then_weight():
    document = plan_document(zmage(), zmage().model)
    on_demand = copy.deepcopy(document)
    for resource in on_demand["resources"]:
        if resource["type"] == "aws:ecs/service:Service":
            resource["inputs"]["capacityProviderStrategies"] = [{"capacityProvider": "FARGATE", "weight": 1}]

    def services(doc: dict) -> dict:
        return {i.name: i for i in estimate(doc, "us-east-1").items if i.type == "aws:ecs/service:Service"}

    mixed, full = services(document), services(on_demand)
    # web: 2 tasks, the first on FARGATE (base 1), the second split 1:3 -> 0.75 of a task on Spot (70 % off)
    assert mixed["zmage-web"].detail.startswith("2 x ") and mixed["zmage-web"].detail.endswith("(0.75 on Spot), 24/7")
    assert mixed["zmage-web"].monthly == full["zmage-web"].monthly * (2 - Decimal("0.75") * Decimal("0.70")) / 2
    # worker: all 3 tasks on Spot, priced and described as before the mix existed
    assert mixed["zmage-worker"].detail.startswith("3 x ") and mixed["zmage-worker"].detail.endswith(" Spot, 24/7")
    assert mixed["zmage-worker"].monthly == full["zmage-worker"].monthly * Decimal("0.30")


DANGEROUS = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "arn:aws:iam::123456789012:role/*"}]})


def test_an_override_that_writes_a_dangerous_statement_into_a_task_role_is_a_mandatory_violation():
    override = [{"type": "aws:iam/rolePolicy:RolePolicy", "name": "zmage-web-task", "reason": "escape the spec",
                 "patch": {"policy": DANGEROUS}}]
    synthesis = zmage(overrides=json.dumps(override))
    out = io.StringIO()
    assert run_policies(synthesis, synthesis.model, out=out) == 1
    assert ("zmage-web-task: policy statement 0 grants iam:PutRolePolicy through action iam:PutRolePolicy "
            "(privilege escalation).") in out.getvalue()


def test_an_override_that_sets_rds_iops_meets_the_storage_rules():
    override = [{"type": "aws:rds/instance:Instance", "name": "zmage-postgres", "reason": "more IOPS",
                 "patch": {"storageType": "gp3", "iops": 6000}}]
    findings = check(zmage(overrides=json.dumps(override)))
    assert [(f.resource, f.path, f.message) for f in findings] == [
        ("aws:rds/instance:Instance zmage-postgres", "iops",
         "gp3 below 400 GiB has a fixed 3,000 IOPS and 125 MiB/s; set storage_gb to 400 or more to provision "
         "them (got 200)")]
