"""The real pack: the same rules served through pulumi_policy's analyzer servicer, fed the
way the engine feeds it (protobuf Structs, unknown sentinels, secret envelopes)."""

from __future__ import annotations

from typing import Any

import pytest
from appstack_policies import ALL_RULES, RULES_BY_ID, SecretValue, evaluate
from appstack_policies.pulumi_adapter import PACK_NAME, install_secret_markers, pulumi_policies
from google.protobuf import json_format, struct_pb2
from policy_cases import CASES, Case
from policy_fixtures import OUTPUTS, build
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

SECRET_SIG_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
PROTO_LEVEL = {proto.MANDATORY: "mandatory", proto.ADVISORY: "advisory"}
LEVEL_PROTO = {v: k for k, v in PROTO_LEVEL.items()}


def engine_value(value: Any) -> Any:
    """Plan spelling -> engine spelling: "[unknown]" -> sentinel, "[secret]" -> secret envelope."""
    if value == "[unknown]":
        return UNKNOWN_STRING_VALUE
    if isinstance(value, SecretValue):  # a secret whose plaintext the engine sends inside the envelope
        return {SECRET_SIG_KEY: SECRET_SIG, "value": engine_value(value.value)}
    if value == "[secret]":
        return {SECRET_SIG_KEY: SECRET_SIG, "value": "s3cr3t-value"}
    if isinstance(value, dict):
        return {k: engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [engine_value(v) for v in value]
    return value


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    return json_format.ParseDict(engine_value(value), struct_pb2.Struct())


def servicer(rule_ids: list[str], tier: str = "prod") -> _PolicyAnalyzerServicer:
    install_secret_markers()
    rules = [RULES_BY_ID[i] for i in rule_ids]
    service = _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", pulumi_policies(rules), EnforcementLevel.ADVISORY)
    config = {
        # The CLI always sends the resolved level along with the properties.
        r.id: proto.PolicyConfig(
            enforcementLevel=LEVEL_PROTO[r.level.value],
            properties=json_format.ParseDict({"tier": tier}, struct_pb2.Struct()),
        )
        for r in rules
        if "tier" in r.settings
    }
    service.Configure(proto.ConfigureAnalyzerRequest(policyConfig=config), None)
    return service


def analyze(rule_id: str, resources: list[dict[str, Any]], outputs: dict[str, Any], tier: str = "prod"):
    service = servicer([rule_id], tier)
    diagnostics = []
    if RULES_BY_ID[rule_id].is_stack_rule:
        stack = {
            "urn": "urn:pulumi:test::appstack::pulumi:pulumi:Stack::appstack-test",
            "type": "pulumi:pulumi:Stack",
            "name": "appstack-test",
            "inputs": outputs,
            "options": {},
            "dependencies": [],
        }
        request = proto.AnalyzeStackRequest(
            resources=[
                proto.AnalyzerResource(
                    type=r["type"],
                    urn=r["urn"],
                    name=r["name"],
                    properties=struct(r["inputs"]),
                    options=proto.AnalyzerResourceOptions(protect=bool(r["options"].get("protect"))),
                    dependencies=r["dependencies"],
                )
                for r in [stack, *resources]
            ]
        )
        diagnostics += service.AnalyzeStack(request, None).diagnostics
    else:
        for r in resources:
            request = proto.AnalyzeRequest(type=r["type"], urn=r["urn"], name=r["name"], properties=struct(r["inputs"]))
            diagnostics += service.Analyze(request, None).diagnostics
    return diagnostics


def messages(diagnostics) -> list[tuple[str, str]]:
    # pulumi_policy reports "<description>\n<message>"; keep our message part.
    return [(d.message.split("\n", 1)[1], PROTO_LEVEL[d.enforcementLevel]) for d in diagnostics]


def test_every_rule_becomes_a_pulumi_policy_with_metadata():
    policies = pulumi_policies()
    assert [p.name for p in policies] == [r.id for r in ALL_RULES]
    for policy, rule in zip(policies, ALL_RULES, strict=True):
        kind = StackValidationPolicy if rule.is_stack_rule else ResourceValidationPolicy
        assert isinstance(policy, kind)
        assert policy.enforcement_level.value == rule.level.value
        assert policy.description == rule.description
        assert policy.remediation_steps == rule.remediation
        assert (policy.config_schema is not None) == bool(rule.settings)


def test_analyzer_info_lists_all_policies_with_levels():
    info = servicer([r.id for r in ALL_RULES]).GetAnalyzerInfo(None, None)
    assert len(info.policies) == len(ALL_RULES)
    levels = {p.name: PROTO_LEVEL[p.enforcementLevel] for p in info.policies}
    assert levels == {r.id: r.level.value for r in ALL_RULES}


def _outputs(case: Case) -> dict[str, Any]:
    return {**OUTPUTS, **(case.outputs or {})} if case.scenario == "outputs" else {}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_engine_path_reports_the_same_violation(case: Case):
    resources = build(case.scenario, case.change, case.drop)
    assert messages(analyze(case.rule, resources, _outputs(case), case.tier)) == [(case.message, case.level)]


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.change and not any("options/" in k for k in c.change)], ids=lambda c: c.id
)
def test_engine_unknown_sentinel_is_neither_violation_nor_error(case: Case):
    resources = build(case.scenario, {k: "[unknown]" for k in case.change}, case.drop)
    # No diagnostics at all: not a violation, and no "can't run policy during preview" either.
    assert list(analyze(case.rule, resources, {}, case.tier)) == []


