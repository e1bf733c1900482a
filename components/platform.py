"""The contract between the platform-neutral Application and a platform implementation.

A stack creates one platform foundation (shared infrastructure: a Kubernetes provider, or an AWS
network and cluster); every Application then asks it to deploy its app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from appstack.environment import EnvironmentLink
from appstack.spec import AppSpec
from appstack.stackconfig import StackSettings


@dataclass(frozen=True)
class FoundationArgs:
    settings: StackSettings
    stack: str  # the name physical names carry (an app stack's: its environment's)
    # The longest metrics_retention any app states (a Prometheus duration): a shared Prometheus keeps that.
    metrics_retention: str | None = None
    link: EnvironmentLink | None = None  # mode app: the environment stack


@dataclass(frozen=True)
class AppDeploymentArgs:
    spec: AppSpec  # validated, with the stack's overrides applied
    settings: StackSettings  # platform, tier (settings.defaults), platform settings
    stack: str
    # Every secret value the app has, keyed by secret name, as Pulumi secrets. Generated secrets are
    # always present; an optional provided secret the operator left unset is absent.
    secrets: Mapping[str, pulumi.Output[str]]
    # Keys the digests that roll a workload when one of its secret values changes (secret, never shown).
    rollout_key: pulumi.Output[str]


class AppDeployment(pulumi.ComponentResource):
    """What a platform returns for one app.

    `url` is the app's public base URL (or None). `release_commands` maps each job the platform does not
    run by itself to the exact shell command that runs it (empty where jobs run as part of `pulumi up`).
    """

    url: pulumi.Output[str] | None
    release_commands: dict[str, pulumi.Output[str]] = {}  # noqa: RUF012 - read-only default, set per instance


class PlatformFoundation(pulumi.ComponentResource):
    def deploy_app(self, name: str, args: AppDeploymentArgs, opts: pulumi.ResourceOptions) -> AppDeployment:
        raise NotImplementedError

    def exports(self) -> dict[str, Any]:
        """An environment stack's typed outputs, which its app stacks read (none in the other modes)."""
        return {}


def create_foundation(args: FoundationArgs) -> PlatformFoundation:
    if args.settings.platform == "aws":
        from appstack.components.aws import AwsPlatform

        if args.link is not None:
            from appstack.components.aws.environment import EnvironmentReference

            return EnvironmentReference("aws", args)
        return AwsPlatform("aws", args)
    from appstack.components.kubernetes import KubernetesPlatform

    return KubernetesPlatform("kubernetes", args)
