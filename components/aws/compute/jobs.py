"""Migration jobs: a Fargate task definition per job, and the exact command that runs it.

The stack registers the task definition but does not run it (see docs/aws-compute.md: the release
pipeline runs `command` between registering the new task definitions and rolling out services for
before_rollout jobs, and after `pulumi up` for after_rollout ones). The command starts the task in
the private subnets with the app's workload security group, waits for it within the job's timeout
and exits non-zero unless the job container exited 0.

`ReleaseJob` holds what every such job shares (log group, roles, task definition, command);
`MigrationJob` is one job of the spec, `db_bootstrap.DatabaseBootstrapJob` the platform's own.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from appstack.spec import AppSpec, JobSpec, ScheduleSpec
from appstack.stackconfig import StackSettings

from ..contracts import AppDataRefs, NetworkRefs
from . import iam
from .ecs_service import container_roles, log_group
from .images import ImageRef
from .task_definition import ContainerPlan, TaskDefinitionArgs, env_and_secrets, task_definition, task_size


@dataclass(frozen=True)
class MigrationJobArgs:
    spec: AppSpec
    job: str
    container: JobSpec
    settings: StackSettings
    stack: str
    network: NetworkRefs
    data: AppDataRefs
    cluster_name: str  # the app's name prefix (task families); its cluster too unless ecs_cluster_name is set
    image: ImageRef
    service_values: Mapping[str, str]
    ecs_cluster_name: str | None = None  # an environment's shared cluster


def run_command(
    *,
    region: str,
    cluster: str,
    task_definition_arn: str,
    job: str,
    subnets: Sequence[str],
    security_group: str,
    timeout_seconds: int,
) -> str:
    """A POSIX shell command: run the job once, wait for it, succeed only on exit code 0."""
    ecs = f"aws ecs --region {shlex.quote(region)}"
    network = (
        f"awsvpcConfiguration={{subnets=[{','.join(subnets)}],"
        f"securityGroups=[{security_group}],assignPublicIp=DISABLED}}"
    )
    exit_code = f"tasks[0].containers[?name=='{job}'].exitCode | [0]"
    return (
        f"TASK=$({ecs} run-task --cluster {shlex.quote(cluster)} --launch-type FARGATE"
        f" --task-definition {shlex.quote(task_definition_arn)} --started-by appstack-{job}"
        f" --network-configuration {shlex.quote(network)} --query 'tasks[0].taskArn' --output text)"
        f" && timeout {timeout_seconds} sh -c 'until {ecs} wait tasks-stopped --cluster {shlex.quote(cluster)}"
        f' --tasks "$0"; do :; done\' "$TASK"'
        f' && test "$({ecs} describe-tasks --cluster {shlex.quote(cluster)} --tasks "$TASK"'
        f' --query {shlex.quote(exit_code)} --output text)" = 0'
    )


@dataclass(frozen=True)
class JobTask:
    """What one release job's task runs: the container (sandbox, size, command, phase, timeout), its
    image and its resolved environment and secrets (secrets by Secrets Manager ARN only)."""

    job: str
    container: JobSpec | ScheduleSpec
    image: ImageRef
    environment: list[dict[str, Any]]
    secrets: list[dict[str, Any]]
    # A platform job runs none of the app's code: it gets exactly `environment` and `secrets`, and its
    # task role none of the app's buckets.
    platform: bool = False


@dataclass(frozen=True)
class JobPlacement:
    """Where a release job's task runs: the app's cluster, private subnets and workload security group."""

    spec: AppSpec
    settings: StackSettings
    stack: str
    network: NetworkRefs
    data: AppDataRefs
    cluster_name: str  # the app's name prefix (families, schedule names); its cluster unless ecs_cluster_name
    ecs_cluster_name: str | None = None  # an environment's shared cluster

    @property
    def cluster(self) -> str:
        return self.ecs_cluster_name or self.cluster_name


def one_off_task(
    name: str, parent: pulumi.Resource, task: JobTask, where: JobPlacement, *, log_workload: str, group: str, kind: str
) -> tuple[iam.TaskRoles, aws.ecs.TaskDefinition]:
    """Log group, roles and task definition of a task started on its own (a release job, a schedule).

    `log_workload` names the log group, `group` the spec collection (jobs, schedules) in error paths.
    """
    spec, job = where.spec, task.container
    logs = log_group(name, spec, where.stack, log_workload, where.settings, where.data, parent)
    roles = container_roles(
        name,
        parent,
        spec=spec,
        container=job,
        image=task.image,
        log_group_arn=logs.arn,
        secrets=task.secrets,
        data=where.data,
        description=f"{spec.name} {kind} {task.job} ({where.stack})",
        buckets=[] if task.platform else None,
    )
    definition = task_definition(
        name,
        TaskDefinitionArgs(
            family=f"{where.cluster_name}-{task.job}",
            container=job,
            plan=ContainerPlan(
                name=task.job,
                image=task.image.reference,
                log_group=logs.name,
                region=where.settings.aws.region,
                environment=task.environment,
                secrets=task.secrets,
            ),
            size=task_size(job, (), path=f"apps.{spec.name}.{group}.{task.job}.resources"),
            execution_role_arn=roles.execution.arn,
            task_role_arn=roles.task.arn,
            cpu_architecture=task.image.cpu_architecture,
        ),
        parent,
    )
    return roles, definition


class ReleaseJob(pulumi.ComponentResource):
    """A task definition run once per release: `task_definition`, `roles`, `phase` and `command`
    (Output[str]: the shell command that runs the job once)."""

    def _register_task(self, name: str, task: JobTask, where: JobPlacement) -> None:
        job = task.container
        assert isinstance(job, JobSpec)  # schedules use one_off_task on their own
        self.roles, self.task_definition = one_off_task(
            name, self, task, where, log_workload=f"job-{task.job}", group="jobs", kind="job"
        )
        self.phase = job.phase
        self.command = pulumi.Output.all(
            self.task_definition.arn, where.data.workload_security_group_id, *where.network.private_subnet_ids
        ).apply(
            lambda v: run_command(
                region=where.settings.aws.region,
                cluster=where.cluster,
                task_definition_arn=v[0],
                job=task.job,
                subnets=v[2:],
                security_group=v[1],
                timeout_seconds=job.timeout_seconds,
            )
        )
        self.register_outputs({"command": self.command, "phase": self.phase})


class MigrationJob(ReleaseJob):
    """One job of the spec, with the env its spec declares."""

    def __init__(self, name: str, args: MigrationJobArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:MigrationJob", name, None, opts)
        environment, secrets = env_and_secrets(args.spec, args.job, args.container, args.data, args.service_values)
        self._register_task(
            name,
            JobTask(args.job, args.container, args.image, environment, secrets),
            JobPlacement(args.spec, args.settings, args.stack, args.network, args.data, args.cluster_name,
                         args.ecs_cluster_name),
        )
