"""Lookups over a synthesized stack for the AWS data-layer tests."""

from __future__ import annotations

import json
from typing import Any

from appstack.synth import PlanResource, Synthesis
from appstack.synth import reveal as plain

RDS = "aws:rds/instance:Instance"
RDS_PARAMS = "aws:rds/parameterGroup:ParameterGroup"
RDS_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
REDIS_PARAMS = "aws:elasticache/parameterGroup:ParameterGroup"
BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
EFS = "aws:efs/fileSystem:FileSystem"
ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"
MOUNT_TARGET = "aws:efs/mountTarget:MountTarget"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
NAT = "aws:ec2/natGateway:NatGateway"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"

APPS = ["claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage"]


def app_of(synthesis: Synthesis, resource: PlanResource) -> str | None:
    """The app a resource belongs to (its appstack:aws:App ancestor), or None for stack-wide ones."""
    by_urn = {r.urn: r for r in synthesis.resources}
    current: PlanResource | None = resource
    while current is not None:
        if current.type == "appstack:aws:App":
            return current.name
        current = by_urn.get(current.parent) if current.parent else None
    return None


def of(synthesis: Synthesis, type_token: str, app: str | None = None) -> list[PlanResource]:
    found = synthesis.by_type(type_token)
    return found if app is None else [r for r in found if app_of(synthesis, r) == app]


def one(synthesis: Synthesis, type_token: str, app: str) -> PlanResource:
    found = of(synthesis, type_token, app)
    assert len(found) == 1, f"{len(found)} {type_token} in {app}"
    return found[0]




def document(resource: PlanResource, field: str = "policy") -> dict[str, Any]:
    return json.loads(plain(resource.inputs[field]))


def key_arn(synthesis: Synthesis, app: str) -> str:
    """The ARN the mocks give the app's own key (appstack:aws:Key named after the app)."""
    from appstack.components.aws.mock_outputs import _kms_key

    key = next(k for k in of(synthesis, KEY, app) if k.name == app)
    return _kms_key(key.name, key.inputs)["arn"]
