"""How services are reached: a ClusterIP Service per service, and the app's Ingress for public routes.

The Ingress (networking.k8s.io/v1) uses the configured class; TLS comes from a cert-manager
Certificate issued by the configured ClusterIssuer. WebSocket routes live on their own Ingress so
only they get the long read/send timeouts; each `edge.cache` rule, rewrite and redirect gets its own
Ingress too, because ingress-nginx applies annotations per Ingress. Response headers are set through the
ingress-nginx custom-headers annotation from a ConfigMap in the app namespace (configuration snippets
stay disabled, as ingress-nginx ships them). ingress-nginx refuses (HTTP 503 on every path of the
Ingress) any header its controller ConfigMap does not list in `global-allowed-response-headers`, which
is empty by default: the controller must allow exactly RESPONSE_HEADERS (docs/kubernetes.md installs it so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from appstack.spec import ServiceSpec
from appstack.spec.edge import slug
from appstack.spec.kubernetes import ObjectMetadata

from .common import TYPE_PREFIX, AppContext, child
from .workload import PORT_NAMES

NGINX = "nginx.ingress.kubernetes.io"
APP_PROTOCOLS = {"http": "http", "grpc": "kubernetes.io/h2c"}
# Every header security_headers() can emit: the controller's global-allowed-response-headers.
RESPONSE_HEADERS = ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Strict-Transport-Security",
                    "Cache-Control")


def user_meta(metadata: dict[str, Any], user: ObjectMetadata) -> dict[str, Any]:
    """The object's metadata with the spec's extra labels and annotations under appstack's own (which win)."""
    out = dict(metadata)
    for key in ("labels", "annotations"):
        extra = getattr(user, key)
        if extra:
            out[key] = {**extra, **(metadata.get(key) or {})}
    return out


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
            metadata=user_meta(ctx.meta(args.name, {"app.kubernetes.io/name": args.name}), spec.kubernetes.service),
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
        out["Strict-Transport-Security"] = headers.hsts_value()
    return out


def rewrite_pattern(path: str, to: str) -> tuple[str, str]:
    """(Ingress path regex, rewrite-target) replacing the prefix `path` by `to`: /health and /health/...
    match, /healthz does not (it stays with the other routes)."""
    if to == "/":
        return f"{path}(/|$)(.*)", "/$2"
    return f"{path}(/.*)?$", f"{to}$1"


def _path(path: str, service: str, port: int, path_type: str = "Prefix") -> dict[str, Any]:
    return {"path": path, "pathType": path_type,
            "backend": {"service": {"name": service, "port": {"number": port}}}}


