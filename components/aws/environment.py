"""What an AWS environment stack shares with its app stacks, and how an app stack reads it back.

SharedServices (mode environment) creates one ECS cluster, one ALB (HTTP redirecting to HTTPS, access
logs, a default certificate for the environment's domain) and one KMS-encrypted alarm topic next to the
network. `environment_outputs` exports them with the network as the stack's typed outputs;
EnvironmentReference (mode app) reads the same keys through a pulumi.StackReference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from appstack.components.platform import AppDeployment, AppDeploymentArgs, FoundationArgs, PlatformFoundation

from appstack.environment import BLOCK_SIZE, EnvironmentLink
from appstack.naming.aws import kms_alias
from appstack.stackconfig import StackSettings

from .app import AwsApp
from .certificate import CertificateArgs, DnsValidatedCertificate
from .common import tags
from .compute.cluster import ecs_cluster
from .compute.load_balancer import AlbArgs, http_listener, https_listener, load_balancer, load_balancer_group
from .compute.naming import dns_label
from .compute.observability import AlarmTopic, AlarmTopicArgs
from .contracts import NetworkRefs, SharedEdge, SharedRefs
from .kms import AppKey, AppKeyArgs
from .network import plan_network

NETWORK_LISTS = ("public_subnet_ids", "private_subnet_ids", "isolated_subnet_ids")


def environment_cluster_name(environment: str) -> str:
    """The shared ECS cluster: app clusters are <app>-<stack>, so this never collides with one."""
    return f"{dns_label(environment)}-shared"


@dataclass(frozen=True)
class SharedServicesArgs:
    settings: StackSettings
    stack: str  # the environment's name in physical names
    network: NetworkRefs


class SharedServices(pulumi.ComponentResource):
    """`refs` (SharedRefs without a priority block: each app stack has its own)."""

    def __init__(self, name: str, args: SharedServicesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:SharedServices", name, None, opts)
        settings, defaults = args.settings, args.settings.defaults
        environment = settings.environment
        assert environment is not None
        key = AppKey(f"{name}-alarms", AppKeyArgs(
            description=f"appstack {args.stack}: the environment's alarm topic", alias=kms_alias(args.stack, "alarms"),
            deletion_window_days=30 if defaults.protect_stateful else 7, protect=defaults.protect_stateful,
            tags=tags(args.stack, role="alarms"),
        ), pulumi.ResourceOptions(parent=self))
        key.attach_policy(event_rules=True)  # every app's failed scheduled jobs are notified here
        topic = AlarmTopic(f"{name}-alarms", AlarmTopicArgs(
            kms_key_arn=key.arn, emails=settings.aws.alarm_emails,
            https_endpoints=settings.aws.alarm_https_endpoints, event_rules=True,
        ), pulumi.ResourceOptions(parent=self))
        cluster = ecs_cluster(name, environment_cluster_name(args.stack), self)
        edge = f"{name}-edge"
        group = load_balancer_group(edge, args.network.vpc_id, f"{args.stack} shared", self,
                                    tags(args.stack, role="shared-edge"))
        alb = load_balancer(edge, AlbArgs(settings, args.network, group.id, args.stack, key.raw_arn,
                                          environment.idle_timeout_seconds), self)
        http_listener(edge, alb, redirect=True, parent=self)
        certificate = settings.aws.certificate_arn or DnsValidatedCertificate(
            f"{edge}-certificate",
            CertificateArgs(domains=[settings.domain or ""], hosted_zone_id=settings.aws.hosted_zone_id),
            pulumi.ResourceOptions(parent=self),
        ).arn
        # Apps attach their own certificates (SNI); the listener's headers are the same for every app.
        listener = https_listener(edge, alb, settings, certificate, environment.security_headers, self)
        self.refs = SharedRefs(
            cluster_name=environment_cluster_name(args.stack), cluster_arn=cluster.arn, alarm_topic_arn=topic.arn,
            edge=SharedEdge(group.id, listener.arn, alb.arn_suffix, alb.dns_name, alb.zone_id, first_priority=0),
        )
        self.register_outputs({"cluster_arn": cluster.arn, "https_listener_arn": listener.arn})


def environment_outputs(
    settings: StackSettings, name: str, network: NetworkRefs, endpoint_group: pulumi.Input[str] | None,
    shared: SharedRefs,
) -> dict[str, Any]:
    """The environment stack's exports, read back by EnvironmentReference (same keys)."""
    environment = settings.environment
    assert environment is not None
    outputs: dict[str, Any] = {
        "platform": "aws",
        "environment": name,
        "vpc_id": network.vpc_id,
        "vpc_cidr": network.vpc_cidr,
        **{key: getattr(network, key) for key in NETWORK_LISTS},
        "availability_zones": network.availability_zones,
        "cluster_name": shared.cluster_name,
        "cluster_arn": shared.cluster_arn,
        "alarm_topic_arn": shared.alarm_topic_arn,
        "alb_security_group_id": shared.edge.security_group_id,
        "https_listener_arn": shared.edge.listener_arn,
        "alb_arn_suffix": shared.edge.arn_suffix,
        "alb_dns_name": shared.edge.dns_name,
        "alb_zone_id": shared.edge.zone_id,
        "priority_blocks": {
            app: [entry.priority_block * BLOCK_SIZE, entry.priority_block * BLOCK_SIZE + BLOCK_SIZE - 1]
            for app, entry in sorted(environment.apps.items())
        },
    }
    if endpoint_group is not None:
        outputs["endpoint_security_group_id"] = endpoint_group
    return outputs


class EnvironmentReference(PlatformFoundation):
    """Mode app: the environment stack's network and shared services, read through a StackReference.

    List lengths (subnets per zone) come from the environment's stack file, so they are known before any
    resource; every ID and ARN comes from the environment's outputs."""

    def __init__(self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:EnvironmentReference", name, None, opts)
        link = args.link
        assert link is not None
        self.args = args
        self.reference = pulumi.StackReference(
            f"{name}-environment", stack_name=link.reference_name(pulumi.get_project(), pulumi.get_organization()),
            opts=pulumi.ResourceOptions(parent=self),
        )
        out = self.reference.require_output
        zones = plan_network(link.settings).zones

        def items(key: str) -> list[pulumi.Output[str]]:
            return [out(key).apply(lambda values, i=i: values[i]) for i in range(len(zones))]

        self.network = NetworkRefs(
            vpc_id=out("vpc_id"), vpc_cidr=out("vpc_cidr"), public_subnet_ids=items("public_subnet_ids"),
            private_subnet_ids=items("private_subnet_ids"), isolated_subnet_ids=items("isolated_subnet_ids"),
            availability_zones=zones,
        )
        self.endpoint_security_group_id = (
            out("endpoint_security_group_id") if link.settings.aws.interface_endpoints else None
        )
        self.shared = shared_refs(link, out)
        self.register_outputs({"environment": self.reference.name})

    def deploy_app(self, name: str, args: AppDeploymentArgs, opts: pulumi.ResourceOptions) -> AppDeployment:
        return AwsApp(name, args, network=self.network, endpoint_security_group_id=self.endpoint_security_group_id,
                      shared=self.shared, opts=opts)


def shared_refs(link: EnvironmentLink, out: Any) -> SharedRefs:
    edge = SharedEdge(out("alb_security_group_id"), out("https_listener_arn"), out("alb_arn_suffix"),
                      out("alb_dns_name"), out("alb_zone_id"), first_priority=link.first_priority)
    return SharedRefs(environment_cluster_name(link.name), out("cluster_arn"), out("alarm_topic_arn"), edge)
