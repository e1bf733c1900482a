"""The provider checks over every shipped stack: zero findings, and they would catch a regression."""

from __future__ import annotations

import dataclasses

import pytest

from appstack.provider_checks import check, check_resources
from tests.conftest import synth_stack

RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


@pytest.mark.parametrize("stack", ["dev", "prod", "prod-k8s"])
def test_shipped_stacks_have_no_findings(stack):
    assert [str(f) for f in check(synth_stack(stack))] == []


def test_prod_rule_descriptions_use_only_characters_ec2_accepts():
    rules = [r for r in synth_stack("prod").resources
             if r.type in (RULE, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")]
    assert len(rules) == 88
    from_tasks = [r for r in rules if r.name.endswith("-from-tasks")]
    assert len(from_tasks) == 8  # every internal service but the three scrape-only exporters
    assert all("'" not in r.inputs["description"] for r in rules)
    assert from_tasks[0].inputs["description"].endswith("from the app tasks (service discovery)")


def test_the_released_apostrophe_would_be_reported():
    rule = next(r for r in synth_stack("prod").resources if r.name == "zmage-web-from-tasks")
    broken = dataclasses.replace(rule, inputs={**rule.inputs, "description": "web port 3000 from the app's tasks"})
    [finding] = check_resources([broken])
    assert (finding.path, finding.source) == ("description", "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html")
    assert "._-:/()#,@[]+=&;{}!$*" in finding.message
