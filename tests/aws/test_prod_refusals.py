"""What a production stack refuses with a config error, before any resource is registered: ECS Exec and
provided secrets written in plaintext in the stack file."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from appstack import program
from appstack.project import Project
from appstack.stackconfig import tier_problems
from appstack.synth import synthesize
from tests.conftest import synth_config

ROOT = Path(__file__).resolve().parents[2]
ZMAGE_SECRETS = {"zmage:GEMINI_API_KEY": "g-key-0123456789", "zmage:SENTRY_DSN": "https://k@sentry.example/1"}


def refused(**kwargs) -> list[str]:
    with pytest.raises(pulumi.RunError) as error:
        synth_config(**kwargs)
    text = str(error.value)
    assert "Traceback" not in text
    return text.splitlines()


def test_prod_refuses_ecs_exec():
    lines = refused(platform="aws", tier="prod", apps={"zmage": {}}, extra={"aws": {"ecs_exec": True}})
    assert lines == [
        "Invalid configuration for stack 'test' (1 problem):",
        "  - appstack:aws.ecs_exec: ECS Exec is for dev stacks only: in prod it would open shells into running tasks and "
        "make their root filesystems writable",
    ]


def test_dev_may_turn_ecs_exec_on_and_prod_keeps_it_off_by_default():
    dev = synth_config(platform="aws", tier="dev", apps={"zmage": {}}, extra={"aws": {"ecs_exec": True}})
    services = dev.by_type("aws:ecs/service:Service")
    assert services and all(s.inputs["enableExecuteCommand"] is True for s in services)
    prod = synth_config(platform="aws", tier="prod", apps={"zmage": {}}, secrets=ZMAGE_SECRETS)
    assert {s.inputs["enableExecuteCommand"] for s in prod.by_type("aws:ecs/service:Service")} == {False}


def test_the_shipped_stacks_pass_the_tier_checks(stack):
    for name in ("dev", "prod", "prod-k8s"):
        model = stack(name).model
        assert tier_problems(model.settings, model.apps) == []


def _config(tier: str) -> dict[str, str]:
    return {"appstack:platform": "aws", "appstack:tier": tier, "appstack:domain": "example.com",
            "appstack:apps": json.dumps({"zmage": {}}), **ZMAGE_SECRETS}


def test_prod_refuses_a_provided_secret_written_in_plaintext():
    with pytest.raises(pulumi.RunError) as error:
        synthesize("test", config=_config("prod"), secret_keys=["zmage:SENTRY_DSN"])
    lines = str(error.value).splitlines()
    assert lines[:2] == [
        "Invalid secrets for stack 'test' (1 problem):",
        "  - apps.zmage.secrets.GEMINI_API_KEY: written in plaintext in Pulumi.test.yaml; a prod stack takes "
        "provided secrets only as encrypted (secure:) values",
    ]
    assert "  pulumi config set --secret --stack test zmage:GEMINI_API_KEY '<value>'" in lines


@pytest.mark.parametrize(("tier", "secret_keys"), [("prod", sorted(ZMAGE_SECRETS)), ("dev", [])])
def test_encrypted_values_pass_and_dev_may_hold_plaintext(tier, secret_keys):
    synthesis = synthesize("test", config=_config(tier), secret_keys=secret_keys)
    assert synthesis.by_type("aws:rds/instance:Instance")


def test_the_stack_file_decides_what_is_encrypted(tmp_path):
    """Through Pulumi.<stack>.yaml itself: a `secure:` value passes, a plaintext one is refused."""
    document = {"config": {"appstack:platform": "aws", "appstack:tier": "prod", "appstack:domain": "example.com",
                           "appstack:apps": {"zmage": {}}, "zmage:GEMINI_API_KEY": {"secure": "v1:abc"},
                           "zmage:SENTRY_DSN": "https://k@sentry.example/1"}}
    project = Project(root=tmp_path, name="appstack", config={"appstack:blueprints": str(ROOT / "apps")})
    (tmp_path / "Pulumi.shop.yaml").write_text(json.dumps(document))
    with pytest.raises(pulumi.RunError) as error:
        synthesize("shop", project=project)
    assert "  - apps.zmage.secrets.SENTRY_DSN: written in plaintext in Pulumi.shop.yaml;" in str(error.value)
    assert "GEMINI_API_KEY: written" not in str(error.value)
    document["config"]["zmage:SENTRY_DSN"] = {"secure": "v1:def"}
    (tmp_path / "Pulumi.shop.yaml").write_text(json.dumps(document))
    assert synthesize("shop", project=project).by_type("aws:rds/instance:Instance")


def test_the_program_asks_the_engine_which_keys_are_secret():
    """appstack.program.main, as under `pulumi up`: the engine's secret keys decide."""
    def run(secret_keys):
        synthesize("test", config=_config("prod"), secret_keys=secret_keys,
                   program=lambda: program.main(placeholders_for_missing=True))

    run(sorted(ZMAGE_SECRETS))
    with pytest.raises(pulumi.RunError, match="apps.zmage.secrets.SENTRY_DSN: written in plaintext"):
        run(["zmage:GEMINI_API_KEY"])
