"""Compute: ECS task definitions and services, ECR repositories."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .model import ADVISORY, MANDATORY, Resource, RuleContext, RuleSet
from .secret_patterns import plaintext_env_secrets, secrets_in_plaintext
from .values import is_opaque, items_of, must_be_true_but_is_not, parse_json_document

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
SCHEDULE = "aws:scheduler/schedule:Schedule"

ROOT_USERS = {"root", "0"}

rules = RuleSet()


def containers(r: Resource) -> list[dict[str, Any]]:
    """Container definitions of a task definition (a JSON string on the wire)."""
    document = parse_json_document(r.get("containerDefinitions"))
    return [c for c in items_of(document) if isinstance(c, dict)]


def _name(container: dict[str, Any]) -> str:
    name = container.get("name")
    return name if isinstance(name, str) else "?"


@rules.resource(
    "ecs-no-privileged-containers",
    MANDATORY,
    [TASK_DEFINITION],
    "ECS containers must not run privileged.",
    "Remove privileged: true from the container definition.",
)
def ecs_no_privileged_containers(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A privileged container has root on the host and can escape the task."""
    for container in containers(r):
        if container.get("privileged") is True:
            yield f"container {_name(container)} is privileged."


@rules.resource(
    "ecs-no-plaintext-secrets",
    MANDATORY,
    [TASK_DEFINITION],
    "ECS container environments must not carry secrets in plaintext.",
    "Move the value to Secrets Manager/SSM and reference it from the container's secrets list (valueFrom).",
)
def ecs_no_plaintext_secrets(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """The environment of a task definition is readable by anyone who can describe it and ends up in logs
    and state; a Pulumi secret interpolated into containerDefinitions is no exception.
    """
    yield from secrets_in_plaintext(r, "task definition")
    for container in containers(r):
        for name, kind in plaintext_env_secrets(container.get("environment")):
            if kind is None:
                yield f"container {_name(container)} sets {name} in its plaintext environment."
            else:
                yield f"container {_name(container)} environment {name} holds what looks like {kind}."


@rules.resource(
    "ecs-service-no-public-ip",
    MANDATORY,
    [ECS_SERVICE],
    "ECS services must not assign public IPs to tasks.",
    "Set networkConfiguration.assignPublicIp to false; run tasks in private subnets behind the ALB.",
)
def ecs_service_no_public_ip(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A public IP makes every task reachable around the load balancer and its security group."""
    if r.get("networkConfiguration.assignPublicIp") is True:
        yield "networkConfiguration.assignPublicIp is true."


@rules.resource(
    "ecs-scheduled-task-no-public-ip",
    MANDATORY,
    [SCHEDULE],
    "Scheduled ECS tasks must not get public IPs.",
    "Set target.ecsParameters.networkConfiguration.assignPublicIp to false; run them in private subnets.",
)
def ecs_scheduled_task_no_public_ip(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A task EventBridge Scheduler starts with a public IP is reachable from the internet, like a service's."""
    if r.get("target.ecsParameters.networkConfiguration.assignPublicIp") is True:
        yield "target.ecsParameters.networkConfiguration.assignPublicIp is true."


@rules.resource(
    "ecs-read-only-root-filesystem",
    ADVISORY,
    [TASK_DEFINITION],
    "ECS containers should mount their root filesystem read-only.",
    "Set readonlyRootFilesystem: true and mount writable volumes only where needed.",
)
def ecs_read_only_root_filesystem(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """A read-only root filesystem stops an attacker from dropping tools or changing the app in place."""
    for container in containers(r):
        if must_be_true_but_is_not(container.get("readonlyRootFilesystem")):
            yield f"container {_name(container)} does not set readonlyRootFilesystem."


@rules.resource(
    "ecs-non-root-user",
    ADVISORY,
    [TASK_DEFINITION],
    "ECS containers should run as a non-root user.",
    'Set user to a non-zero UID (e.g. "1000:1000").',
)
def ecs_non_root_user(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Root inside the container turns every container escape into root on the host."""
    for container in containers(r):
        user = container.get("user")
        if is_opaque(user):
            continue
        if user is None:
            yield f"container {_name(container)} sets no user, so it runs as the image's user (often root)."
        elif str(user).split(":")[0] in ROOT_USERS:
            yield f"container {_name(container)} runs as root (user {user})."


@rules.resource(
    "ecr-scan-on-push",
    MANDATORY,
    [ECR_REPOSITORY],
    "ECR repositories must scan images on push.",
    "Set imageScanningConfiguration.scanOnPush to true.",
)
def ecr_scan_on_push(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Scanning every pushed image surfaces known CVEs before the image is deployed."""
    if must_be_true_but_is_not(r.get("imageScanningConfiguration.scanOnPush")):
        yield "imageScanningConfiguration.scanOnPush is not true."


@rules.resource(
    "ecr-immutable-tags",
    MANDATORY,
    [ECR_REPOSITORY],
    "ECR repositories must have immutable image tags.",
    "Set imageTagMutability to IMMUTABLE so a deployed tag always means the same image.",
)
def ecr_immutable_tags(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Mutable tags let a push silently change what a running service will pull next."""
    mutability = r.get("imageTagMutability")
    if is_opaque(mutability):
        return
    if mutability is None:
        yield "imageTagMutability is not set (defaults to MUTABLE)."
    elif not str(mutability).startswith("IMMUTABLE"):
        yield f"imageTagMutability is {mutability}."
