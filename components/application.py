"""Application: one app spec deployed on the stack's platform."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from appstack.overrides import Transformation
from appstack.spec import AppSpec
from appstack.stackconfig import StackSettings

from .generated import from_config
from .platform import AppDeploymentArgs, PlatformFoundation
from .secrets import AppSecrets, AppSecretsArgs


@dataclass(frozen=True)
class ApplicationArgs:
    spec: AppSpec
    settings: StackSettings
    stack: str
    foundation: PlatformFoundation
    provided_secrets: Mapping[str, str]  # plaintext from `pulumi config set --secret`, wrapped as secrets here
    # Python resource transformations for every resource of this app, applied by the SDK in this
    # process (so the offline plan shows them), after the stack's overrides.
    transforms: Sequence[Transformation] = ()


class Application(pulumi.ComponentResource):
    """Generates the app's secrets, then hands the whole spec to the platform implementation."""

    url: pulumi.Output[str] | None

    def __init__(self, name: str, args: ApplicationArgs, opts: pulumi.ResourceOptions | None = None):
        if args.transforms:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(transformations=list(args.transforms)))
        super().__init__("appstack:app:Application", name, None, opts)
        self.secrets = AppSecrets(
            name,
            AppSecretsArgs(
                secrets=args.spec.secrets,
                provided=args.provided_secrets,
                protect=args.settings.defaults.protect_stateful,
                generated_from_config=from_config(args.settings.generated_secrets),
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.deployment = args.foundation.deploy_app(
            name,
            AppDeploymentArgs(
                spec=args.spec,
                settings=args.settings,
                stack=args.stack,
                secrets=self.secrets.values,
                rollout_key=self.secrets.rollout_key,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.url = self.deployment.url
        self.release_commands = dict(self.deployment.release_commands)
        self.register_outputs({"url": self.url, "release_commands": self.release_commands})
