"""How services are reached: a ClusterIP Service per service, and the app's Ingress for public routes.

The Ingress (networking.k8s.io/v1) uses the configured class; TLS comes from a cert-manager
Certificate issued by the configured ClusterIssuer. WebSocket routes live on their own Ingress so
only they get the long read/send timeouts. Response security headers are set through the
ingress-nginx custom-headers annotation from a ConfigMap in the app namespace. ingress-nginx
refuses (HTTP 503 on every path of the Ingress) any header its controller ConfigMap does not list in
`global-allowed-response-headers`, which is empty by default: the controller must allow exactly
RESPONSE_HEADERS (docs/kubernetes.md installs it so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from appstack.spec import ServiceSpec

from .common import TYPE_PREFIX, AppContext, child
from .workload import PORT_NAMES

NGINX = "nginx.ingress.kubernetes.io"
APP_PROTOCOLS = {"http": "http", "grpc": "kubernetes.io/h2c"}
# Every header security_headers() can emit: the controller's global-allowed-response-headers.
RESPONSE_HEADERS = ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Strict-Transport-Security")


@dataclass(frozen=True)
class ServiceExposureArgs:
    ctx: AppContext
    name: str
    spec: ServiceSpec


class ServiceExposure(pulumi.ComponentResource):
    """A ClusterIP Service in front of one service's pods. Outputs: `host`, `port`."""

    def __init__(self, name: str, args: ServiceExposureArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:ServiceExposure", name, None, opts)
        ctx, spec = args.ctx, args.spec
        port: dict[str, Any] = {"name": PORT_NAMES[spec.protocol], "port": spec.port,
                                "targetPort": PORT_NAMES[spec.protocol], "protocol": "TCP"}
        if spec.protocol in APP_PROTOCOLS:
            port["appProtocol"] = APP_PROTOCOLS[spec.protocol]
        ports = [port]
        if spec.metrics and spec.metrics.port and spec.metrics.port != spec.port:
            ports.append({"name": "metrics", "port": spec.metrics.port, "targetPort": "metrics", "protocol": "TCP"})
        self.service = k8s.core.v1.Service(
            name,
            metadata=ctx.meta(args.name, {"app.kubernetes.io/name": args.name}),
            spec={"type": "ClusterIP", "selector": ctx.selector(args.name), "ports": ports},
            opts=child(self),
        )
        self.host = f"{args.name}.{ctx.namespace}.svc.cluster.local"
        self.port = spec.port
        self.register_outputs({"host": self.host, "port": self.port})


@dataclass(frozen=True)
class AppIngressArgs:
    ctx: AppContext
    services: dict[str, ServiceSpec]  # the app's public services


def security_headers(ctx: AppContext) -> dict[str, str]:
    headers = ctx.spec.edge.security_headers
    out = {"X-Frame-Options": headers.frame_options, "Referrer-Policy": headers.referrer_policy}
    if headers.content_type_nosniff:
        out["X-Content-Type-Options"] = "nosniff"
    if headers.hsts and ctx.spec.tls:
        out["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return out


class AppIngress(pulumi.ComponentResource):
    """Outputs: `url` (the app's public base URL) and `hosts`."""

    def __init__(self, name: str, args: AppIngressArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:AppIngress", name, None, opts)
        ctx = args.ctx
        edge = ctx.spec.edge
        domain = ctx.spec.domain
        groups: dict[bool, dict[str | None, list[dict[str, Any]]]] = {False: {}, True: {}}
        for service_name, service in sorted(args.services.items()):
            for route in service.routes:
                path = {"path": route.path, "pathType": "Prefix", "backend": {
                    "service": {"name": service_name, "port": {"number": service.port}}}}
                groups[route.websocket].setdefault(route.host or domain, []).append(path)
        self.hosts = sorted({h for group in groups.values() for h in group if h})
        tls = ctx.spec.tls and bool(self.hosts)
        secret_name = f"{ctx.app}-tls"
        self.certificate = None
        if tls:
            self.certificate = k8s.apiextensions.CustomResource(
                f"{name}-certificate",
                api_version="cert-manager.io/v1",
                kind="Certificate",
                metadata=ctx.meta(ctx.app),
                spec={
                    "secretName": secret_name,
                    "dnsNames": self.hosts,
                    "issuerRef": {"name": ctx.k8s.cluster_issuer, "kind": "ClusterIssuer", "group": "cert-manager.io"},
                    "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                },
                opts=child(self),
            )
        self.headers = k8s.core.v1.ConfigMap(
            f"{name}-security-headers",
            metadata=ctx.meta(f"{ctx.app}-security-headers"),
            data=security_headers(ctx),
            opts=child(self),
        )
        self.ingresses = []
        for websocket, by_host in groups.items():
            if not by_host:
                continue
            timeout = edge.websocket_timeout_seconds if websocket else edge.request_timeout_seconds
            annotations = {
                f"{NGINX}/proxy-body-size": f"{edge.max_body_size_mb}m",
                f"{NGINX}/proxy-read-timeout": str(timeout),
                f"{NGINX}/proxy-send-timeout": str(timeout),
                f"{NGINX}/proxy-connect-timeout": "10",
                f"{NGINX}/custom-headers": f"{ctx.namespace}/{ctx.app}-security-headers",
                f"{NGINX}/ssl-redirect": "true" if tls else "false",
            }
            spec: dict[str, Any] = {
                "ingressClassName": ctx.k8s.ingress_class,
                "rules": [
                    {**({"host": host} if host else {}), "http": {"paths": sorted(paths, key=lambda p: p["path"])}}
                    for host, paths in sorted(by_host.items(), key=lambda item: item[0] or "")
                ],
            }
            if tls:
                spec["tls"] = [{"hosts": sorted(h for h in by_host if h), "secretName": secret_name}]
            suffix = "-websocket" if websocket else ""
            self.ingresses.append(k8s.networking.v1.Ingress(
                f"{name}{suffix}",
                metadata=ctx.meta(f"{ctx.app}{suffix}", annotations=annotations),
                spec=spec,
                opts=child(self, depends_on=[self.headers, *([self.certificate] if self.certificate else [])]),
            ))
        scheme = "https" if ctx.spec.tls else "http"
        self.url = pulumi.Output.from_input(f"{scheme}://{domain}") if domain else None
        self.register_outputs({"url": self.url, "hosts": self.hosts})
