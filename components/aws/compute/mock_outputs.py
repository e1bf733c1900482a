"""Provider-computed outputs that the compute layer reads, for offline synthesis (merge into
components/aws/mock_outputs.py COMPUTED_OUTPUTS)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def _hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _ecr_repository(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    repository = inputs.get("name") or name
    return {
        "name": repository,
        "registryId": ACCOUNT_ID,
        "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/{repository}",
    }


def _docker_image(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    repository = str(inputs.get("imageName", name)).rsplit(":", 1)[0]
    return {"repoDigest": f"{repository}@sha256:{_hex(name, 64)}"}


def _load_balancer(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    suffix = f"app/{name}/{_hex(name, 16)}"
    return {
        "arn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT_ID}:loadbalancer/{suffix}",
        "arnSuffix": suffix,
        "dnsName": f"{name}-{_hex(name, 8)}.{REGION}.elb.amazonaws.com",
        "zoneId": "Z35SXDOTRQ7X7K",
    }


def _target_group(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    suffix = f"targetgroup/{name[:24]}/{_hex(name, 16)}"
    return {"arn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT_ID}:{suffix}", "arnSuffix": suffix}


def _amp_workspace(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    workspace = f"ws-{_hex(name, 8)}-0000-0000-0000-{_hex(name, 12)}"
    return {
        "arn": f"arn:aws:aps:{REGION}:{ACCOUNT_ID}:workspace/{workspace}",
        "prometheusEndpoint": f"https://aps-workspaces.{REGION}.amazonaws.com/workspaces/{workspace}/",
    }


COMPUTED_OUTPUTS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    "aws:ecr/repository:Repository": _ecr_repository,
    "docker:index/image:Image": _docker_image,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:amp/workspace:Workspace": _amp_workspace,
}
