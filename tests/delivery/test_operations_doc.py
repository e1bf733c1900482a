"""docs/operations.md stays true to the code: alerts, provided-secret commands and stacks it documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appstack.program import set_secret_command
from appstack.stackconfig import Stack, available_blueprints, load_stack, validate_blueprint
from appstack.synth import stack_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOC = PROJECT_ROOT / "docs" / "operations.md"
STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in PROJECT_ROOT.glob("Pulumi.*.yaml"))
BLUEPRINTS = available_blueprints()
# Per-app object storage keys (credentials: static), in the app's own config namespace; not app secrets.
STORAGE_CREDENTIAL_KEYS = {"storageAccessKeyId", "storageSecretAccessKey", "backupAccessKeyId",
                           "backupSecretAccessKey"}
SET_SECRET = re.compile(r"pulumi config set --secret --stack (\S+) ([a-z0-9-]+):(\S+) '<(?:new )?value>'")


def _doc() -> str:
    return DOC.read_text()


def _stack(name: str) -> Stack:
    config, _ = stack_config(name)
    return load_stack(name, config.get, all_keys=sorted(config))


def _lines() -> set[str]:
    return {line.strip() for line in _doc().splitlines()}


def test_shipped_stacks_and_blueprints_exist():
    assert {"dev", "prod", "prod-k8s"} <= set(STACKS)
    assert len(BLUEPRINTS) == 5


@pytest.mark.parametrize("stack", STACKS)
def test_every_shipped_stack_is_named(stack):
    assert f"`{stack}`" in _doc()


@pytest.mark.parametrize("app", BLUEPRINTS)
def test_every_alert_is_in_the_alert_table(app):
    """One table row per alert: app, name, the exact expression, its duration and severity."""
    rows = [line for line in _doc().splitlines() if line.startswith(f"| {app} |")]
    for alert in validate_blueprint(app).alerts:
        assert alert.name in _doc(), f"{app}: alert {alert.name} is not mentioned"
        matching = [row for row in rows if f"`{alert.name}`" in row]
        assert matching, f"{app}: no alert table row for {alert.name}"
        cells = [cell.strip() for cell in matching[0].strip("|").split(" | ")]
        assert f"`{alert.expr}`" in cells, f"{app}/{alert.name}: expression differs from the blueprint"
        assert alert.for_ in cells, f"{app}/{alert.name}: duration differs from the blueprint ({alert.for_})"
        assert alert.severity in cells, f"{app}/{alert.name}: severity differs from the blueprint"


@pytest.mark.parametrize("stack", STACKS)
def test_required_provided_secrets_have_their_exact_command(stack):
    lines = _lines()
    loaded = _stack(stack)
    expected = [
        set_secret_command(stack, app, name)
        for app, spec in loaded.apps.items()
        for name, secret in sorted(spec.secrets.items())
        if secret.source == "provided" and secret.required
    ]
    assert expected, f"{stack}: no required provided secrets found; the test reads the wrong thing"
    missing = [command for command in expected if command not in lines]
    assert not missing, "docs/operations.md lacks:\n" + "\n".join(missing)


def test_every_documented_secret_command_names_a_real_secret():
    """No stale command: each one sets a provided secret the stack's app declares, or storage credentials."""
    stacks = {name: _stack(name) for name in STACKS}
    commands = SET_SECRET.findall(_doc())
    assert commands
    for stack, namespace, key in commands:
        assert stack in stacks, f"unknown stack {stack} in: {namespace}:{key}"
        if key in STORAGE_CREDENTIAL_KEYS:
            loaded = stacks[stack]
            assert loaded.settings.kubernetes.object_storage.credentials == "static", f"{stack} uses no static keys"
            assert namespace in loaded.apps, f"{stack} does not run {namespace}"
            if key.startswith("storage"):
                assert loaded.apps[namespace].storage, f"{namespace} has no buckets: {key} is never read"
            continue
        app = stacks[stack].apps.get(namespace)
        assert app is not None, f"{stack} does not run {namespace}"
        secret = app.secrets.get(key)
        assert secret is not None and secret.source == "provided", f"{namespace}:{key} is not a provided secret"


def test_generated_secrets_are_not_given_set_commands():
    for app in BLUEPRINTS:
        for name, secret in validate_blueprint(app).secrets.items():
            if secret.source == "generated":
                assert f"{app}:{name} '" not in _doc(), f"{app}:{name} is generated; it needs no config set"


def test_readme_links_the_runbook():
    assert "(docs/operations.md)" in (PROJECT_ROOT / "README.md").read_text()