def test_secret_stack_output_is_accepted_and_plaintext_rejected():
    rule = "stack-outputs-no-plaintext-secrets"
    assert messages(analyze(rule, [], {"dbPassword": "[secret]"})) == []
    assert messages(analyze(rule, [], {"dbPassword": "hunter22"})) == [
        ("output dbPassword is named like a secret but is not marked secret.", "mandatory")
    ]


def test_secret_inputs_are_revealed_to_resource_rules():
    # A secret-wrapped containerDefinitions still gets inspected (the value is in the task definition).
    resources = build("task_definition", {"containerDefinitions.0.privileged": True})
    resources[0]["inputs"]["containerDefinitions"] = {
        SECRET_SIG_KEY: SECRET_SIG,
        "value": resources[0]["inputs"]["containerDefinitions"],
    }
    service = servicer(["ecs-no-privileged-containers"])
    request = proto.AnalyzeRequest(
        type=resources[0]["type"],
        urn=resources[0]["urn"],
        name="web-task",
        properties=json_format.ParseDict(resources[0]["inputs"], struct_pb2.Struct()),
    )
    assert messages(service.Analyze(request, None).diagnostics) == [("container web is privileged.", "mandatory")]


def test_config_overrides_level_and_dev_tier_switches_off_prod_rules():
    resources = build("rds", {"deletionProtection": False})
    assert messages(analyze("rds-deletion-protection-prod", resources, {}, tier="dev")) == []
    service = servicer(["rds-multi-az"])
    service.Configure(
        proto.ConfigureAnalyzerRequest(
            policyConfig={"rds-multi-az": proto.PolicyConfig(enforcementLevel=proto.MANDATORY)}
        ),
        None,
    )
    request = proto.AnalyzeRequest(
        type=resources[0]["type"],
        urn=resources[0]["urn"],
        name="db",
        properties=struct({**resources[0]["inputs"], "multiAz": False}),
    )
    assert messages(service.Analyze(request, None).diagnostics) == [("multiAz is not true.", "mandatory")]


def test_engine_cannot_see_retain_on_delete_so_offline_does_not_count_it():
    # AnalyzerResourceOptions carries protect but no retainOnDelete: a resource kept only by
    # retain_on_delete looks unprotected to `pulumi preview --policy-pack`. The offline runner
    # must agree, or a plan that passes CI would be blocked at the real preview.
    assert "retainOnDelete" not in proto.AnalyzerResourceOptions.DESCRIPTOR.fields_by_name
    assert "protect" in proto.AnalyzerResourceOptions.DESCRIPTOR.fields_by_name
    rule = "prod-stateful-resources-protected"
    resources = build("rds", {"options/protect": False, "options/retain_on_delete": True})
    expected = [("Instance db is not protected (protect=True).", "mandatory")]
    assert messages(analyze(rule, resources, {})) == expected
    report = evaluate(resources, tier="prod", rules=[RULES_BY_ID[rule]])
    assert [(v.message, v.level) for v in report.violations] == expected
