"""The app's public edge: an ALB in the public subnets, HTTPS with HTTP redirecting to it, one IP
target group per public service and one listener rule per route (host and path)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from appstack.naming import autonamed
from appstack.naming import aws as limits
from appstack.spec import AppSpec, ServiceSpec
from appstack.spec.edge import SecurityHeaders
from appstack.stackconfig import StackSettings

from ..certificate import CertificateArgs, DnsValidatedCertificate
from ..contracts import NetworkRefs, SharedEdge
from .access_logs import AccessLogBucketArgs, AlbAccessLogBucket
from .edge_rules import edge_rules, unexpressed_edge_facts

ALB_MAX_IDLE_TIMEOUT = 4000
FIRST_RULE_PRIORITY = 100


@dataclass(frozen=True)
class RouteRule:
    service: str
    host: str | None
    path: str
    priority: int

    @property
    def path_patterns(self) -> list[str]:
        return ["/*"] if self.path == "/" else [self.path, f"{self.path}/*"]


def route_rules(spec: AppSpec, *, with_hosts: bool) -> list[RouteRule]:
    """Every route as a listener rule; longer (more specific) paths get lower (earlier) priorities."""
    routes = [
        (service, route.host or spec.domain, route.path)
        for service, svc in sorted(spec.public_services.items())
        for route in svc.routes
    ]
    routes.sort(key=lambda r: (-len(r[2]), r[2], r[1] or "", r[0]))
    return [
        RouteRule(service, host if with_hosts else None, path, FIRST_RULE_PRIORITY + 10 * index)
        for index, (service, host, path) in enumerate(routes)
    ]


def route_hosts(spec: AppSpec) -> list[str]:
    """The app's domain first, then every other host a route names."""
    hosts = [spec.domain] if spec.domain else []
    for svc in spec.public_services.values():
        hosts += [r.host for r in svc.routes if r.host and r.host not in hosts]
    return hosts


def idle_timeout(spec: AppSpec) -> int:
    """Long enough for the WebSocket routes (ALB caps it at 4000 s); the request timeout otherwise."""
    has_websocket = any(r.websocket for svc in spec.public_services.values() for r in svc.routes)
    wanted = spec.edge.websocket_timeout_seconds if has_websocket else spec.edge.request_timeout_seconds
    return min(wanted, ALB_MAX_IDLE_TIMEOUT)


def target_health_check(service: ServiceSpec) -> dict:
    probe = service.health.readiness or service.health.liveness
    interval = max(5, min(300, probe.period_seconds if probe else 15))
    timeout = max(2, min(120, probe.timeout_seconds if probe else 5, interval - 1))
    return {
        "enabled": True,
        "path": service.health.http_check_path(),
        "port": "traffic-port",
        "protocol": "HTTP",
        "matcher": "200-399",
        "interval": interval,
        "timeout": timeout,
        "healthy_threshold": 2,
        "unhealthy_threshold": max(2, min(10, probe.failure_threshold if probe else 3)),
    }


@dataclass(frozen=True)
class AppLoadBalancerArgs:
    spec: AppSpec
    settings: StackSettings
    network: NetworkRefs
    kms_key_arn: pulumi.Input[str]  # the app's key; its ARN names the account
    tls: bool  # False only for an explicitly allowed plain-HTTP dev app
    shared: SharedEdge | None = None  # attach to an environment's ALB instead of creating one


def load_balancer_group(
    name: str, vpc_id: pulumi.Input[str], what: str, parent: pulumi.Resource, tags: Mapping[str, str] | None = None
) -> aws.ec2.SecurityGroup:
    """The ALB's security group: HTTP and HTTPS from anywhere (IPv4 and IPv6). `tags`: an environment's
    (`appstack:role` `shared-edge`, by which its app stacks' roles may add their rules to it)."""
    child = pulumi.ResourceOptions(parent=parent)
    group = aws.ec2.SecurityGroup(
        name, vpc_id=vpc_id, description=f"{what} load balancer: HTTP and HTTPS in", tags=tags, opts=child
    )
    for port in (80, 443):
        for family, cidr in (("ipv4", "0.0.0.0/0"), ("ipv6", "::/0")):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{port}-{family}",
                security_group_id=group.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=f"{'HTTPS' if port == 443 else 'HTTP'} from the internet ({family})",
                **({"cidr_ipv4": cidr} if family == "ipv4" else {"cidr_ipv6": cidr}),
                opts=child,
            )
    return group


