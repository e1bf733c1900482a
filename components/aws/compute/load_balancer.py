"""The app's public edge: an ALB in the public subnets, HTTPS with HTTP redirecting to it, one IP
target group per public service and one listener rule per route (host and path)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from appstack.naming import autonamed
from appstack.naming import aws as limits
from appstack.spec import AppSpec, ServiceSpec
from appstack.stackconfig import StackSettings

from ..certificate import CertificateArgs, DnsValidatedCertificate
from ..contracts import NetworkRefs
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


class AppLoadBalancer(pulumi.ComponentResource):
    """`security_group_id`, `arn_suffix`, `dns_name`, `target_groups` (service -> TargetGroup) and `url`."""

    def __init__(self, name: str, args: AppLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AppLoadBalancer", name, None, opts)
        spec, settings, aws_settings = args.spec, args.settings, args.settings.aws
        protect = settings.defaults.protect_stateful
        child = pulumi.ResourceOptions(parent=self)

        group = aws.ec2.SecurityGroup(
            name, vpc_id=args.network.vpc_id, description=f"{spec.name} load balancer: HTTP and HTTPS in", opts=child
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
        logs = AlbAccessLogBucket(
            f"{name}-access-logs",
            AccessLogBucketArgs(
                region=aws_settings.region,
                prefix=spec.name,
                account_arn=args.kms_key_arn,
                retention_days=settings.defaults.log_retention_days,
                protect=protect,
            ),
            child,
        )
        alb = aws.lb.LoadBalancer(
            autonamed(name, limits.LOAD_BALANCER_NAME),
            load_balancer_type="application",
            internal=False,
            subnets=args.network.public_subnet_ids,
            security_groups=[group.id],
            idle_timeout=idle_timeout(spec),
            drop_invalid_header_fields=True,
            desync_mitigation_mode=aws_settings.desync_mitigation_mode,
            enable_deletion_protection=protect,
            enable_http2=True,
            access_logs={"bucket": logs.bucket_name, "enabled": True, "prefix": spec.name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs.policy]),
        )
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
        listener = self._listeners(name, args, alb, child)
        for rule in route_rules(spec, with_hosts=bool(spec.domain)):
            conditions: list[dict] = [{"path_pattern": {"values": rule.path_patterns}}]
            if rule.host:
                conditions.append({"host_header": {"values": [rule.host]}})
            aws.lb.ListenerRule(
                f"{name}-{rule.service}-{rule.priority}",
                listener_arn=listener.arn,
                priority=rule.priority,
                conditions=conditions,
                actions=[{"type": "forward", "target_group_arn": self.target_groups[rule.service].arn}],
                opts=child,
            )
        edge_rules(name, spec, listener.arn, self.target_groups, with_hosts=bool(spec.domain), opts=child)
        for note in unexpressed_edge_facts(spec):
            pulumi.log.warn(note)
        if aws_settings.hosted_zone_id:
            for index, host in enumerate(route_hosts(spec)):
                aws.route53.Record(
                    f"{name}-alias-{index}",
                    zone_id=aws_settings.hosted_zone_id,
                    name=host,
                    type="A",
                    aliases=[{"name": alb.dns_name, "zone_id": alb.zone_id, "evaluate_target_health": True}],
                    opts=child,
                )
        self.security_group_id = group.id
        self.arn_suffix = alb.arn_suffix
        self.dns_name = alb.dns_name
        if spec.domain:
            self.url: pulumi.Output[str] = pulumi.Output.from_input(
                f"{'https' if args.tls else 'http'}://{spec.domain}"
            )
        else:
            self.url = pulumi.Output.concat("http://", alb.dns_name)
        self.register_outputs({"url": self.url, "dns_name": self.dns_name})

    def _listeners(
        self, name: str, args: AppLoadBalancerArgs, alb: aws.lb.LoadBalancer, child: pulumi.ResourceOptions
    ) -> aws.lb.Listener:
        """The listener that carries the route rules (HTTPS, or HTTP for a plain-HTTP dev app)."""
        not_found = {
            "type": "fixed-response",
            "fixed_response": {"content_type": "text/plain", "message_body": "Not Found", "status_code": "404"},
        }
        if not args.tls:
            return aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[not_found],
                opts=child,
            )
        aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}
            ],
            opts=child,
        )
        aws_settings = args.settings.aws
        certificate_arn: pulumi.Input[str]
        if aws_settings.certificate_arn:
            certificate_arn = aws_settings.certificate_arn
        else:
            certificate_arn = DnsValidatedCertificate(
                f"{name}-certificate",
                CertificateArgs(domains=route_hosts(args.spec), hosted_zone_id=aws_settings.hosted_zone_id),
                child,
            ).arn
        headers = args.spec.edge.security_headers
        return aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=aws_settings.ssl_policy,
            certificate_arn=certificate_arn,
            default_actions=[not_found],
            routing_http_response_server_enabled=False,
            routing_http_response_strict_transport_security_header_value=headers.hsts_value() if headers.hsts else None,
            routing_http_response_x_frame_options_header_value=headers.frame_options,
            routing_http_response_x_content_type_options_header_value=(
                "nosniff" if headers.content_type_nosniff else None
            ),
            opts=child,
        )
