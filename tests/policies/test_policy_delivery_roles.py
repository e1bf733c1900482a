"""The delivery roles' trust policies (delivery/aws/<stack>/trust-policy.json) pass the same trust rules
the pack applies to planned roles: GitHub OIDC pinned to one repository and environment, never anyone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from appstack_policies import RULES_BY_ID, evaluate

DELIVERY = Path(__file__).resolve().parents[2] / "delivery" / "aws"
TRUST_POLICIES = sorted(DELIVERY.glob("*/trust-policy.json"))
RULES = ["iam-github-oidc-trust-pinned", "iam-no-public-assume-role"]


def _role(document: dict) -> dict:
    return {
        "urn": "urn:pulumi:delivery::appstack::aws:iam/role:Role::deploy",
        "type": "aws:iam/role:Role",
        "name": "deploy",
        "inputs": {"assumeRolePolicy": json.dumps(document)},
        "dependencies": [],
        "options": {},
    }


def _messages(document: dict) -> list[str]:
    report = evaluate([_role(document)], tier="prod", rules=[RULES_BY_ID[r] for r in RULES])
    return [v.message for v in report.violations]


def test_every_stack_has_a_trust_policy():
    # every stack file the workflows can deploy: the root's and each split's (environments/<stack>-split)
    root = DELIVERY.parents[1]
    files = [*root.glob("Pulumi.*.yaml"), *root.glob("environments/*-split/Pulumi.*.yaml")]
    stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in files)
    assert [p.parent.name for p in TRUST_POLICIES] == stacks
    assert {"dev", "prod", "prod-k8s", "prod-env", "prod-zmage", "prod-k8s-env", "prod-k8s-zmage"} <= set(stacks)


@pytest.mark.parametrize("path", TRUST_POLICIES, ids=lambda p: p.parent.name)
def test_delivery_trust_policy_passes_and_its_aud_only_variant_fails(path: Path):
    document = json.loads(path.read_text())
    assert _messages(document) == []
    sub_key = "token.actions.githubusercontent.com:sub"
    for statement in document["Statement"]:
        statement["Condition"]["StringEquals"].pop(sub_key)
    assert _messages(document) == [
        f"assumeRolePolicy statement 0 trusts GitHub Actions OIDC without a {sub_key} condition, so any "
        "repository's workflow can assume it."
    ]
