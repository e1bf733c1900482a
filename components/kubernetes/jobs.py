"""ReleaseJob: a one-off command (a migration) run once per release.

The Job's object name carries a hash of the release (image references, command, args), so a new
image tag runs a new Job while an unchanged release leaves the finished one alone. Retries are
bounded (backoffLimit), the run is capped (activeDeadlineSeconds) and the finished Job is removed
after its TTL. The Pulumi Kubernetes provider waits for the Job to complete, so `before_rollout`
jobs gate the workloads that depend on them and `after_rollout` jobs wait for those workloads.

The provider gives up waiting after 10 minutes by default, while a migration may legitimately run
for up to the spec's `timeout_seconds` (activeDeadlineSeconds, 30 minutes by default): the wait is
raised to that deadline plus a margin for scheduling and image pulls (custom timeouts, and the
`pulumi.com/timeoutSeconds` annotation the provider also reads), so `pulumi up` never fails a Job
that Kubernetes would still let finish.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from appstack.spec import JobSpec
from appstack.spec.workloads import ContainerSpec

from .common import TYPE_PREFIX, AppContext, await_timeout, child, image_reference, short_hash, store_client_labels
from .pod import PodArgs, pod_template, resources
from .secrets import container_env, secret_object
from .storage import StorageAccess

JOB_START_MARGIN_SECONDS = 300  # scheduling and image pulls before the deadline's clock matters


@dataclass(frozen=True)
class ReleaseJobArgs:
    ctx: AppContext
    name: str  # the spec's job name
    spec: JobSpec
    values: Mapping[str, pulumi.Input[str]]
    present_secrets: Collection[str]
    storage: StorageAccess | None = None  # object storage access, only for workloads that bind a bucket
    ca_files: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (volume, mount)
    depends_on: list[pulumi.Resource] = field(default_factory=list)


@dataclass(frozen=True)
class RunOncePod:
    """What a Job's pod needs besides the Job: its ServiceAccount, its env Secret (if any), its template."""

    service_account: k8s.core.v1.ServiceAccount
    env_secret: k8s.core.v1.Secret | None
    template: dict[str, Any]

    @property
    def resources(self) -> list[pulumi.Resource]:
        return [self.service_account, *([self.env_secret] if self.env_secret else [])]


def run_once_pod(
    parent: pulumi.Resource,
    name: str,
    ctx: AppContext,
    spec: ContainerSpec,
    env_values: tuple[Mapping[str, pulumi.Input[str]], Collection[str], StorageAccess | None],
    *,
    pod_name: str,
    account: str,
    component: str,
    ca_files: list[tuple[dict[str, Any], dict[str, Any]]] | None = None,
) -> RunOncePod:
    """The ServiceAccount `account`, Secret `<account>-env` and a `restartPolicy: Never` pod template for a
    command run to completion (a release job, a scheduled run). `env_values`: binding values, present
    secrets and the object storage access (only for a pod whose env binds a bucket)."""
    values, present, storage = env_values
    service_account = k8s.core.v1.ServiceAccount(
        f"{name}-sa", metadata=ctx.meta(account, annotations=storage.annotations if storage else None),
        automount_service_account_token=False, opts=child(parent))
    env = container_env(ctx, spec, values, present, f"{account}-env", storage.env if storage else [])
    env_secret = (
        secret_object(f"{name}-env", ctx, f"{account}-env", env.secret_data, child(parent)) if env.secret_data else None
    )
    template = pod_template(ctx, PodArgs(
        name=pod_name,
        component=component,
        image=image_reference(ctx, spec.image),
        uid=spec.run_as_user,
        gid=spec.group,
        env=env.env,
        service_account=account,
        command=spec.command,
        args=spec.args,
        resources=resources(spec),
        writable_paths=spec.writable_paths,
        restart_policy="Never",
        volumes=[v for v, _ in ca_files or []],
        mounts=[m for _, m in ca_files or []],
        labels={**(storage.pod_labels if storage else {}), **store_client_labels(ctx.spec, spec)},
        user=spec.kubernetes,
    ))
    return RunOncePod(service_account, env_secret, template)


def release_id(ctx: AppContext, spec: JobSpec) -> str:
    """Stable for an unchanged release; changes with any image reference, the command or the args."""
    images = {name: image_reference(ctx, name) for name in sorted(ctx.spec.images)}
    return short_hash(images, spec.image, spec.command, spec.args)


@dataclass(frozen=True)
class RunToCompletion:
    """A release's Job object: `job` (the spec's or platform's name), `object_name` (with the release hash),
    `spec` (phase, retries, deadline, TTL), the pod `template` and what it waits for."""

    job: str
    object_name: str
    spec: JobSpec
    template: dict[str, Any]
    depends_on: list[pulumi.Resource]
    annotations: Mapping[str, str] = field(default_factory=dict)


def run_to_completion(parent: pulumi.Resource, name: str, ctx: AppContext, run: RunToCompletion) -> k8s.batch.v1.Job:
    """The Job, with bounded retries and deadline, and Pulumi waiting for it up to that deadline plus a margin."""
    spec = run.spec
    wait = spec.timeout_seconds + JOB_START_MARGIN_SECONDS
    return k8s.batch.v1.Job(
        name,
        metadata=ctx.meta(run.object_name, {"appstack.dev/job": run.job, "appstack.dev/phase": spec.phase},
                          annotations={**await_timeout(wait), **run.annotations}),
        spec={
            "backoffLimit": spec.backoff_limit,
            "activeDeadlineSeconds": spec.timeout_seconds,
            "ttlSecondsAfterFinished": spec.ttl_seconds_after_finished,
            "template": run.template,
        },
        opts=child(parent, depends_on=run.depends_on,
                   custom_timeouts=pulumi.CustomTimeouts(create=f"{wait}s", update=f"{wait}s")),
    )


class ReleaseJob(pulumi.ComponentResource):
    """Outputs: `job_name` (the object name of this release's Job) and `phase`."""

    def __init__(self, name: str, args: ReleaseJobArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:ReleaseJob", name, None, opts)
        ctx, spec = args.ctx, args.spec
        pod = run_once_pod(self, name, ctx, spec, (args.values, args.present_secrets, args.storage),
                           pod_name=args.name, account=f"job-{args.name}", component="job",
                           ca_files=args.ca_files)
        self.service_account, self.env_secret, template = pod.service_account, pod.env_secret, pod.template
        self.job_name = f"{args.name}-{release_id(ctx, spec)}"
        self.job = run_to_completion(self, name, ctx, RunToCompletion(
            args.name, self.job_name, spec, template, [*pod.resources, *args.depends_on]))
        self.phase = spec.phase
        self.register_outputs({"job_name": self.job_name, "phase": self.phase})
