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

from .common import TYPE_PREFIX, AppContext, child
from .jobs import run_once_pod
from .storage import StorageAccess

HISTORY_LIMIT = 3
CONCURRENCY_POLICY = {"forbid": "Forbid", "allow": "Allow"}


@dataclass(frozen=True)
class ScheduledJobArgs:
    ctx: AppContext
    name: str  # the spec's schedule name: the CronJob's and its service account's object name
    spec: ScheduleSpec
    values: Mapping[str, pulumi.Input[str]]
    present_secrets: Collection[str]
    storage: StorageAccess | None = None  # object storage access, only when its env binds a bucket
    ca_files: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (volume, mount)
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
        pod = run_once_pod(self, name, ctx, spec, (args.values, args.present_secrets, args.storage),
                           pod_name=args.name, account=args.name, component="schedule", ca_files=args.ca_files)
        self.service_account, self.env_secret = pod.service_account, pod.env_secret
        self.cron_job = k8s.batch.v1.CronJob(
            name,
            metadata=ctx.meta(args.name, {"appstack.dev/schedule": args.name}),
            spec=cron_job_spec(spec, pod.template),
            opts=child(self, depends_on=[*pod.resources, *args.depends_on]),
        )
        self.schedule, self.time_zone, self.object_name = spec.cron, spec.time_zone, args.name
        self.register_outputs({"schedule": self.schedule, "time_zone": self.time_zone,
                               "object_name": self.object_name})
