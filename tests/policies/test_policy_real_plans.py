"""The rules read the resources the shipped stacks really synthesize.

The fixture tests prove each rule against hand-written inputs; these prove the same rules
against the real plans (dev, prod, prod-k8s): every real resource of a rule's type passes
as synthesized, and one insecure edit of it, made in the shape the synthesis produces
(JSON-string task definitions, standalone ingress rules, nested pod specs, ...), is caught.
A rule that read a property under the wrong name, or the wrong type, would match nothing
on the real plan and fail here.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import pytest
from appstack_policies import RULES_BY_ID, evaluate

from tests.conftest import synth_stack

STACKS = ("dev", "prod", "prod-k8s")
WORKLOADS = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job",
             "kubernetes:batch/v1:CronJob")
Mutation = Callable[[dict[str, Any]], bool]  # edits inputs in place; False: not applicable here


def _set(key: str, value: Any) -> Mutation:
    def mutate(inputs: dict[str, Any]) -> bool:
        inputs[key] = value
        return True

    return mutate


def _delete(key: str) -> Mutation:
    def mutate(inputs: dict[str, Any]) -> bool:
        return inputs.pop(key, None) is not None

    return mutate


def _nested(path: str, value: Any) -> Mutation:
    def mutate(inputs: dict[str, Any]) -> bool:
        *parents, last = path.split(".")
        node = inputs
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
        return True

    return mutate


def _container_json(edit: Callable[[dict[str, Any]], None]) -> Mutation:
    """containerDefinitions is a JSON string in pulumi-aws v7."""

    def mutate(inputs: dict[str, Any]) -> bool:
        containers = json.loads(inputs["containerDefinitions"])
        edit(containers[0])
        inputs["containerDefinitions"] = json.dumps(containers)
        return True

    return mutate


def _first_container(inputs: dict[str, Any]) -> dict[str, Any]:
    spec = inputs["spec"]
    if "jobTemplate" in spec:
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]["containers"][0]


def _container(edit: Callable[[dict[str, Any]], None]) -> Mutation:
    def mutate(inputs: dict[str, Any]) -> bool:
        edit(_first_container(inputs))
        return True

    return mutate


def _redirect_to_http(inputs: dict[str, Any]) -> bool:
    if inputs.get("protocol") != "HTTP":
        return False
    inputs["defaultActions"][0]["redirect"]["protocol"] = "HTTP"
    return True


def _weak_tls_policy(inputs: dict[str, Any]) -> bool:
    if inputs.get("protocol") != "HTTPS":
        return False
    inputs["sslPolicy"] = "ELBSecurityPolicy-2016-08"
    return True


def _world_postgres(inputs: dict[str, Any]) -> bool:
    inputs.pop("referencedSecurityGroupId", None)
    inputs.update(cidrIpv4="0.0.0.0/0", ipProtocol="tcp", fromPort=5432, toPort=5432)
    return True


def _world_ssh_v6(inputs: dict[str, Any]) -> bool:
    inputs.pop("referencedSecurityGroupId", None)
    inputs.pop("cidrIpv4", None)
    inputs.update(cidrIpv6="0::/0", ipProtocol="tcp", fromPort=22, toPort=22)
    return True


def _public_assume_role(inputs: dict[str, Any]) -> bool:
    document = json.loads(inputs["assumeRolePolicy"])
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    statements[0]["Principal"] = "*"
    statements[0].pop("Condition", None)
    inputs["assumeRolePolicy"] = json.dumps(document)
    return True


def _first_statement(edit: Callable[[dict[str, Any]], None]) -> Mutation:
    def mutate(inputs: dict[str, Any]) -> bool:
        document = json.loads(inputs["policy"])
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        edit(statements[0])
        inputs["policy"] = json.dumps(document)
        return True

    return mutate


def _not_action_everywhere(statement: dict[str, Any]) -> None:
    statement["NotAction"] = statement.pop("Action")
    statement["Resource"] = "*"


def _no_force_ssl(inputs: dict[str, Any]) -> bool:
    for parameter in inputs.get("parameters", []):
        if parameter["name"] == "rds.force_ssl":
            parameter["value"] = "0"
            return True
    return False


def _no_tls_deny(inputs: dict[str, Any]) -> bool:
    document = json.loads(inputs["policy"])
    document["Statement"] = [s for s in document["Statement"] if s.get("Effect") != "Deny"]
    inputs["policy"] = json.dumps(document)
    return True


def _expose_data_store(inputs: dict[str, Any]) -> bool:
    if inputs["spec"].get("selector", {}).get("app.kubernetes.io/name") not in ("postgres", "redis"):
        return False
    inputs["spec"]["type"] = "LoadBalancer"
    return True


def _no_enforce_label(inputs: dict[str, Any]) -> bool:
    return inputs["metadata"]["labels"].pop("pod-security.kubernetes.io/enforce", None) is not None


def _drop_memory_limit(container: dict[str, Any]) -> None:
    container["resources"]["limits"].pop("memory")


# rule -> (resource type, insecure edit). Resource rules and the S3 stack rules alike.
MUTATIONS: list[tuple[str, str, Mutation]] = [
    ("rds-not-publicly-accessible", "aws:rds/instance:Instance", _set("publiclyAccessible", True)),
    ("rds-storage-encrypted", "aws:rds/instance:Instance", _set("storageEncrypted", False)),
    ("rds-backup-retention", "aws:rds/instance:Instance", _set("backupRetentionPeriod", 1)),
    ("rds-deletion-protection-prod", "aws:rds/instance:Instance", _set("deletionProtection", False)),
    ("rds-force-ssl", "aws:rds/parameterGroup:ParameterGroup", _no_force_ssl),
    ("redis-encrypted-at-rest", "aws:elasticache/replicationGroup:ReplicationGroup",
     _set("atRestEncryptionEnabled", False)),
    ("redis-encrypted-in-transit", "aws:elasticache/replicationGroup:ReplicationGroup",
     _set("transitEncryptionEnabled", False)),
    ("redis-auth-token", "aws:elasticache/replicationGroup:ReplicationGroup", _delete("authToken")),
    ("sg-no-world-ingress-data-ports", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
     _world_postgres),
    ("sg-no-world-ingress-admin-ports", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", _world_ssh_v6),
    ("sg-world-ingress-web-ports-only", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
     _world_postgres),
    ("alb-listener-https", "aws:lb/listener:Listener", _redirect_to_http),
    ("alb-listener-tls-policy", "aws:lb/listener:Listener", _weak_tls_policy),
    ("alb-drop-invalid-headers", "aws:lb/loadBalancer:LoadBalancer", _set("dropInvalidHeaderFields", False)),
    ("ecs-no-privileged-containers", "aws:ecs/taskDefinition:TaskDefinition",
     _container_json(lambda c: c.update(privileged=True))),
    ("ecs-no-plaintext-secrets", "aws:ecs/taskDefinition:TaskDefinition",
     _container_json(lambda c: c.setdefault("environment", []).append({"name": "DB_PASSWORD", "value": "x1"}))),
    ("ecs-no-plaintext-secrets", "aws:ecs/taskDefinition:TaskDefinition",
     _container_json(lambda c: c.setdefault("environment", []).append({"name": "CACHE", "value": "rediss://:t@h"}))),
    ("ecs-service-no-public-ip", "aws:ecs/service:Service", _nested("networkConfiguration.assignPublicIp", True)),
    ("ecr-scan-on-push", "aws:ecr/repository:Repository", _nested("imageScanningConfiguration.scanOnPush", False)),
    ("ecr-immutable-tags", "aws:ecr/repository:Repository", _set("imageTagMutability", "MUTABLE")),
    ("iam-no-public-assume-role", "aws:iam/role:Role", _public_assume_role),
    ("iam-no-wildcard-actions", "aws:iam/rolePolicy:RolePolicy", _first_statement(_not_action_everywhere)),
    ("iam-no-privilege-escalation", "aws:iam/rolePolicy:RolePolicy",
     _first_statement(lambda st: st.update(Action=["iam:Put*"]))),
    ("iam-no-admin-managed-policy", "aws:iam/role:Role",
     _set("managedPolicyArns", ["arn:aws:iam::aws:policy/AdministratorAccess"])),
    ("kms-key-rotation", "aws:kms/key:Key", _set("enableKeyRotation", False)),
    ("log-group-retention", "aws:cloudwatch/logGroup:LogGroup", _delete("retentionInDays")),
    ("s3-public-access-block", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
     _set("blockPublicAcls", False)),
    ("s3-require-tls", "aws:s3/bucketPolicy:BucketPolicy", _no_tls_deny),
    ("s3-no-public-policy", "aws:s3/bucketPolicy:BucketPolicy",
     _first_statement(lambda st: st.update(Effect="Allow", Principal={"AWS": "*"}))),
    ("k8s-no-exposed-data-store", "kubernetes:core/v1:Service", _expose_data_store),
    ("k8s-namespace-pod-security", "kubernetes:core/v1:Namespace", _no_enforce_label),
    *[
        (rule, workload, mutation)
        for workload in WORKLOADS
        for rule, mutation in (
            ("k8s-no-privileged-containers",
             _container(lambda c: c.setdefault("securityContext", {}).update(privileged=True))),
            ("k8s-no-privilege-escalation",
             _container(lambda c: c.setdefault("securityContext", {}).update(allowPrivilegeEscalation=True))),
            ("k8s-run-as-non-root",
             _container(lambda c: c.setdefault("securityContext", {}).update(runAsNonRoot=False))),
            ("k8s-pinned-image-tag", _container(lambda c: c.update(image="nginx:latest"))),
            ("k8s-no-added-capabilities",
             _container(lambda c: c.setdefault("securityContext", {}).setdefault("capabilities", {}).update(
                 add=["SYS_ADMIN"]))),
            ("k8s-no-plaintext-secret-env",
             _container(lambda c: c.setdefault("env", []).append({"name": "ENCRYPTION_KEY", "value": "k"}))),
            ("k8s-memory-limit", _container(_drop_memory_limit)),
        )
    ],
]


@functools.cache
def _resources(stack: str) -> tuple[dict[str, Any], ...]:
    return tuple(asdict(r) for r in synth_stack(stack).resources)


def _tier(stack: str) -> str:
    return "dev" if stack == "dev" else "prod"


def _violations(rule_id: str, resources: list[dict[str, Any]], stack: str) -> set[str | None]:
    report = evaluate(resources, tier=_tier(stack), rules=[RULES_BY_ID[rule_id]])
    return {v.urn for v in report.violations}


@pytest.mark.parametrize(("rule_id", "type_token", "mutate"), MUTATIONS, ids=lambda x: x if isinstance(x, str) else "")
def test_insecure_edit_of_every_real_resource_is_caught(rule_id: str, type_token: str, mutate: Mutation):
    rule = RULES_BY_ID[rule_id]
    assert rule.is_stack_rule or type_token in rule.resource_types
    edited = 0
    for stack in STACKS:
        if rule_id == "rds-deletion-protection-prod" and _tier(stack) == "dev":
            continue
        # A stack rule reads only the types it declares: the rest of the stack is left out (faster, and a
        # rule reading an undeclared type would miss here).
        resources = [r for r in _resources(stack) if not rule.resource_types or r["type"] in rule.resource_types]
        assert not _violations(rule_id, resources, stack), f"{rule_id} fails on the shipped {stack} stack"
        for index, resource in enumerate(resources):
            if resource["type"] != type_token:
                continue
            edit = copy.deepcopy(resource)
            if not mutate(edit["inputs"]):
                continue
            edited += 1
            # a resource rule sees one resource at a time; a stack rule needs the whole stack
            changed = [*resources[:index], edit, *resources[index + 1:]] if rule.is_stack_rule else [edit]
            found = _violations(rule_id, changed, stack)
            # stack rules may point at the bucket the edited companion configures
            targets = {resource["urn"], *(resource["dependencies"] if rule.is_stack_rule else ())}
            assert found & targets, f"{rule_id} missed an insecure {type_token} {resource['name']} ({stack})"
    assert edited, f"no real {type_token} to edit for {rule_id}: the test no longer reaches the rule"
