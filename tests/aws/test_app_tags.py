"""Every resource of an app whose pulumi-aws inputs take `tags` carries `appstack:app` (and the stack's tags):
the split deploy roles hold an app to its security groups, rules, certificates and listener rules by that tag
(docs/delivery.md), and the environment's role is denied everything that carries it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pulumi
import pytest
from appstack.components.aws.common import AppTagging, takes_tags

from tests.conftest import synth_stack

ROOT = Path(__file__).resolve().parents[2]
SPLIT = ROOT / "environments" / "prod-split"
APPS = ("claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage")

# the types the split roles scope by tag (docs/delivery.md); each must be in some app's plan, tagged
SCOPED_BY_TAG = {
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:acm/certificate:Certificate",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/targetGroup:TargetGroup",
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
    "aws:servicediscovery/service:Service",
    "aws:amp/workspace:Workspace",
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace",
    "aws:appautoscaling/target:Target",
    "aws:cloudfront/distribution:Distribution",
}
# their companions that the provider gives no `tags` input (so IAM can scope them by name or action only)
UNTAGGABLE = {
    "aws:lb/listenerCertificate:ListenerCertificate",
    "aws:cloudfront/originAccessControl:OriginAccessControl",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
    "aws:amp/alertManagerDefinition:AlertManagerDefinition",
    "aws:appautoscaling/policy:Policy",
    "aws:acm/certificateValidation:CertificateValidation",
    "aws:efs/mountTarget:MountTarget",
}


def _class(type_token: str) -> type:
    _, module, name = type_token.split(":")
    return getattr(importlib.import_module(f"pulumi_aws.{module.split('/')[0]}"), name)


def _takes_tags(type_token: str) -> bool:
    return takes_tags(_class(type_token))


def test_the_scoped_types_take_tags_and_their_companions_do_not():
    assert all(_takes_tags(t) for t in SCOPED_BY_TAG | {"aws:efs/fileSystem:FileSystem", "aws:efs/accessPoint:AccessPoint"})
    assert not any(_takes_tags(t) for t in UNTAGGABLE)


@pytest.mark.parametrize("app", APPS)
def test_each_taggable_resource_of_an_app_stack_carries_its_app(app):
    resources = [r for r in synth_stack(f"prod-{app}", project=SPLIT).resources if r.type.startswith("aws:")]
    untagged = sorted({r.type for r in resources if _takes_tags(r.type)
                       and (r.inputs.get("tags") or {}).get("appstack:app") != app})
    assert untagged == []
    for r in resources:
        if _takes_tags(r.type):
            assert {"appstack:stack": "prod", "managed-by": "appstack"}.items() <= r.inputs["tags"].items(), r.name


def test_every_scoped_type_is_tagged_in_some_app_plan():
    seen = {r.type: r.inputs.get("tags") for app in APPS
            for r in synth_stack(f"prod-{app}", project=SPLIT).resources if r.type in SCOPED_BY_TAG}
    assert set(seen) == SCOPED_BY_TAG
    assert all(tags and tags.get("appstack:app") in APPS for tags in seen.values())


def test_a_component_tag_stays_beside_the_app_tag():
    groups = {r.name: r.inputs["tags"] for r in synth_stack("prod-zmage", project=SPLIT).resources
              if r.type == "aws:ec2/securityGroup:SecurityGroup"}
    assert groups["zmage-postgres"] == {"appstack:app": "zmage", "appstack:role": "postgres",
                                        "appstack:stack": "prod", "managed-by": "appstack"}


def test_the_root_stack_tags_each_resource_with_the_app_it_belongs_to():
    resources = synth_stack("prod").resources
    by_urn = {r.urn: r for r in resources}

    def app_of(resource) -> str | None:
        while resource is not None:
            if resource.type == "appstack:aws:App":
                return resource.name
            resource = by_urn.get(resource.parent)
        return None

    checked = 0
    for r in resources:
        app = app_of(r)
        if r.type.startswith("aws:") and app is not None and _takes_tags(r.type):
            assert (r.inputs.get("tags") or {}).get("appstack:app") == app, (r.type, r.name)
            checked += 1
    assert checked > 100


def test_the_environment_stack_tags_no_app_and_its_shared_groups_by_role():
    resources = synth_stack("prod-env", project=SPLIT).resources
    assert not [r.name for r in resources if "appstack:app" in (r.inputs.get("tags") or {})]
    roles = {r.inputs["tags"]["appstack:role"] for r in resources if r.type == "aws:ec2/securityGroup:SecurityGroup"}
    # the app stack roles may add and remove rules on these two groups only (by this tag)
    assert roles == {"endpoints", "shared-edge"}


class _Custom(pulumi.CustomResource):
    def __init__(self):  # never registered: the transformation reads only its class
        pass

    @staticmethod
    def _internal_init(__self__, resource_name, opts=None, tags=None, name=None):
        pass


def test_the_transformation_merges_the_app_tags_over_a_resource_own():
    tagging = AppTagging("prod", "zmage")
    args = pulumi.ResourceTransformationArgs(_Custom(), "aws:x/y:Y", "n", {"name": "n", "tags": {"Name": "n"}},
                                             pulumi.ResourceOptions())
    result = tagging(args)
    assert result is not None and takes_tags(_Custom)
    assert result.props == {"name": "n", "tags": {"Name": "n", "appstack:app": "zmage", "appstack:stack": "prod",
                                                  "managed-by": "appstack"}}
