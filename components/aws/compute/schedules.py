"""Scheduled jobs on ECS Fargate: EventBridge Scheduler starts a task of the job's own task definition.

`AppSchedules` holds the app's schedule group, an alarm on runs the scheduler dropped (it could not
start the task within `start_within_seconds`, after `retries` attempts) and one `ScheduledTask` per
schedule: log group, execution and task roles, task definition, the schedule itself, the role the
scheduler runs it with, and an EventBridge rule that notifies the app's alarm topic when a run fails
(its task stops with a non-zero exit code or never starts).

The schedule runs the task exactly as a release job runs: private subnets, the app's workload security
group, no public IP. The cron is converted to EventBridge Scheduler's six-field form
(appstack.spec.cron) and read in the schedule's IANA time zone; `flexibleTimeWindow` is OFF so runs
start at their time.

What ECS does not do, and appstack does not pretend it does (docs/aws-compute.md): it neither stops a
task at `timeout_seconds` nor skips a run while the previous one still runs. The spec refuses a
forbid-overlap schedule whose timeout exceeds the shortest time between two runs, so a run that keeps
to its timeout never overlaps the next; keeping to it is the job's own duty on AWS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from appstack.naming import autonamed, shorten
from appstack.naming import aws as limits

from ..common import account_context
from .iam import VERSION
from .images import ImageRef
from .jobs import JobPlacement, JobTask, one_off_task
from .task_definition import env_and_secrets

SCHEDULE_NAME = 64  # scheduler CreateSchedule Name / CreateScheduleGroup Name
EVENT_RULE_NAME = 64  # events PutRule Name


@dataclass(frozen=True)
class AppSchedulesArgs:
    where: JobPlacement  # the app's spec, settings, stack, network, data layer and cluster name
    cluster_arn: pulumi.Input[str]
    images: Mapping[str, ImageRef]
    service_values: Mapping[str, str]
    topic_arn: pulumi.Input[str]


def task_group(schedule: str) -> str:
    """The ECS task group of a schedule's tasks: what its failure rule matches on."""
    return f"schedule-{schedule}"


def failure_pattern(cluster_arn: str, schedule: str) -> str:
    """ECS task state changes of this schedule's tasks that stopped with a non-zero exit, or never started."""
    return json.dumps(
        {
            "source": ["aws.ecs"],
            "detail-type": ["ECS Task State Change"],
            "detail": {
                "clusterArn": [cluster_arn],
                "group": [task_group(schedule)],
                "lastStatus": ["STOPPED"],
                "$or": [
                    {"containers": {"name": [schedule], "exitCode": [{"anything-but": 0}]}},
                    {"stopCode": ["TaskFailedToStart"]},
                ],
            },
        },
        sort_keys=True,
    )


