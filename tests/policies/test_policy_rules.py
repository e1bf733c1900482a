"""Rule by rule: the compliant fixture passes; every single-field change fails with the
exact message at the exact level; unknown values never fail."""

from __future__ import annotations

from typing import Any

import pytest
from appstack_policies import ALL_RULES, RULES_BY_ID, evaluate
from policy_cases import CASES, EXTRA_COMPLIANT, Case
from policy_fixtures import DELETE, OUTPUTS, SCENARIOS, UNKNOWN, build


def run(
    rule_id: str,
    resources: list[dict[str, Any]],
    *,
    tier: str = "prod",
    outputs: dict[str, Any] | None = None,
) -> list[tuple[str, str]]:
    report = evaluate(resources, stack_outputs=outputs or {}, tier=tier, rules=[RULES_BY_ID[rule_id]])
    return [(v.message, v.level) for v in report.violations]


def scenario_outputs(case_outputs: dict[str, Any] | None, scenario: str) -> dict[str, Any]:
    return {**OUTPUTS, **(case_outputs or {})} if scenario == "outputs" else {}


def compliant_pairs() -> list[tuple[str, str]]:
    pairs = {(c.rule, c.scenario) for c in CASES}
    pairs |= {(rule, scenario) for rule, scenarios in EXTRA_COMPLIANT.items() for scenario in scenarios}
    return sorted(pairs)


def test_every_rule_has_a_compliant_fixture_and_a_failing_case():
    rules_with_cases = {c.rule for c in CASES}
    missing = [rule.id for rule in ALL_RULES if rule.id not in rules_with_cases]
    assert not missing, f"rules without a fixture pair: {missing}"
    unknown = sorted({c.rule for c in CASES} - set(RULES_BY_ID))
    assert not unknown, f"cases for rules that do not exist: {unknown}"
    compliant = {rule for rule, _ in compliant_pairs()}
    assert compliant == set(RULES_BY_ID)


def test_pack_size_and_levels():
    levels = [rule.level.value for rule in ALL_RULES]
    assert len(ALL_RULES) >= 45
    assert set(levels) == {"mandatory", "advisory"}
    for rule in ALL_RULES:
        assert rule.description and rule.remediation and rule.why, rule.id


@pytest.mark.parametrize(("rule_id", "scenario"), compliant_pairs())
def test_compliant_fixture_passes(rule_id: str, scenario: str):
    resources = build(scenario)
    rule = RULES_BY_ID[rule_id]
    if rule.resource_types and not rule.is_stack_rule:  # the fixture must exercise the rule
        assert any(r["type"] in rule.resource_types for r in resources)
    assert run(rule_id, resources, outputs=scenario_outputs(None, scenario)) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_single_change_fails_with_exact_message_and_level(case: Case):
    assert RULES_BY_ID[case.rule].level.value == case.level
    resources = build(case.scenario, case.change, case.drop)
    outputs = scenario_outputs(case.outputs, case.scenario)
    assert run(case.rule, resources, tier=case.tier, outputs=outputs) == [(case.message, case.level)]


def _unknown_variant(case: Case) -> dict[str, Any]:
    return {path: UNKNOWN for path in case.change if "options/" not in path}


UNKNOWN_CASES = [c for c in CASES if _unknown_variant(c) or c.outputs]


@pytest.mark.parametrize("case", UNKNOWN_CASES, ids=lambda c: c.id)
def test_unknown_value_in_place_of_the_change_is_not_a_violation(case: Case):
    resources = build(case.scenario, _unknown_variant(case), case.drop)
    outputs = scenario_outputs({k: UNKNOWN for k in case.outputs or {}}, case.scenario)
    assert run(case.rule, resources, tier=case.tier, outputs=outputs) == []


def _sets_values(case: Case) -> bool:
    return bool(case.change) and all(v is not DELETE and "options/" not in k for k, v in case.change.items())


@pytest.mark.parametrize("case", [c for c in CASES if _sets_values(c)], ids=lambda c: c.id)
def test_every_input_unknown_is_not_a_violation(case: Case):
    resources = build(case.scenario, case.change, case.drop)
    for resource in resources:
        resource["inputs"] = {key: UNKNOWN for key in resource["inputs"]}
    assert run(case.rule, resources, tier=case.tier) == []


TIER_RULES = sorted(rule.id for rule in ALL_RULES if "tier" in rule.settings)


@pytest.mark.parametrize("case", [c for c in CASES if c.rule in TIER_RULES], ids=lambda c: c.id)
def test_prod_only_rules_do_not_apply_to_dev(case: Case):
    resources = build(case.scenario, case.change, case.drop)
    assert run(case.rule, resources, tier="dev") == []


def test_tier_rules_are_the_prod_ones():
    assert TIER_RULES == [
        "prod-public-routes-tls",
        "prod-stateful-resources-protected",
        "rds-deletion-protection-prod",
    ]


def test_delete_marker_is_not_leaking_into_fixtures():
    assert all(DELETE not in r["inputs"].values() for s in SCENARIOS for r in build(s))


def test_resource_policy_types_are_the_installed_pulumi_aws_tokens_and_inputs():
    import re
    from pathlib import Path

    import pulumi_aws
    from appstack_policies.aws_resource_policies import RESOURCE_POLICY_FIELDS

    root = Path(pulumi_aws.__file__).parent
    assert len(RESOURCE_POLICY_FIELDS) == 61
    for token, field in RESOURCE_POLICY_FIELDS.items():
        module, klass = token.split(":")[1].split("/")[0], token.split(":")[2]
        directory = root / module if (root / module).is_dir() else root / f"{module}_"  # lambda_
        source = (directory / (re.sub(r"(?<!^)(?=[A-Z])", "_", klass).lower() + ".py")).read_text()
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()
        assert f"'{token}'" in source and f'__props__.__dict__["{snake}"] = {snake}' in source, token
