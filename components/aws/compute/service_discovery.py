"""Internal addresses: every service registers in the app's Cloud Map private DNS namespace.

A service answers at <service>.<app>.<stack>.internal on its own port (A records, one per task),
from services, workers and migration tasks alike (ECS Service Connect would not reach run-task jobs).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from appstack.spec import AppSpec

DNS_TTL_SECONDS = 10


def service_values(spec: AppSpec, namespace: str) -> dict[str, str]:
    """The `services.<name>.host|port|address|url` binding values."""
    values: dict[str, str] = {}
    for name, service in sorted(spec.services.items()):
        host = f"{name}.{namespace}"
        base = f"services.{name}"
        values[f"{base}.host"] = host
        values[f"{base}.port"] = str(service.port)
        values[f"{base}.address"] = f"{host}:{service.port}"
        values[f"{base}.url"] = f"http://{host}:{service.port}"
    return values


def discovery_service(
    name: str, service: str, namespace_id: pulumi.Input[str], parent: pulumi.Resource
) -> aws.servicediscovery.Service:
    return aws.servicediscovery.Service(
        name,
        name=service,
        dns_config={
            "namespace_id": namespace_id,
            "dns_records": [{"ttl": DNS_TTL_SECONDS, "type": "A"}],
            "routing_policy": "MULTIVALUE",
        },
        health_check_custom_config={"failure_threshold": 1},
        force_destroy=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