def scheduler_trust(account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """EventBridge Scheduler of this account only (confused-deputy protection)."""
    return pulumi.Output.json_dumps(
        {
            "Version": VERSION,
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "scheduler.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def scheduler_policy(
    family_arn: pulumi.Input[str], cluster_arn: pulumi.Input[str], passed_roles: list[pulumi.Input[str]]
) -> pulumi.Output[str]:
    """Run this one task family on this one cluster, and hand ECS this task's two roles: nothing else."""
    return pulumi.Output.json_dumps(
        {
            "Version": VERSION,
            "Statement": [
                {
                    "Sid": "RunTheJobTask",
                    "Effect": "Allow",
                    "Action": "ecs:RunTask",
                    "Resource": pulumi.Output.concat(family_arn, ":*"),
                    "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
                },
                {
                    "Sid": "PassTheTaskRoles",
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": passed_roles,
                    "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                },
            ],
        }
    )


class ScheduledTask(pulumi.ComponentResource):
    """`task_definition`, `roles`, `scheduler_role`, `schedule` (aws.scheduler.Schedule), `failure_rule`
    and `expression` (the AWS cron)."""

    def __init__(
        self,
        name: str,
        schedule: str,
        args: AppSchedulesArgs,
        group_name: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("appstack:aws:ScheduledTask", name, None, opts)
        where = args.where
        spec, job = where.spec, where.spec.schedules[schedule]
        child = pulumi.ResourceOptions(parent=self)
        environment, secrets = env_and_secrets(spec, schedule, job, where.data, args.service_values)
        self.roles, self.task_definition = one_off_task(
            name, self, JobTask(schedule, job, args.images[job.image], environment, secrets), where,
            log_workload=schedule, group="schedules", kind="schedule",
        )
        family = f"{where.cluster_name}-{schedule}"
        account = account_context(where.data.kms_key_arn)
        self.scheduler_role = aws.iam.Role(
            autonamed(f"{name}-scheduler", limits.IAM_ROLE_NAME),
            assume_role_policy=scheduler_trust(account.account_id),
            description=f"EventBridge Scheduler: runs {spec.name} schedule {schedule} ({where.stack})",
            opts=child,
        )
        family_arn = pulumi.Output.format(
            "arn:{0}:ecs:{1}:{2}:task-definition/{3}", account.partition, account.region, account.account_id, family
        )
        aws.iam.RolePolicy(
            f"{name}-scheduler",
            role=self.scheduler_role.id,
            policy=scheduler_policy(
                family_arn, args.cluster_arn, [self.roles.execution.arn, self.roles.task.arn]
            ),
            opts=child,
        )
        self.expression = job.cron_schedule().aws_expression()
        self.schedule = aws.scheduler.Schedule(
            name,
            name=shorten(f"{where.cluster_name}-{schedule}", SCHEDULE_NAME),
            group_name=group_name,
            description=f"{spec.name} {schedule}: {job.cron} ({job.time_zone})",
            schedule_expression=self.expression,
            schedule_expression_timezone=job.time_zone,
            flexible_time_window={"mode": "OFF"},
            state="ENABLED",
            target={
                "arn": args.cluster_arn,
                "role_arn": self.scheduler_role.arn,
                # Retries cover starting the task (RunTask throttled, no Fargate capacity), within the window.
                "retry_policy": {
                    "maximum_retry_attempts": job.retries,
                    "maximum_event_age_in_seconds": job.start_within_seconds,
                },
                "ecs_parameters": {
                    "task_definition_arn": self.task_definition.arn,
                    "launch_type": "FARGATE",
                    "platform_version": "LATEST",
                    "task_count": 1,
                    "group": task_group(schedule),
                    "network_configuration": {
                        "subnets": where.network.private_subnet_ids,
                        "security_groups": [where.data.workload_security_group_id],
                        "assign_public_ip": False,
                    },
                },
            },
            opts=child,
        )
        self.failure_rule = aws.cloudwatch.EventRule(
            autonamed(f"{name}-failed", EVENT_RULE_NAME),
            description=f"{spec.name} schedule {schedule}: a run failed",
            event_pattern=pulumi.Output.from_input(args.cluster_arn).apply(lambda arn: failure_pattern(arn, schedule)),
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-failed",
            rule=self.failure_rule.name,
            target_id="alarm-topic",
            arn=args.topic_arn,
            input_transformer={
                "input_paths": {"task": "$.detail.taskArn", "reason": "$.detail.stoppedReason"},
                "input_template": json.dumps(
                    f"{spec.name} ({where.stack}): scheduled job {schedule} failed; task <task> stopped: <reason>"
                ),
            },
            opts=child,
        )
        self.register_outputs({"expression": self.expression, "schedule": self.schedule.name})


class AppSchedules(pulumi.ComponentResource):
    """`group` (aws.scheduler.ScheduleGroup), `tasks` (schedule -> ScheduledTask), `dropped_alarm`."""

    def __init__(self, name: str, args: AppSchedulesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AppSchedules", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.group = aws.scheduler.ScheduleGroup(name, name=shorten(args.where.cluster_name, SCHEDULE_NAME), opts=child)
        self.tasks = {
            schedule: ScheduledTask(f"{name}-schedule-{schedule}", schedule, args, self.group.name, child)
            for schedule in sorted(args.where.spec.schedules)
        }
        self.dropped_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-schedules-dropped",
            name=f"{args.where.cluster_name}-schedules-dropped",
            alarm_description=f"{args.where.spec.name}: a scheduled job could not be started (retries exhausted)",
            namespace="AWS/Scheduler",
            metric_name="InvocationDroppedCount",
            dimensions={"ScheduleGroup": self.group.name},
            statistic="Sum",
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            period=300,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
            alarm_actions=[args.topic_arn],
            ok_actions=[args.topic_arn],
            opts=child,
        )
        self.register_outputs({"group": self.group.name, "schedules": sorted(self.tasks)})

