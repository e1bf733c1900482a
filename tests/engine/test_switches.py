"""The two stack settings the real-engine run uses (no Go needed): render_yaml_to_directory and
generated_secrets: config. Shipped stacks set neither."""

from __future__ import annotations

import json
from pathlib import Path

from appstack.components.generated import GENERATED_CONFIG

from appstack.synth import reveal, synthesize
from tests.foundation.helpers import paths, problems
from tests.kubernetes.helpers import one

from .realengine import engine_config, engine_settings

RANDOM_TYPES = {"random:index/randomBytes:RandomBytes", "random:index/randomPassword:RandomPassword"}


def _provider_inputs(synthesis) -> dict:
    [provider] = [r for r in synthesis.resources if r.type == "pulumi:providers:kubernetes"]
    return provider.inputs


def _engine_config(stack_name: str) -> tuple[dict[str, str], list[str], dict[str, str]]:
    return engine_config(stack_name, Path("/tmp/rendered"))


def test_shipped_kubernetes_stacks_render_nothing_and_generate_with_random(stack):
    for name in ("dev", "prod-k8s"):
        synthesis = stack(name)
        assert "renderYamlToDirectory" not in _provider_inputs(synthesis)
        assert sum(r.type in RANDOM_TYPES for r in synthesis.resources) == {"dev": 23, "prod-k8s": 20}[name]


def test_engine_settings_render_yaml_and_read_every_generated_value_from_config(stack):
    config, secret_keys, secrets = _engine_config("dev")
    shipped = stack("dev")
    synthesis = synthesize("dev", config=config, secret_keys=secret_keys)
    # No context beside renderYamlToDirectory: the real provider's Check refuses the pair (found by the engine).
    assert _provider_inputs(synthesis) == {"enableServerSideApply": "true", "renderYamlToDirectory": "/tmp/rendered"}
    assert _provider_inputs(shipped)["context"] == "kind-appstack"
    assert [r for r in synthesis.resources if r.type in RANDOM_TYPES] == []
    # Exactly the random resources disappear (all of them); every other resource keeps its name.
    removed = {r.urn for r in shipped.resources} - {r.urn for r in synthesis.resources}
    assert removed == {r.urn for r in shipped.resources if r.type in RANDOM_TYPES}
    assert len(removed) == 23
    # The generated values reach the objects that use them: the in-cluster Postgres credentials.
    credentials = reveal(one(synthesis, "Secret", "dev-small-squaretable", "postgres-credentials"))
    key = f"{GENERATED_CONFIG}:small-squaretable-postgres-app-password"
    assert credentials["stringData"]["password"] == secrets[key]
    assert len(secrets[key]) == 48  # 24 random bytes as hex (PASSWORD_BYTES)


def test_generated_secrets_config_is_kubernetes_only():
    found = problems({"small-squaretable": {}}, platform="aws", generated_secrets="config")
    assert "appstack:generated_secrets" in paths(found)
    message = next(p.message for p in found if p.path == "appstack:generated_secrets")
    assert "only supported on the kubernetes platform" in message


def test_generated_secrets_rejects_unknown_modes():
    found = problems({"small-squaretable": {}}, generated_secrets="vault")
    assert paths(found) == ["appstack:generated_secrets"]


def test_engine_settings_leave_no_random_resource_in_prod_k8s_grafana_included():
    # Found by the real engine: the Grafana admin password was a pulumi-random resource in config mode too.
    config, secret_keys, secrets = _engine_config("prod-k8s")
    kubernetes = json.loads(config["appstack:kubernetes"])
    assert kubernetes["observability"]["install_stack"] is False  # the engine run: no chart from the internet
    kubernetes["observability"]["install_stack"] = True
    config["appstack:kubernetes"] = json.dumps(kubernetes)
    synthesis = synthesize("prod-k8s", config=config, secret_keys=secret_keys)
    assert [r.name for r in synthesis.resources if r.type in RANDOM_TYPES] == []
    admin = reveal(one(synthesis, "Secret", "monitoring", "grafana-admin"))
    assert admin["stringData"]["admin-password"] == secrets[f"{GENERATED_CONFIG}:kubernetes-monitoring-grafana-admin-password"]
    assert len(secrets[f"{GENERATED_CONFIG}:kubernetes-monitoring-grafana-admin-password"]) == 32


def test_engine_settings_per_stack():
    # The Helm Release fetches its chart from the internet at preview: the engine run leaves it out.
    assert engine_settings("prod-k8s", Path("/r")) == {
        "appstack:kubernetes.render_yaml_to_directory": "/r", "appstack:generated_secrets": "config",
        "appstack:kubernetes.observability.install_stack": False}
    assert engine_settings("dev", Path("/r")) == {
        "appstack:kubernetes.render_yaml_to_directory": "/r", "appstack:generated_secrets": "config"}
    config, _, _ = engine_config("prod-k8s", Path("/r"))
    kubernetes = json.loads(config["appstack:kubernetes"])
    assert (kubernetes["render_yaml_to_directory"], kubernetes["observability"]["install_stack"]) == ("/r", False)
    assert kubernetes["observability"]["enabled"] is True  # only the chart is left out
