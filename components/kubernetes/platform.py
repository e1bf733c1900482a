"""KubernetesPlatform: the stack-wide foundation on a cluster.

One explicit Kubernetes provider (kubeconfig and/or context from stack config, server-side apply
on) that every app's resources use, and optionally the kube-prometheus-stack chart.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from appstack.components.generated import from_config
from appstack.components.platform import AppDeployment, AppDeploymentArgs, FoundationArgs, PlatformFoundation

from .app import KubernetesApp, KubernetesAppArgs
from .common import TYPE_PREFIX
from .monitoring import Monitoring


class KubernetesPlatform(PlatformFoundation):
    """Outputs: `provider` (the explicit provider) and `monitoring` (the chart release, when installed)."""

    def __init__(self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Platform", name, None, opts)
        self.args = args
        settings = args.settings.kubernetes
        # Rendering YAML reaches no cluster: the provider refuses a kubeconfig or context beside it.
        cluster = settings.render_yaml_to_directory is None
        self.provider = k8s.Provider(
            f"{name}-provider",
            kubeconfig=settings.kubeconfig if cluster else None,
            context=settings.context if cluster else None,
            enable_server_side_apply=True,
            render_yaml_to_directory=settings.render_yaml_to_directory,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.monitoring: pulumi.Resource | None = None
        # An app stack's cluster-level pieces (the monitoring stack) belong to its environment stack.
        if settings.observability.enabled and settings.observability.install_stack and args.settings.mode != "app":
            self.monitoring = Monitoring(
                f"{name}-monitoring", settings, args.settings.defaults.protect_stateful,
                pulumi.ResourceOptions(parent=self, provider=self.provider),
                retention=args.metrics_retention,
                generated_from_config=from_config(args.settings.generated_secrets)).release
        # An app stack's monitors are scraped by the environment's Prometheus: its namespace comes from the
        # environment's outputs (deploy the environment first; offline, from the environment's plan).
        self.monitoring_namespace: pulumi.Input[str] | None = None
        if args.link is not None and settings.observability.enabled:
            reference = pulumi.StackReference(
                f"{name}-environment",
                stack_name=args.link.reference_name(pulumi.get_project(), pulumi.get_organization()),
                opts=pulumi.ResourceOptions(parent=self))
            namespace = settings.observability.namespace  # an environment that does not install the chart
            self.monitoring_namespace = reference.get_output("monitoring_namespace").apply(lambda v: v or namespace)
        self.register_outputs({"context": settings.context, "namespace_prefix": settings.namespace_prefix})

    def exports(self) -> dict[str, Any]:
        settings = self.args.settings
        if settings.mode != "environment":
            return {}
        observability = settings.kubernetes.observability
        return {
            "platform": "kubernetes",
            "environment": self.args.stack,
            "context": settings.kubernetes.context,
            "namespace_prefix": settings.kubernetes.namespace_prefix,
            "monitoring_namespace": observability.namespace if self.monitoring is not None else None,
            "monitoring_release": self.monitoring.urn if self.monitoring is not None else None,
        }

    def deploy_app(self, name: str, args: AppDeploymentArgs, opts: pulumi.ResourceOptions) -> AppDeployment:
        return KubernetesApp(
            name,
            KubernetesAppArgs(deployment=args, monitoring=self.monitoring,
                              monitoring_namespace=self.monitoring_namespace),
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers={"kubernetes": self.provider})),
        )
