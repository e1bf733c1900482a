"""`plan diff` knows the replace-forcing inputs of every resource type the components register.

The registered types are read from the components' source (every SDK class they construct, every
custom resource's apiVersion and kind), so a new type fails here until rules.py states its table.
"""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from pathlib import Path

import pytest

from appstack.plandiff import diff_plans, render_text
from appstack.plandiff import rules as plan_rules
from appstack.plandiff.paths import parse_path

from .plans import plan, resource

COMPONENTS = Path(__file__).resolve().parents[2] / "components"
SDKS = {"aws": "pulumi_aws", "k8s": "pulumi_kubernetes", "random": "pulumi_random", "docker": "pulumi_docker"}
CONSTRUCTOR = re.compile(r"\b(aws|k8s|random|docker)((?:\.[a-z0-9_]+)*)\.([A-Z][A-Za-z0-9]+)\(")
CUSTOM_RESOURCE = re.compile(r'api_version="([^"]+)",\s*kind="([A-Za-z]+)"')


def _token(sdk: str, module: str, cls: str) -> str:
    resource = getattr(importlib.import_module(SDKS[sdk] + module), cls)
    found = re.findall(r"super\(\w+, __self__\).__init__\(\s*'([^']+)'", inspect.getsource(resource._internal_init))
    assert len(found) == 1, (sdk, module, cls)
    token = found[0]
    return f"pulumi:providers:{token}" if ":" not in token else token


@cache
def registered_types() -> frozenset[str]:
    tokens = set()
    for path in COMPONENTS.rglob("*.py"):
        text = path.read_text()
        for sdk, module, cls in CONSTRUCTOR.findall(text):
            if cls != "CustomResource":
                tokens.add(_token(sdk, module, cls))
        tokens.update(f"kubernetes:{api}:{kind}" for api, kind in CUSTOM_RESOURCE.findall(text))
    return frozenset(tokens)


def test_the_scan_finds_every_kind_of_registration():
    found = registered_types()
    assert len(found) == 103, len(found)  # 77 AWS, 21 Kubernetes (6 custom resources), 2 random, docker, 2 providers
    for token in ("aws:acm/certificate:Certificate", "kubernetes:apps/v1:Deployment",
                  "kubernetes:postgresql.cnpg.io/v1:Cluster", "kubernetes:helm.sh/v3:Release",
                  "random:index/randomBytes:RandomBytes", "docker:index/image:Image", "pulumi:providers:kubernetes"):
        assert token in found


def test_every_registered_type_has_a_replacement_table():
    missing = sorted(t for t in registered_types() if not plan_rules.known(t))
    assert missing == [], "state their replace-forcing inputs in appstack/plandiff/rules.py RULES"


def _sample(path: str, value: object) -> dict:
    """Inputs with `value` at `path` (a dotted property path)."""
    tokens = parse_path(path)
    out: dict = {}
    cur = out
    for tok in tokens[:-1]:
        cur = cur.setdefault(tok, {})
    cur[tokens[-1]] = value
    return out


def _diff(type_token: str, before: dict, after: dict):
    base = plan("prod", "aws", [resource("prod", type_token, "thing", before)])
    head = plan("prod", "aws", [resource("prod", type_token, "thing", after)])
    return diff_plans(base, head).resources[0]


@pytest.mark.parametrize("type_token", sorted(registered_types()))
def test_each_listed_input_forces_a_replacement_and_a_tag_change_does_not(type_token):
    rule = plan_rules.rule_for(type_token)
    for path in rule.replace:
        changed = _diff(type_token, _sample(path, "old-value"), _sample(path, "new-value"))
        assert changed.action == "replace", (type_token, path)
        assert any(f"`{path}` forces replacement" in reason for reason in changed.replace_reasons)
    label = "metadata.labels.team" if type_token.startswith("kubernetes:") else "tags.team"
    tagged = _diff(type_token, _sample(label, "a"), _sample(label, "b"))
    immutable = rule.replace_all_except is not None and label.split(".")[0] not in rule.replace_all_except
    assert tagged.action == ("replace" if immutable else "update"), type_token


@pytest.mark.parametrize(("type_token", "path", "old", "new"), [
    ("aws:acm/certificate:Certificate", "domainName", "a.example.com", "b.example.com"),
    ("aws:rds/instance:Instance", "identifier", "zmage-prod", "zmage-prod-2"),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "replicationGroupId", "zmage", "zmage-2"),
    ("kubernetes:apps/v1:Deployment", "spec.selector.matchLabels.app", "web", "www"),
    ("kubernetes:batch/v1:Job", "spec.template.spec.containers", [{"image": "a:1"}], [{"image": "a:2"}]),
    ("kubernetes:apps/v1:StatefulSet", "spec.volumeClaimTemplates", [{"size": 1}], [{"size": 2}]),
    ("kubernetes:core/v1:Service", "spec.clusterIP", "None", "10.0.0.7"),
])
def test_the_issues_examples_are_reported_as_replacements_with_a_warning(type_token, path, old, new):
    base = plan("prod", "aws", [resource("prod", type_token, "thing", _sample(path, old))])
    head = plan("prod", "aws", [resource("prod", type_token, "thing", _sample(path, new))])
    diff = diff_plans(base, head)
    assert diff.resources[0].action == "replace"
    if not diff.resources[0].hazard:  # stateful ones head the report in the CAUTION block instead
        assert [w for w in diff.warnings if w.startswith(f"{type_token} `thing` will be replaced")]
    assert "replace" in render_text(diff)


def test_a_type_without_a_table_is_named_in_the_warnings():
    token = "aws:lambda/function:Function"
    diff = diff_plans(plan("prod", "aws", [resource("prod", token, "fn", {"runtime": "python3.11"})]),
                      plan("prod", "aws", [resource("prod", token, "fn", {"runtime": "python3.12"})]))
    assert diff.resources[0].action == "update"
    assert [w for w in diff.warnings if w.startswith(f"{token}: not in the replacement table")]
