"""AwsPlatform: the stack-wide foundation in one AWS account and region."""

from __future__ import annotations

import pulumi

from components.platform import AppDeployment, AppDeploymentArgs, FoundationArgs, PlatformFoundation


class AwsApp(AppDeployment):
    def __init__(self, name: str, args: AppDeploymentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:App", name, None, opts)
        self.url = None
        self.register_outputs({})


class AwsPlatform(PlatformFoundation):
    def __init__(self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:Platform", name, None, opts)
        self.args = args
        self.register_outputs({})

    def deploy_app(self, name: str, args: AppDeploymentArgs, opts: pulumi.ResourceOptions) -> AppDeployment:
        return AwsApp(name, args, opts)
