"""Workload shapes on ECS: scheduled jobs (EventBridge Scheduler), singletons, worker container health checks."""

from __future__ import annotations

import json

import pytest
from appstack.components.aws.kms import key_policy_statements

from appstack.provider_checks import check

from .harness import ACCOUNT, PRIVATE_SUBNETS, WORKLOAD_SG, container_definitions, resources, synth_app, task_definition

REPORT = {"image": "worker", "command": ["npm", "run", "report"], "cron": "30 2 * * 1-5", "time_zone": "Europe/Berlin",
          "retries": 4, "timeout_seconds": 7200, "start_within_seconds": 900, "run_as_user": 1001}
WORKER = {"singleton": True, "replicas": None,
          "health": {"liveness": {"command": ["node", "healthcheck.js"], "period_seconds": 30, "timeout_seconds": 10,
                                  "failure_threshold": 4}}}
OVERRIDES = {"schedules": {"nightly-report": REPORT}, "workers": {"worker": WORKER}}
CLUSTER_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:zmage"  # the mock's ARN of the cluster named zmage


def shaped():
    return synth_app("zmage", overrides=OVERRIDES)


def test_the_schedule_runs_the_task_privately_at_its_time():
    schedule = resources(shaped(), "aws:scheduler/schedule:Schedule")["zmage-schedule-nightly-report"]
    assert schedule == {
        "name": "zmage-test-nightly-report",
        "groupName": "zmage-test",
        "description": "zmage nightly-report: 30 2 * * 1-5 (Europe/Berlin)",
        "scheduleExpression": "cron(30 2 ? * MON-FRI *)",
        "scheduleExpressionTimezone": "Europe/Berlin",
        "flexibleTimeWindow": {"mode": "OFF"},
        "state": "ENABLED",
        "target": {
            "arn": CLUSTER_ARN,
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/zmage-schedule-nightly-report-scheduler",
            "retryPolicy": {"maximumRetryAttempts": 4, "maximumEventAgeInSeconds": 900},
            "ecsParameters": {
                "taskDefinitionArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:zmage-schedule-nightly-report",
                "launchType": "FARGATE",
                "platformVersion": "LATEST",
                "taskCount": 1,
                "group": "schedule-nightly-report",
                "networkConfiguration": {"subnets": PRIVATE_SUBNETS, "securityGroups": [WORKLOAD_SG],
                                         "assignPublicIp": False},
            },
        },
    }
    assert resources(shaped(), "aws:scheduler/scheduleGroup:ScheduleGroup") == {"zmage": {"name": "zmage-test"}}


def test_the_task_definition_runs_the_command_without_ports_or_health_check():
    task = task_definition(shaped(), "nightly-report")
    assert task.inputs["family"] == "zmage-test-nightly-report"
    (container,) = container_definitions(shaped(), "nightly-report")
    assert (container["name"], container["entryPoint"], container["user"]) == (
        "nightly-report", ["npm", "run", "report"], "1001:1001")
    assert container["portMappings"] == [] and "healthCheck" not in container and "stopTimeout" not in container
    assert container["readonlyRootFilesystem"] is True
    assert container["logConfiguration"]["options"]["awslogs-group"] == "/appstack/test/zmage/nightly-report"
    assert {s["name"] for s in container["secrets"]} >= {"DATABASE_URL", "REDIS_URL", "NEXTAUTH_SECRET"}


