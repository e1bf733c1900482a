"""ScheduledJob: a command of the spec run on a cron schedule, as a batch/v1 CronJob.

The pod meets the same `restricted` profile as every workload (pod_template). The schedule is read in
the spec's IANA time zone (spec.timeZone, GA since Kubernetes 1.27). `concurrencyPolicy: Forbid` skips
a run while the previous one still runs; a run the controller could not start within
`start_within_seconds` of its time (controller down, quota) is skipped rather than started late;
`retries` failed pods are retried (backoffLimit) and a run is stopped after `timeout_seconds`
(activeDeadlineSeconds). The last three successful and failed Jobs are kept for `kubectl logs`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from appstack.spec import ScheduleSpec

from .common import TYPE_PREFIX, AppContext, child, image_reference
from .pod import PodArgs, pod_template, resources
from .secrets import container_env, secret_object

HISTORY_LIMIT = 3
CONCURRENCY_POLICY = {"forbid": "Forbid", "allow": "Allow"}


@dataclass(frozen=True)
class ScheduledJobArgs:
    ctx: AppContext
    name: str  # the spec's schedule name: the CronJob's and its service account's object name
    spec: ScheduleSpec
    values: Mapping[str, pulumi.Input[str]]
    present_secrets: Collection[str]
    extra_secret_env: list[dict[str, Any]] = field(default_factory=list)
    depends_on: list[pulumi.Resource] = field(default_factory=list)


def cron_job_spec(spec: ScheduleSpec, template: dict[str, Any]) -> dict[str, Any]:
    return {
        "schedule": spec.cron,
        "timeZone": spec.time_zone,
        "concurrencyPolicy": CONCURRENCY_POLICY[spec.concurrency],
        "startingDeadlineSeconds": spec.start_within_seconds,
        "successfulJobsHistoryLimit": HISTORY_LIMIT,
        "failedJobsHistoryLimit": HISTORY_LIMIT,
        "jobTemplate": {"spec": {
            "backoffLimit": spec.retries,
            "activeDeadlineSeconds": spec.timeout_seconds,
            "template": template,
        }},
    }


class ScheduledJob(pulumi.ComponentResource):
    """Outputs: `schedule` (the cron), `time_zone` and `object_name` (the CronJob's)."""

    def __init__(self, name: str, args: ScheduledJobArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:ScheduledJob", name, None, opts)
        ctx, spec = args.ctx, args.spec
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=ctx.meta(args.name), automount_service_account_token=False, opts=child(self))
        env = container_env(ctx, spec.env, args.values, args.present_secrets, f"{args.name}-env",
                            args.extra_secret_env)
        self.env_secret = (
            secret_object(f"{name}-env", ctx, f"{args.name}-env", env.secret_data, child(self))
            if env.secret_data else None
        )
        template = pod_template(ctx, PodArgs(
            name=args.name,
            component="schedule",
            image=image_reference(ctx, spec.image),
            uid=spec.run_as_user,
            gid=spec.group,
            env=env.env,
            service_account=args.name,
            command=spec.command,
            args=spec.args,
            resources=resources(spec),
            writable_paths=spec.writable_paths,
            restart_policy="Never",
        ))
        self.cron_job = k8s.batch.v1.CronJob(
            name,
            metadata=ctx.meta(args.name, {"appstack.dev/schedule": args.name}),
            spec=cron_job_spec(spec, template),
            opts=child(self, depends_on=[self.service_account, *([self.env_secret] if self.env_secret else []),
                                         *args.depends_on]),
        )
        self.schedule, self.time_zone, self.object_name = spec.cron, spec.time_zone, args.name
        self.register_outputs({"schedule": self.schedule, "time_zone": self.time_zone,
                               "object_name": self.object_name})
