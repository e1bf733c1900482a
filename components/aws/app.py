"""AwsApp: one app on AWS. Its data layer (AppData) always; its compute layer when that module exists."""

from __future__ import annotations

import importlib.util

import pulumi

from components.platform import AppDeployment, AppDeploymentArgs

from .contracts import AppDataRefs, NetworkRefs
from .data import AppData, AppDataArgs


class AwsApp(AppDeployment):
    data: AppDataRefs

    def __init__(
        self,
        name: str,
        args: AppDeploymentArgs,
        network: NetworkRefs,
        endpoint_security_group_id: pulumi.Output[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("appstack:aws:App", name, None, opts)
        self.data = AppData(
            name,
            AppDataArgs(
                spec=args.spec,
                settings=args.settings,
                stack=args.stack,
                secrets=args.secrets,
                network=network,
                endpoint_security_group_id=endpoint_security_group_id,
            ),
            pulumi.ResourceOptions(parent=self),
        ).refs
        self.url = None
        try:
            from components.aws.compute import AppCompute, AppComputeArgs
        except ImportError as error:
            AppCompute = None  # noqa: N806 - the compute layer is optional until it lands
            if _module_exists("components.aws.compute"):
                pulumi.log.warn(f"components.aws.compute exists but does not import ({error}); no compute deployed")
        if AppCompute is not None:
            self.compute = AppCompute(
                name,
                AppComputeArgs(
                    spec=args.spec, settings=args.settings, stack=args.stack, network=network, data=self.data
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.url = self.compute.url
        self.register_outputs({"url": self.url})


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules (tests)
        return False