def test_the_scheduler_role_may_run_only_this_task_and_pass_only_its_roles():
    roles = resources(shaped(), "aws:iam/role:Role")
    trust = json.loads(roles["zmage-schedule-nightly-report-scheduler"]["assumeRolePolicy"])
    assert trust["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }]
    policy = json.loads(resources(shaped(), "aws:iam/rolePolicy:RolePolicy")["zmage-schedule-nightly-report-scheduler"]
                        ["policy"])
    assert policy["Statement"] == [
        {"Sid": "RunTheJobTask", "Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/zmage-test-nightly-report:*",
         "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER_ARN}}},
        {"Sid": "PassTheTaskRoles", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": [f"arn:aws:iam::{ACCOUNT}:role/zmage-schedule-nightly-report-execution",
                      f"arn:aws:iam::{ACCOUNT}:role/zmage-schedule-nightly-report-task"],
         "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
    ]


def test_a_failed_run_notifies_the_alarm_topic():
    rule = resources(shaped(), "aws:cloudwatch/eventRule:EventRule")["zmage-schedule-nightly-report-failed"]
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [CLUSTER_ARN],
            "group": ["schedule-nightly-report"],
            "lastStatus": ["STOPPED"],
            "$or": [{"containers": {"name": ["nightly-report"], "exitCode": [{"anything-but": 0}]}},
                    {"stopCode": ["TaskFailedToStart"]}],
        },
    }
    target = resources(shaped(), "aws:cloudwatch/eventTarget:EventTarget")["zmage-schedule-nightly-report-failed"]
    assert (target["targetId"], target["arn"]) == ("alarm-topic", f"arn:aws:sns:us-east-1:{ACCOUNT}:zmage-alarms")
    assert target["inputTransformer"]["inputPaths"] == {"task": "$.detail.taskArn", "reason": "$.detail.stoppedReason"}
    topic_policy = json.loads(resources(shaped(), "aws:sns/topicPolicy:TopicPolicy")["zmage-alarms"]["policy"])
    events = next(s for s in topic_policy["Statement"] if s["Sid"] == "EventBridgeRules")
    assert (events["Principal"], events["Action"], events["Condition"]) == (
        {"Service": "events.amazonaws.com"}, "sns:Publish", {"StringEquals": {"aws:SourceAccount": ACCOUNT}})
    dropped = resources(shaped(), "aws:cloudwatch/metricAlarm:MetricAlarm")["zmage-schedules-dropped"]
    assert {k: dropped[k] for k in ("namespace", "metricName", "dimensions", "statistic", "threshold",
                                    "comparisonOperator", "period")} == {
        "namespace": "AWS/Scheduler", "metricName": "InvocationDroppedCount",
        "dimensions": {"ScheduleGroup": "zmage-test"}, "statistic": "Sum", "threshold": 0,
        "comparisonOperator": "GreaterThanThreshold", "period": 300}


def test_apps_without_schedules_keep_their_topic_and_key_policies():
    plain = synth_app("zmage")
    policy = json.loads(resources(plain, "aws:sns/topicPolicy:TopicPolicy")["zmage-alarms"]["policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["CloudWatchAlarms", "PrometheusAlertmanager"]
    assert not plain.by_type("aws:scheduler/schedule:Schedule")
    assert not plain.by_type("aws:cloudwatch/eventRule:EventRule")
    sids = [s["Sid"] for s in key_policy_statements(ACCOUNT, "aws", "us-east-1", "amazonaws.com")]
    assert "EventBridgeRulesUseKey" not in sids
    events = key_policy_statements(ACCOUNT, "aws", "us-east-1", "amazonaws.com", event_rules=True)[-1]
    assert events == {"Sid": "EventBridgeRulesUseKey", "Effect": "Allow",
                      "Principal": {"Service": "events.amazonaws.com"},
                      "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                      "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}


def test_a_singleton_stops_before_it_starts_again_and_never_scales():
    service = resources(shaped(), "aws:ecs/service:Service")["zmage-worker"]
    assert (service["desiredCount"], service["deploymentMinimumHealthyPercent"],
            service["deploymentMaximumPercent"]) == (1, 0, 100)
    targets = resources(shaped(), "aws:appautoscaling/target:Target")
    assert "zmage-worker" not in targets and "zmage-web" in targets


def test_a_worker_health_command_is_the_container_health_check():
    (worker,) = container_definitions(shaped(), "worker")
    assert worker["healthCheck"] == {"command": ["CMD", "node", "healthcheck.js"], "interval": 30, "timeout": 10,
                                     "retries": 4, "startPeriod": 0}


@pytest.mark.parametrize(
    ("probe", "path", "message"),
    [
        ({"period_seconds": 400}, "liveness.period_seconds", "interval 5-300; this value is 400"),
        ({"period_seconds": 4}, "liveness.period_seconds", "interval 5-300; this value is 4"),
        ({"timeout_seconds": 1}, "liveness.timeout_seconds", "timeout 2-60; this value is 1"),
        ({"timeout_seconds": 61}, "liveness.timeout_seconds", "timeout 2-60; this value is 61"),
        ({"failure_threshold": 11}, "liveness.failure_threshold", "retries 1-10; this value is 11"),
        ({"initial_delay_seconds": 301}, "liveness.initial_delay_seconds",
         "startPeriod 0-300; this initial delay plus the startup probe's budget is 301"),
    ],
)
def test_health_checks_ecs_would_refuse_are_config_errors(probe, path, message):
    liveness = {"command": ["node", "healthcheck.js"], **probe}
    with pytest.raises(Exception, match="Invalid configuration for stack .test.") as error:
        synth_app("zmage", overrides={"workers": {"worker": {"health": {"liveness": liveness}}}})
    assert f"apps.zmage.workers.worker.health.{path}: ECS health checks take {message}" in str(error.value)


def test_the_shapes_plan_without_provider_findings():
    assert [str(f) for f in check(shaped())] == []
