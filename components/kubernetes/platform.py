"""KubernetesPlatform: the stack-wide foundation on a cluster."""

from __future__ import annotations

import pulumi

from components.platform import AppDeployment, AppDeploymentArgs, FoundationArgs, PlatformFoundation


class KubernetesApp(AppDeployment):
    def __init__(self, name: str, args: AppDeploymentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:kubernetes:App", name, None, opts)
        self.url = None
        self.register_outputs({})


class KubernetesPlatform(PlatformFoundation):
    def __init__(self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:kubernetes:Platform", name, None, opts)
        self.args = args
        self.register_outputs({})

    def deploy_app(self, name: str, args: AppDeploymentArgs, opts: pulumi.ResourceOptions) -> AppDeployment:
        return KubernetesApp(name, args, opts)
