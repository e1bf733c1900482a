"""Escape hatches: stack overrides and Python transforms patch inputs where the plan, checks and policies see them."""

from __future__ import annotations

import json

import pulumi
import pytest

from appstack.errors import ConfigError
from appstack.overrides import merge_patch
from appstack.plan import plan_document
from appstack.policy_check import run_policies
from appstack.provider_checks import check
from appstack.synth import stack_config, synthesize
from tests.conftest import synth_stack
from tests.foundation.helpers import problems

SERVICE = "aws:ecs/service:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def synth(stack: str, overrides: list[dict], **kwargs):
    config, secret_keys = stack_config(stack)
    config["appstack:overrides"] = json.dumps(overrides)
    return synthesize(stack, config=config, secret_keys=secret_keys, **kwargs)


def inputs(synthesis, type_token: str, name: str) -> dict:
    return synthesis.named(name, type_token).inputs


GRACE = {"type": SERVICE, "name": "zmage-*", "reason": "the model server loads for two minutes",
         "patch": {"healthCheckGracePeriodSeconds": 180, "deploymentCircuitBreaker": {"rollback": None}}}


@pytest.fixture(scope="module")
def prod_with_override():
    return synth("prod", [GRACE])


def test_an_aws_override_patches_exactly_the_matching_resources(prod_with_override):
    for name in ("zmage-web", "zmage-worker"):
        service = inputs(prod_with_override, SERVICE, name)
        assert service["healthCheckGracePeriodSeconds"] == 180
        assert service["deploymentCircuitBreaker"] == {"enable": True}  # merged: rollback removed, enable kept
        assert service["networkConfiguration"]["assignPublicIp"] is False  # untouched
    other = inputs(prod_with_override, SERVICE, "sparkle-gateway")
    assert (other["healthCheckGracePeriodSeconds"], other["deploymentCircuitBreaker"]) == (
        60, {"enable": True, "rollback": True})


def test_the_plan_shows_every_override_with_what_it_matched(prod_with_override):
    document = plan_document(prod_with_override, prod_with_override.model)
    assert document["overrides"] == [{
        **{key: GRACE[key] for key in ("type", "name", "reason", "patch")},
        "matched": [
            "urn:pulumi:prod::appstack::appstack:aws:EcsWorkload$aws:ecs/service:Service::zmage-web",
            "urn:pulumi:prod::appstack::appstack:aws:EcsWorkload$aws:ecs/service:Service::zmage-worker",
        ],
    }]
    assert [w for w in document["warnings"] if w.startswith("override")] == [
        f"override #1 (the model server loads for two minutes) patches {SERVICE} {name}: "
        "deploymentCircuitBreaker, healthCheckGracePeriodSeconds" for name in ("zmage-web", "zmage-worker")]


def test_a_kubernetes_override_merges_into_the_pod_template():
    patch = {"spec": {"template": {"spec": {"nodeSelector": {"pool": "general"}},
                                   "metadata": {"annotations": {"example.com/owner": "team-a"}}}}}
    synthesis = synth("dev", [{"type": DEPLOYMENT, "name": "zmage-web", "patch": patch, "reason": "node pool"}])
    pod = inputs(synthesis, DEPLOYMENT, "zmage-web")["spec"]["template"]
    assert pod["spec"]["nodeSelector"] == {"pool": "general"}
    assert pod["metadata"]["annotations"]["example.com/owner"] == "team-a"
    assert [c["name"] for c in pod["spec"]["containers"]] == ["web"]  # the rest of the template is kept
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert "nodeSelector" not in inputs(synthesis, DEPLOYMENT, "zmage-worker")["spec"]["template"]["spec"]


def test_overrides_cannot_walk_around_the_policy_pack_or_the_provider_checks(capsys):
    public = {"type": "aws:rds/instance:Instance", "name": "zmage-postgres", "reason": "debugging",
              "patch": {"publiclyAccessible": True}}
    grace = {"type": SERVICE, "name": "zmage-web", "reason": "x", "patch": {"healthCheckGracePeriodSeconds": -1}}
    synthesis = synth("prod", [public, grace])
    assert run_policies(synthesis, synthesis.model) == 1
    assert "publiclyAccessible is true" in capsys.readouterr().out
    assert [(f.resource, f.path) for f in check(synthesis)] == [
        (f"{SERVICE} zmage-web", "healthCheckGracePeriodSeconds")]


def test_an_override_that_matches_nothing_is_a_config_error():
    with pytest.raises(pulumi.RunError) as raised:
        synth("dev", [{"type": SERVICE, "name": "*", "patch": {"desiredCount": 1}, "reason": "wrong platform"}])
    assert str(raised.value).splitlines()[:2] == [
        "Invalid overrides for stack 'dev' (1 problem):",
        "  - appstack:overrides[0]: matches no resource of this stack (type aws:ecs/service:Service, name *; "
        "`appstack plan dev` lists types and names)",
    ]


@pytest.mark.parametrize(("override", "expected"), [
    ({"type": "ecs-service", "patch": {"a": 1}, "reason": "r"},
     ("appstack:overrides[0].type", "a type token such as aws:ecs/service:Service")),
    ({"type": SERVICE, "patch": {}, "reason": "r"}, ("appstack:overrides[0].patch", "at least 1 item")),
    ({"type": SERVICE, "patch": {"a": 1}}, ("appstack:overrides[0].reason", "required")),
    ({"type": SERVICE, "patch": {"a": 1}, "reason": "r", "opts": {"protect": False}}, ("appstack:overrides[0].opts", "unknown key 'opts'; allowed keys: name, patch, reason, type")),
])
def test_invalid_overrides_name_the_field(override, expected):
    found = problems({"zmage": None}, overrides=[override])
    path, message = expected
    assert any(p.path == path and message in p.message for p in found), found


def test_merge_patch_follows_rfc_7386_over_python_and_engine_names():
    target = {"desired_count": 2, "network_configuration": {"assign_public_ip": False, "subnets": ["a"]},
              "tags": {"team_name": "x"}}
    patch = {"desiredCount": 3, "networkConfiguration": {"assignPublicIp": None, "securityGroups": ["sg"]},
             "tags": {"owner": "y"}}
    assert merge_patch(target, patch) == {"desiredCount": 3, "networkConfiguration": {"subnets": ["a"], "securityGroups": ["sg"]},
                                          "tags": {"team_name": "x", "owner": "y"}}
    assert merge_patch({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}  # lists are replaced, not merged
    assert merge_patch("scalar", {"a": 1}) == {"a": 1}


def test_python_transforms_apply_after_overrides_and_show_in_the_plan():
    def owner_tag(args: pulumi.ResourceTransformationArgs):
        if args.type_ != "aws:s3/bucket:Bucket":
            return None
        props = dict(args.props)
        props["tags"] = {**(props.get("tags") or {}), "owner": "platform-team"}
        return pulumi.ResourceTransformationResult(props, args.opts)

    synthesis = synth("prod", [], transforms=[owner_tag])
    before = {b.urn: b.inputs.get("tags") or {} for b in synth_stack("prod").by_type("aws:s3/bucket:Bucket")}
    after = {b.urn: b.inputs["tags"] for b in synthesis.by_type("aws:s3/bucket:Bucket")}
    assert len(after) == 9
    assert after == {name: {**tags, "owner": "platform-team"} for name, tags in before.items()}


def test_invalid_overrides_fail_before_any_resource():
    with pytest.raises(ConfigError):
        from tests.foundation.helpers import load

        load({"zmage": None}, overrides=[{"type": "bad", "patch": {"a": 1}, "reason": "r"}])
