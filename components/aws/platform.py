"""AwsPlatform: the stack-wide foundation in one AWS account and region (the network)."""

from __future__ import annotations

from typing import Any

import pulumi
from appstack.components.platform import AppDeployment, AppDeploymentArgs, FoundationArgs, PlatformFoundation

from .app import AwsApp
from .network import Network, NetworkArgs


class AwsPlatform(PlatformFoundation):
    def __init__(self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:Platform", name, None, opts)
        self.args = args
        self.network = Network(
            name, NetworkArgs(settings=args.settings, stack=args.stack), pulumi.ResourceOptions(parent=self)
        )
        self.shared = None
        if args.settings.mode == "environment":
            from .environment import SharedServices, SharedServicesArgs

            self.shared = SharedServices(
                f"{name}-shared", SharedServicesArgs(args.settings, args.stack, self.network.refs),
                pulumi.ResourceOptions(parent=self),
            ).refs
        self.register_outputs({"vpc_id": self.network.refs.vpc_id})

    def exports(self) -> dict[str, Any]:
        if self.shared is None:
            return {}
        from .environment import environment_outputs

        return environment_outputs(self.args.settings, self.args.stack, self.network.refs,
                                   self.network.endpoint_security_group_id, self.shared)

    def deploy_app(self, name: str, args: AppDeploymentArgs, opts: pulumi.ResourceOptions) -> AppDeployment:
        return AwsApp(
            name,
            args,
            network=self.network.refs,
            endpoint_security_group_id=self.network.endpoint_security_group_id,
            opts=opts,
        )