class AppIngress(pulumi.ComponentResource):
    """Outputs: `url` (the app's public base URL) and `hosts`."""

    def __init__(self, name: str, args: AppIngressArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:AppIngress", name, None, opts)
        self.ctx = ctx = args.ctx
        spec = ctx.spec
        edge = spec.edge
        domain = spec.domain
        # A cache rule on exactly a route's path serves that route from the cache rule's Ingress
        # (ingress-nginx refuses one host and path on two Ingresses).
        cached = {(host, rule.path) for rule in edge.cache for host in spec.route_hosts_serving(rule.path)}
        groups: dict[bool, dict[str | None, list[dict[str, Any]]]] = {False: {}, True: {}}
        for service_name, service in sorted(args.services.items()):
            for route in service.routes:
                host = route.host or domain
                paths = groups[route.websocket].setdefault(host, [])
                if (host, route.path) not in cached:
                    paths.append(_path(route.path, service_name, service.port))
        self.hosts = sorted({h for group in groups.values() for h in group if h})
        self.tls = spec.tls and bool(self.hosts)
        self.certificate = None
        if self.tls:
            self.certificate = k8s.apiextensions.CustomResource(
                f"{name}-certificate",
                api_version="cert-manager.io/v1",
                kind="Certificate",
                metadata=ctx.meta(ctx.app),
                spec={
                    "secretName": f"{ctx.app}-tls",
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
            by_host = {host: paths for host, paths in by_host.items() if paths}
            if by_host:
                suffix = "-websocket" if websocket else ""
                self._ingress(name, suffix, by_host, websocket=websocket)
        self._edge_ingresses(name, args)
        scheme = "https" if spec.tls else "http"
        self.url = pulumi.Output.from_input(f"{scheme}://{domain}") if domain else None
        self.register_outputs({"url": self.url, "hosts": self.hosts})

    def _ingress(self, name: str, suffix: str, by_host: dict[str | None, list[dict[str, Any]]], *,
                 websocket: bool = False, headers: k8s.core.v1.ConfigMap | None = None,
                 headers_name: str | None = None, extra: dict[str, str] | None = None) -> k8s.networking.v1.Ingress:
        ctx = self.ctx
        edge = ctx.spec.edge
        timeout = edge.websocket_timeout_seconds if websocket else edge.request_timeout_seconds
        annotations = {
            f"{NGINX}/proxy-body-size": f"{edge.max_body_size_mb}m",
            f"{NGINX}/proxy-read-timeout": str(timeout),
            f"{NGINX}/proxy-send-timeout": str(timeout),
            f"{NGINX}/proxy-connect-timeout": "10",
            f"{NGINX}/custom-headers": f"{ctx.namespace}/{headers_name or f'{ctx.app}-security-headers'}",
            f"{NGINX}/ssl-redirect": "true" if self.tls else "false",
            **(extra or {}),
        }
        spec: dict[str, Any] = {
            "ingressClassName": ctx.k8s.ingress_class,
            "rules": [
                {**({"host": host} if host else {}), "http": {"paths": sorted(paths, key=lambda p: p["path"])}}
                for host, paths in sorted(by_host.items(), key=lambda item: item[0] or "")
            ],
        }
        if self.tls:
            spec["tls"] = [{"hosts": sorted(h for h in by_host if h), "secretName": f"{ctx.app}-tls"}]
        ingress = k8s.networking.v1.Ingress(
            f"{name}{suffix}",
            metadata=user_meta(ctx.meta(f"{ctx.app}{suffix}", annotations=annotations), ctx.spec.kubernetes.ingress),
            spec=spec,
            opts=child(self, depends_on=[headers or self.headers, *([self.certificate] if self.certificate else [])]),
        )
        self.ingresses.append(ingress)
        return ingress

    def _edge_ingresses(self, name: str, args: AppIngressArgs) -> None:
        """One Ingress per cache rule (its own headers ConfigMap), rewrite and redirect."""
        ctx = self.ctx
        spec = ctx.spec
        for rule in spec.edge.cache:
            suffix = f"-cache-{slug(rule.path)}"
            data = {**security_headers(ctx), "Cache-Control": rule.cache_control}
            headers = k8s.core.v1.ConfigMap(f"{name}{suffix}-headers", metadata=ctx.meta(f"{ctx.app}{suffix}-headers"),
                                            data=data, opts=child(self))
            by_host: dict[str | None, list[dict[str, Any]]] = {}
            for host in spec.route_hosts_serving(rule.path):
                owner = spec.route_owner(host, rule.path)
                assert owner is not None  # route_hosts_serving found it
                by_host[host] = [_path(rule.path, owner[0], args.services[owner[0]].port)]
            self._ingress(name, suffix, by_host, headers=headers, headers_name=f"{ctx.app}{suffix}-headers")
        for rewrite in spec.edge.rewrites:
            host = rewrite.host or spec.domain
            owner = spec.route_owner(host, rewrite.to)
            assert owner is not None  # spec checks: a route serves `to`
            pattern, target = rewrite_pattern(rewrite.path, rewrite.to)
            self._ingress(name, f"-rewrite-{slug(rewrite.path)}", {host: [
                _path(pattern, owner[0], args.services[owner[0]].port, "ImplementationSpecific")]},
                extra={f"{NGINX}/use-regex": "true", f"{NGINX}/rewrite-target": target})
        for redirect in spec.edge.redirects:
            host = redirect.host or spec.domain
            # The backend is never reached: ingress-nginx answers the redirect itself.
            first, service = next(iter(sorted(args.services.items())))
            kind = "permanent" if redirect.status == 301 else "temporal"
            self._ingress(name, f"-redirect-{slug(redirect.path)}", {host: [_path(redirect.path, first, service.port)]},
                          extra={f"{NGINX}/{kind}-redirect": redirect.to})
