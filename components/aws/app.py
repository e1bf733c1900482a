"""AwsApp: one app on AWS, its data layer (AppData) handing its references to the compute layer (AppCompute)."""

from __future__ import annotations

import pulumi
from appstack.components.platform import AppDeployment, AppDeploymentArgs

from .common import AppTagging
from .contracts import AppDataRefs, NetworkRefs, SharedRefs
from .data import AppData, AppDataArgs


class AwsApp(AppDeployment):
    data: AppDataRefs

    def __init__(
        self,
        name: str,
        args: AppDeploymentArgs,
        network: NetworkRefs,
        endpoint_security_group_id: pulumi.Output[str] | None = None,
        shared: SharedRefs | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        tagging = pulumi.ResourceOptions(transformations=[AppTagging(args.stack, args.spec.name)])
        super().__init__("appstack:aws:App", name, None, pulumi.ResourceOptions.merge(opts, tagging))
        from appstack.components.aws.compute import AppCompute, AppComputeArgs  # looked up at use: tests substitute it

        data = AppData(
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
        )
        self.data = data.refs
        self.compute = AppCompute(
            name,
            AppComputeArgs(
                spec=args.spec,
                settings=args.settings,
                stack=args.stack,
                network=network,
                data=self.data,
                database_instance_id=data.database_instance_id,
                cache_replication_group_id=data.cache_replication_group_id,
                cache_node_count=max(data.cache_node_count, 1),
                rollout_key=args.rollout_key,
                shared=shared,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.url = self.compute.url
        self.release_commands = dict(self.compute.migration_commands)
        self.register_outputs({"url": self.url})