@dataclass(frozen=True)
class AlbArgs:
    settings: StackSettings
    network: NetworkRefs
    group_id: pulumi.Input[str]
    log_prefix: str
    account_arn: pulumi.Input[str]  # any ARN of the account (a KMS key's)
    idle_timeout: int


def load_balancer(name: str, args: AlbArgs, parent: pulumi.Resource) -> aws.lb.LoadBalancer:
    """An internet-facing ALB in the public subnets, with its access log bucket."""
    settings, aws_settings = args.settings, args.settings.aws
    protect = settings.defaults.protect_stateful
    logs = AlbAccessLogBucket(
        f"{name}-access-logs",
        AccessLogBucketArgs(
            region=aws_settings.region,
            prefix=args.log_prefix,
            account_arn=args.account_arn,
            retention_days=settings.defaults.log_retention_days,
            protect=protect,
        ),
        pulumi.ResourceOptions(parent=parent),
    )
    return aws.lb.LoadBalancer(
        autonamed(name, limits.LOAD_BALANCER_NAME),
        load_balancer_type="application",
        internal=False,
        subnets=args.network.public_subnet_ids,
        security_groups=[args.group_id],
        idle_timeout=args.idle_timeout,
        drop_invalid_header_fields=True,
        desync_mitigation_mode=aws_settings.desync_mitigation_mode,
        enable_deletion_protection=protect,
        enable_http2=True,
        access_logs={"bucket": logs.bucket_name, "enabled": True, "prefix": args.log_prefix},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[logs.policy]),
    )


NOT_FOUND = {
    "type": "fixed-response",
    "fixed_response": {"content_type": "text/plain", "message_body": "Not Found", "status_code": "404"},
}


def http_listener(name: str, alb: aws.lb.LoadBalancer, *, redirect: bool, parent: pulumi.Resource) -> aws.lb.Listener:
    """Port 80: a 301 to HTTPS, or (plain-HTTP dev app) the listener carrying the rules."""
    action = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}
    return aws.lb.Listener(
        f"{name}-http", load_balancer_arn=alb.arn, port=80, protocol="HTTP",
        default_actions=[action if redirect else NOT_FOUND], opts=pulumi.ResourceOptions(parent=parent),
    )


def https_listener(
    name: str, alb: aws.lb.LoadBalancer, settings: StackSettings, certificate_arn: pulumi.Input[str],
    headers: SecurityHeaders, parent: pulumi.Resource,
) -> aws.lb.Listener:
    return aws.lb.Listener(
        f"{name}-https",
        load_balancer_arn=alb.arn,
        port=443,
        protocol="HTTPS",
        ssl_policy=settings.aws.ssl_policy,
        certificate_arn=certificate_arn,
        default_actions=[NOT_FOUND],
        routing_http_response_server_enabled=False,
        routing_http_response_strict_transport_security_header_value=headers.hsts_value() if headers.hsts else None,
        routing_http_response_x_frame_options_header_value=headers.frame_options,
        routing_http_response_x_content_type_options_header_value="nosniff" if headers.content_type_nosniff else None,
        opts=pulumi.ResourceOptions(parent=parent),
    )


