"""Two things in one plan that would claim the same identity.

Pulumi rejects a second resource with the same URN; AWS rejects a second resource with a name that must
be unique in its scope (a log group, a role, an ECS family, a service in a cluster, a rule priority on a
listener); Kubernetes refuses a second object of a kind with the same name in a namespace; ECS and pods
refuse two volumes or containers of one name, or mounts of volumes they do not declare.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..synth import PlanResource, reveal
from .core import Finding, is_unknown, resource_label
from .kubernetes import pod_specs
from .kubernetes_schemas import kubernetes_objects

# type token -> (name input, input naming the scope the name must be unique in, or None for the account/region).
UNIQUE_NAMES: dict[str, tuple[str, str | None]] = {
    "aws:cloudwatch/logGroup:LogGroup": ("name", None),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", None),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", None),
    "aws:iam/role:Role": ("name", None),
    "aws:iam/rolePolicy:RolePolicy": ("name", "role"),
    "aws:ecs/cluster:Cluster": ("name", None),
    "aws:ecs/service:Service": ("name", "cluster"),
    "aws:ecs/taskDefinition:TaskDefinition": ("family", None),
    "aws:kms/alias:Alias": ("name", None),
    "aws:rds/instance:Instance": ("identifier", None),
    "aws:rds/parameterGroup:ParameterGroup": ("name", None),
    "aws:rds/subnetGroup:SubnetGroup": ("name", None),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("replicationGroupId", None),
    "aws:elasticache/parameterGroup:ParameterGroup": ("name", None),
    "aws:elasticache/subnetGroup:SubnetGroup": ("name", None),
    "aws:s3/bucket:Bucket": ("bucket", None),
    "aws:cloudfront/originAccessControl:OriginAccessControl": ("name", None),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": ("name", None),
    "aws:secretsmanager/secret:Secret": ("name", None),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": ("name", "vpc"),
    "aws:servicediscovery/service:Service": ("name", "dnsConfig.namespaceId"),
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace": ("name", "workspaceId"),
    "aws:lb/loadBalancer:LoadBalancer": ("name", None),
    "aws:lb/targetGroup:TargetGroup": ("name", None),
    "aws:lb/listenerRule:ListenerRule": ("priority", "listenerArn"),
    "aws:lb/listener:Listener": ("port", "loadBalancerArn"),
    "aws:ec2/securityGroup:SecurityGroup": ("name", "vpcId"),
    "aws:ecr/repository:Repository": ("name", None),
    "aws:sns/topic:Topic": ("name", None),
    "aws:efs/fileSystem:FileSystem": ("creationToken", None),
    "aws:scheduler/scheduleGroup:ScheduleGroup": ("name", None),
    "aws:scheduler/schedule:Schedule": ("name", "groupName"),
    "aws:cloudwatch/eventRule:EventRule": ("name", None),
}
# Final snapshots share the snapshot namespace of their service.
SNAPSHOT_NAMES = {
    "aws:rds/instance:Instance": "rds snapshot",
    "aws:elasticache/replicationGroup:ReplicationGroup": "elasticache snapshot",
}


def check_collisions(resources: list[PlanResource]) -> list[Finding]:
    return sorted(
        {
            *_urns(resources),
            *_aws_names(resources),
            *_kubernetes_objects(resources),
            *_task_definitions(resources),
            *_pods(resources),
        }
    )


def _report(groups: dict[Any, list[PlanResource]], what: str, field: str) -> Iterator[Finding]:
    for key, members in groups.items():
        if len(members) > 1:
            names = sorted({resource_label(r) for r in members})
            shown = key[-1] if isinstance(key, tuple) else key
            others = (
                f"is also claimed by {', '.join(names[1:])}" if len(names) > 1 else f"is claimed {len(members)} times"
            )
            yield Finding(names[0], field, f"{what} '{shown}' {others}")


def _urns(resources: list[PlanResource]) -> Iterator[Finding]:
    groups: dict[str, list[PlanResource]] = defaultdict(list)
    for resource in resources:
        groups[resource.urn].append(resource)
    for urn, members in groups.items():
        if len(members) > 1:
            yield Finding(
                resource_label(members[0]),
                "",
                f"{len(members)} resources register the URN {urn}; "
                "Pulumi rejects the second (rename one of the spec entities that produce it)",
            )


def _get(inputs: dict[str, Any], path: str) -> Any:
    value: Any = reveal(inputs)
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _aws_names(resources: list[PlanResource]) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str], list[PlanResource]] = defaultdict(list)
    for resource in resources:
        if resource.type in UNIQUE_NAMES:
            field, scope = UNIQUE_NAMES[resource.type]
            value = _get(resource.inputs, field)
            if value is not None and not is_unknown(str(value)):
                scope_value = str(_get(resource.inputs, scope)) if scope else ""
                groups[(resource.type, scope_value, str(value))].append(resource)
        if resource.type in SNAPSHOT_NAMES:
            snapshot = _get(resource.inputs, "finalSnapshotIdentifier")
            if snapshot:
                groups[(SNAPSHOT_NAMES[resource.type], "", str(snapshot))].append(resource)
    for (type_token, _, value), members in groups.items():
        field = UNIQUE_NAMES.get(type_token, ("finalSnapshotIdentifier",))[0]
        yield from _report({value: members}, "the name", field)


def _kubernetes_objects(resources: list[PlanResource]) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str], list[PlanResource]] = defaultdict(list)
    for resource in kubernetes_objects(resources):
        obj = reveal(resource.inputs)
        group = obj.get("apiVersion", "").rpartition("/")[0]
        metadata = obj.get("metadata") or {}
        groups[(f"{group}/{obj.get('kind')}", str(metadata.get("namespace", "")), str(metadata.get("name")))].append(
            resource
        )
    for (kind, namespace, name), members in groups.items():
        yield from _report(
            {name: members}, f"the {kind.lstrip('/')} {namespace + '/' if namespace else ''}", "metadata.name"
        )


def _duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({v for v in values if v in seen or seen.add(v)})  # type: ignore[func-returns-value]


def _task_definitions(resources: list[PlanResource]) -> Iterator[Finding]:
    for resource in resources:
        if resource.type != "aws:ecs/taskDefinition:TaskDefinition":
            continue
        label = resource_label(resource)
        volumes = [v.get("name") for v in reveal(resource.inputs.get("volumes")) or []]
        for name in _duplicates(volumes):
            yield Finding(label, "volumes", f"two volumes are named '{name}'")
        raw = reveal(resource.inputs.get("containerDefinitions"))
        if not isinstance(raw, str) or is_unknown(raw):
            continue
        containers = json.loads(raw)
        for name in _duplicates([c.get("name") for c in containers]):
            yield Finding(label, "containerDefinitions", f"two containers are named '{name}'")
        for index, container in enumerate(containers):
            where = f"containerDefinitions[{index}]"
            mounts = container.get("mountPoints") or []
            for mount in mounts:
                if mount.get("sourceVolume") not in volumes:
                    yield Finding(
                        label, f"{where}.mountPoints", f"mounts undeclared volume '{mount.get('sourceVolume')}'"
                    )
            for path in _duplicates([m.get("containerPath") for m in mounts]):
                yield Finding(label, f"{where}.mountPoints", f"two volumes are mounted at {path}")
            for name in _duplicates(
                [e.get("name") for e in (container.get("environment") or [])]
                + [s.get("name") for s in (container.get("secrets") or [])]
            ):
                yield Finding(label, f"{where}.environment", f"the variable {name} is set twice")


def _pods(resources: list[PlanResource]) -> Iterator[Finding]:
    for resource in kubernetes_objects(resources):
        obj = reveal(resource.inputs)
        label = resource_label(resource)
        claims = [
            (c.get("metadata") or {}).get("name") for c in (obj.get("spec") or {}).get("volumeClaimTemplates") or []
        ]
        for where, spec in pod_specs(obj):
            volumes = [v.get("name") for v in spec.get("volumes") or []]
            for name in _duplicates(volumes + claims):
                yield Finding(label, f"{where}.volumes", f"two volumes are named '{name}'")
            containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
            for name in _duplicates([c.get("name") for c in containers]):
                yield Finding(label, f"{where}.containers", f"two containers are named '{name}'")
            for container in containers:
                here = f"{where}.containers[{container.get('name')}]"
                mounts = container.get("volumeMounts") or []
                for mount in mounts:
                    if mount.get("name") not in volumes + claims:
                        yield Finding(label, f"{here}.volumeMounts", f"mounts undeclared volume '{mount.get('name')}'")
                for path in _duplicates([m.get("mountPath") for m in mounts]):
                    yield Finding(label, f"{here}.volumeMounts", f"two volumes are mounted at {path}")
                for name in _duplicates([e.get("name") for e in container.get("env") or []]):
                    yield Finding(label, f"{here}.env", f"the variable {name} is set twice")
