"""Migration jobs: a Fargate task definition per job, and the exact command that runs it.

The stack registers the task definition but does not run it (see docs/aws-compute.md: the release
pipeline runs `command` between registering the new task definitions and rolling out services for
before_rollout jobs, and after `pulumi up` for after_rollout ones). The command starts the task in
the private subnets with the app's workload security group, waits for it within the job's timeout
and exits non-zero unless the job container exited 0.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from appstack.spec import AppSpec, JobSpec
from appstack.stackconfig import StackSettings

from ..contracts import AppDataRefs, NetworkRefs
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
    cluster_name: str
    image: ImageRef
    service_values: Mapping[str, str]


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


class MigrationJob(pulumi.ComponentResource):
    """`task_definition` and `command` (Output[str]: the shell command that runs the job once)."""

    def __init__(self, name: str, args: MigrationJobArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:MigrationJob", name, None, opts)
        spec, job = args.spec, args.container
        logs = log_group(name, spec, args.stack, f"job-{args.job}", args.settings, args.data, self)
        environment, secrets = env_and_secrets(spec, args.job, job, args.data, args.service_values)
        self.roles = container_roles(
            name,
            self,
            spec=spec,
            env=job.env,
            image=args.image,
            log_group_arn=logs.arn,
            secrets=secrets,
            data=args.data,
            description=f"{spec.name} job {args.job} ({args.stack})",
        )
        self.task_definition = task_definition(
            name,
            TaskDefinitionArgs(
                family=f"{args.cluster_name}-{args.job}",
                container=job,
                plan=ContainerPlan(
                    name=args.job,
                    image=args.image.reference,
                    log_group=logs.name,
                    region=args.settings.aws.region,
                    environment=environment,
                    secrets=secrets,
                ),
                size=task_size(job, (), path=f"apps.{spec.name}.jobs.{args.job}.resources"),
                execution_role_arn=self.roles.execution.arn,
                task_role_arn=self.roles.task.arn,
                cpu_architecture=args.image.cpu_architecture,
            ),
            self,
        )
        self.phase = job.phase
        self.command = pulumi.Output.all(
            self.task_definition.arn, args.data.workload_security_group_id, *args.network.private_subnet_ids
        ).apply(
            lambda v: run_command(
                region=args.settings.aws.region,
                cluster=args.cluster_name,
                task_definition_arn=v[0],
                job=args.job,
                subnets=v[2:],
                security_group=v[1],
                timeout_seconds=job.timeout_seconds,
            )
        )
        self.register_outputs({"command": self.command, "phase": self.phase})