class AppLoadBalancer(pulumi.ComponentResource):
    """`security_group_id`, `arn_suffix`, `dns_name`, `target_groups` (service -> TargetGroup) and `url`.

    With `shared` the app attaches to an environment's ALB: its target groups, its listener rules (priorities
    inside its block), its certificate on the shared HTTPS listener and its DNS aliases; the names are the
    ones a single stack gives them."""

    def __init__(self, name: str, args: AppLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AppLoadBalancer", name, None, opts)
        spec, settings, aws_settings = args.spec, args.settings, args.settings.aws
        child = pulumi.ResourceOptions(parent=self)
        shared = args.shared
        if shared is None:
            group_id: pulumi.Input[str] = load_balancer_group(name, args.network.vpc_id, spec.name, self).id
            alb = load_balancer(name, AlbArgs(settings, args.network, group_id, spec.name, args.kms_key_arn,
                                              idle_timeout(spec)), self)
            arn_suffix, dns_name, zone_id = alb.arn_suffix, alb.dns_name, alb.zone_id
            listener_arn = self._listeners(name, args, alb).arn
            first_priority = 0
        else:
            group_id, arn_suffix, dns_name, zone_id = shared.security_group_id, shared.arn_suffix, shared.dns_name, \
                shared.zone_id
            listener_arn, first_priority = shared.listener_arn, shared.first_priority
            aws.lb.ListenerCertificate(f"{name}-certificate", listener_arn=listener_arn,
                                       certificate_arn=self._certificate(name, args), opts=child)
        self.target_groups = {
            service: aws.lb.TargetGroup(
                autonamed(f"{name}-{service}", limits.TARGET_GROUP_NAME),
                target_type="ip",
                port=svc.port,
                protocol="HTTP",
                protocol_version="HTTP1",
                vpc_id=args.network.vpc_id,
                deregistration_delay=aws_settings.deregistration_delay_seconds,
                health_check=target_health_check(svc),
                opts=child,
            )
            for service, svc in sorted(spec.public_services.items())
        }
        for rule in route_rules(spec, with_hosts=bool(spec.domain)):
            conditions: list[dict] = [{"path_pattern": {"values": rule.path_patterns}}]
            if rule.host:
                conditions.append({"host_header": {"values": [rule.host]}})
            aws.lb.ListenerRule(
                f"{name}-{rule.service}-{rule.priority}",
                listener_arn=listener_arn,
                priority=first_priority + rule.priority,
                conditions=conditions,
                actions=[{"type": "forward", "target_group_arn": self.target_groups[rule.service].arn}],
                opts=child,
            )
        edge_rules(name, spec, listener_arn, self.target_groups, with_hosts=bool(spec.domain), opts=child,
                   first_priority=first_priority)
        for note in unexpressed_edge_facts(spec):
            pulumi.log.warn(note)
        if aws_settings.hosted_zone_id:
            for index, host in enumerate(route_hosts(spec)):
                aws.route53.Record(
                    f"{name}-alias-{index}",
                    zone_id=aws_settings.hosted_zone_id,
                    name=host,
                    type="A",
                    aliases=[{"name": dns_name, "zone_id": zone_id, "evaluate_target_health": True}],
                    opts=child,
                )
        self.security_group_id = group_id
        self.arn_suffix = arn_suffix
        self.dns_name = dns_name
        if spec.domain:
            self.url: pulumi.Output[str] = pulumi.Output.from_input(
                f"{'https' if args.tls else 'http'}://{spec.domain}"
            )
        else:
            self.url = pulumi.Output.concat("http://", dns_name)
        self.register_outputs({"url": self.url, "dns_name": self.dns_name})

    def _certificate(self, name: str, args: AppLoadBalancerArgs) -> pulumi.Input[str]:
        aws_settings = args.settings.aws
        if aws_settings.certificate_arn:
            return aws_settings.certificate_arn
        return DnsValidatedCertificate(
            f"{name}-certificate",
            CertificateArgs(domains=route_hosts(args.spec), hosted_zone_id=aws_settings.hosted_zone_id),
            pulumi.ResourceOptions(parent=self),
        ).arn

    def _listeners(self, name: str, args: AppLoadBalancerArgs, alb: aws.lb.LoadBalancer) -> aws.lb.Listener:
        """The listener that carries the route rules (HTTPS, or HTTP for a plain-HTTP dev app)."""
        http = http_listener(name, alb, redirect=args.tls, parent=self)
        if not args.tls:
            return http
        return https_listener(name, alb, args.settings, self._certificate(name, args),
                              args.spec.edge.security_headers, self)
