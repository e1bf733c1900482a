"""The offline runner: plan in, violations grouped by level out, non-zero on mandatory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from appstack_policies import ALL_RULES, DEFAULT_CONFIG_DIR, SecretValue, evaluate, evaluate_plan, main
from appstack_policies.config import config_problems, enforcement_level, load_config_file
from policy_fixtures import DELETE, build


def plan(resources, *, stack="dev", tier="dev", outputs=None):
    return {
        "format": "appstack.plan/v1",
        "stack": stack,
        "platform": "aws",
        "tier": tier,
        "resources": resources,
        "outputs": outputs or {},
    }


def insecure_db():
    return build("rds", {"publiclyAccessible": True})  # one mandatory finding, rest compliant


def test_clean_plan_passes_and_exits_zero(tmp_path: Path, capsys):
    resources = build("rds") + build("kms") + build("ecr")
    report = evaluate_plan(plan(resources, stack="prod", tier="prod"))
    assert report.mandatory == [] and report.passed
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan(resources, stack="prod", tier="prod")))
    assert main([str(path)]) == 0
    assert "0 mandatory" in capsys.readouterr().out


def test_mandatory_violation_exits_one_and_output_is_grouped(tmp_path: Path, capsys):
    resources = insecure_db() + build("log_group", {"kmsKeyId": DELETE})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan(resources, stack="prod", tier="prod")))
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert out.index("MANDATORY (1)") < out.index("ADVISORY (1)")
    assert "[rds-not-publicly-accessible] aws:rds/instance:Instance db: publiclyAccessible is true" in out
    assert "[log-group-encrypted] aws:cloudwatch/logGroup:LogGroup web-logs: kmsKeyId is not set." in out
    assert "fix: Set publiclyAccessible to false" in out


def test_json_format_and_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(plan(insecure_db()))))
    assert main(["-", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False
    assert [v["rule_id"] for v in report["mandatory"]] == ["rds-not-publicly-accessible"]


def test_bad_input_exits_two(tmp_path: Path, capsys):
    assert main([str(tmp_path / "missing.json")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "something-else"}))
    assert main([str(bad)]) == 2
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"no-such-rule": "advisory"}))
    good = tmp_path / "plan.json"
    good.write_text(json.dumps(plan([])))
    assert main([str(good), "--config", str(config)]) == 2
    assert "no-such-rule: no such policy" in capsys.readouterr().err


def test_stack_config_file_is_used_for_the_plan_stack():
    # dev.json disables rds-multi-az and sets the tier of prod-only rules to dev.
    resources = build("rds", {"multiAz": False, "deletionProtection": False})
    dev = evaluate_plan(plan(resources, stack="dev", tier="dev"))
    prod = evaluate_plan(plan(resources, stack="prod", tier="prod"))
    assert {v.rule_id for v in dev.violations} == set()
    assert {(v.rule_id, v.level) for v in prod.violations} == {
        ("rds-multi-az", "advisory"),
        ("rds-deletion-protection-prod", "mandatory"),
    }


def test_config_levels_all_key_and_rule_settings():
    resources = build("rds", {"backupRetentionPeriod": 10, "multiAz": False})
    config = {"all": "advisory", "rds-backup-retention": {"minimumDays": 14}, "rds-multi-az": "mandatory"}
    report = evaluate(resources, config=config, tier="prod")
    assert [(v.rule_id, v.level, v.message) for v in report.violations] == [
        ("rds-multi-az", "mandatory", "multiAz is not true."),
        ("rds-backup-retention", "advisory", "backupRetentionPeriod is 10 day(s); at least 14 required."),
    ]
    assert enforcement_level(ALL_RULES[0], {"all": {"enforcementLevel": "disabled"}}).value == "disabled"
    assert evaluate(resources, config={"all": "disabled"}).violations == ()


def test_unknown_and_secret_markers_in_plan_json():
    resources = build("rds", {"publiclyAccessible": "[unknown]", "storageEncrypted": "[unknown]"})
    assert evaluate(resources, tier="prod").mandatory == []
    outputs = {"dbPassword": "[secret]", "apiToken": SecretValue("tok"), "url": "https://x"}
    assert evaluate([], stack_outputs=outputs).violations == ()
    leaked = evaluate([], stack_outputs={"apiToken": "tok"})
    assert [v.message for v in leaked.mandatory] == ["output apiToken is named like a secret but is not marked secret."]


def test_in_memory_secret_values_are_revealed_to_resource_rules():
    resources = build("task_definition")
    definitions = json.loads(resources[0]["inputs"]["containerDefinitions"])
    definitions[0]["environment"].append({"name": "API_TOKEN", "value": "abc"})
    resources[0]["inputs"]["containerDefinitions"] = SecretValue(json.dumps(definitions))
    # Both: the secret sits in the task definition, and the revealed text shows where.
    assert [v.message for v in evaluate(resources).mandatory] == [
        "container web sets API_TOKEN in its plaintext environment.",
        "containerDefinitions holds a Pulumi secret, which the task definition stores in plaintext.",
    ]


@pytest.mark.parametrize("path", sorted(DEFAULT_CONFIG_DIR.glob("*.json")), ids=lambda p: p.name)
def test_shipped_config_files_are_valid(path: Path):
    assert config_problems(load_config_file(path), ALL_RULES) == []


def test_dev_and_prod_config_set_the_tier_of_every_prod_rule():
    tier_rules = {r.id for r in ALL_RULES if "tier" in r.settings}
    for stack in ("dev", "prod"):
        config = load_config_file(DEFAULT_CONFIG_DIR / f"{stack}.json")
        assert {k for k, v in config.items() if isinstance(v, dict) and v.get("tier") == stack} == tier_rules
