"""Binding templates: parsing, secrecy, and rendering into Pulumi outputs."""

from __future__ import annotations

import pulumi
import pytest
from appstack.components.bindings import env_entries, render

from appstack.spec import Ref, available_attributes, is_secret_template, parse_template
from appstack.stackconfig import validate_blueprint
from appstack.synth import synthesize


def test_parse_template_splits_literals_and_references():
    assert parse_template("http://${services.backend.address}/api/v1") == [
        "http://",
        Ref("services.backend.address"),
        "/api/v1",
    ]
    assert parse_template("$${not.a.ref} and ${ app.url }") == ["${not.a.ref} and ", Ref("app.url")]


def test_secrecy_follows_the_referenced_attribute():
    attributes = available_attributes(validate_blueprint("claude-relay"))
    assert attributes["postgres.password"].secret and attributes["redis.url"].secret
    assert not attributes["postgres.host"].secret
    assert is_secret_template("x-${postgres.password}", attributes)
    assert not is_secret_template("${postgres.host}:${postgres.port}", attributes)


def test_sqlite_url_is_not_secret_but_postgres_url_is():
    assert not available_attributes(validate_blueprint("elizabeth"))["database.url"].secret
    assert available_attributes(validate_blueprint("zmage"))["database.url"].secret


def test_env_entries_mark_secrets_and_drop_unset_optional_ones():
    spec = validate_blueprint("small-squaretable")
    present = {n for n, s in spec.secrets.items() if s.required}
    entries = {e.name: e for e in env_entries(spec, spec.services["app"], present)}
    assert "OPENAI_API_KEY" not in entries and "CUSTOM_LLM_MODELS" not in entries
    assert entries["DATABASE_URL"].secret and entries["STRIPE_SECRET_KEY"].secret
    assert not entries["APP_URL"].secret and not entries["OPENAI_BASE_URL"].secret


def test_workload_env_overrides_app_env():
    spec = validate_blueprint("sparkle")
    entries = {e.name: e.template for e in env_entries(spec, spec.services["grpc-server"].model_copy(update={"env": {"LOG_LEVEL": "DEBUG"}}), spec.secrets)}
    assert entries["LOG_LEVEL"] == "DEBUG" and entries["APP_NAME"] == "Sparkle"


def test_rendered_value_from_a_secret_is_a_secret():
    seen = {}

    def program():
        value = render(
            "postgresql://app:${postgres.password}@${postgres.host}/db",
            {"postgres.password": pulumi.Output.secret("s3cret"), "postgres.host": "db.internal"},
        )
        plain = render("${postgres.host}:5432", {"postgres.host": "db.internal"})

        async def capture():
            seen["secret"] = await value.is_secret()
            seen["value"] = await value.future()
            seen["plain_secret"] = await plain.is_secret()

        pulumi.Output.from_input(None).apply(lambda _: None)
        return value.apply(lambda _: None), plain.apply(lambda _: None), capture

    def run():
        _, _, capture = program()
        import asyncio

        asyncio.ensure_future(capture())

    synthesize("bindings", config={}, program=run)
    assert seen == {"secret": True, "value": "postgresql://app:s3cret@db.internal/db", "plain_secret": False}


def test_render_refuses_a_reference_the_platform_does_not_provide():
    with pytest.raises(KeyError, match=r"no value for \$\{redis.url\}"):
        render("${redis.url}", {})


def _k8s_env(stack_name: str, deployment: str) -> dict[str, object]:
    from tests.conftest import synth_stack

    resource = synth_stack(stack_name).named(deployment, "kubernetes:apps/v1:Deployment")
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in resource.inputs["spec"]["template"]["spec"]["containers"][0]["env"]}


def _ecs_environment(stack_name: str, task_family_prefix: str, container: str) -> dict[str, str]:
    import json

    from tests.conftest import synth_stack

    for resource in synth_stack(stack_name).by_type("aws:ecs/taskDefinition:TaskDefinition"):
        if resource.name.startswith(task_family_prefix):
            definitions = resource.inputs["containerDefinitions"]
            definitions = json.loads(getattr(definitions, "value", definitions))
            for definition in definitions:
                if definition["name"] == container:
                    return {e["name"]: e["value"] for e in definition.get("environment", [])}
    raise LookupError(task_family_prefix)


def test_the_same_blueprint_binds_to_what_each_platform_provides():
    # Claude Relay's POSTGRES_SSL follows ${postgres.tls}: in-cluster Postgres (dev) has no TLS,
    # CloudNativePG (prod-k8s) and RDS (prod) require it.
    assert _k8s_env("dev", "claude-relay-app")["POSTGRES_SSL"] == "false"
    assert _k8s_env("prod-k8s", "claude-relay-app")["POSTGRES_SSL"] == "true"
    assert _ecs_environment("prod", "claude-relay-app", "app")["POSTGRES_SSL"] == "true"
    # Sparkle's gateway reaches the gRPC server by the platform's internal name.
    assert _k8s_env("dev", "sparkle-gateway")["AGENT_ADDRESS"] == "grpc-server.dev-sparkle.svc.cluster.local:50051"
    assert _ecs_environment("prod", "sparkle-gateway", "gateway")["AGENT_ADDRESS"] == "grpc-server.sparkle.prod.internal:50051"


def test_secret_digest_is_keyed_so_short_values_cannot_be_guessed_from_it():
    import hashlib
    import hmac
    import json

    from appstack.components.bindings import secret_digest

    seen = {}

    def program():
        import asyncio

        async def capture():
            for label, key in (("a", "key-one"), ("b", "key-two")):
                digest = secret_digest({"PIN": pulumi.Output.secret("1234")}, pulumi.Output.secret(key))
                seen[label] = (await digest.future(), await digest.is_secret())

        asyncio.ensure_future(capture())

    synthesize("digest", config={}, program=program)
    expected = hmac.new(b"key-one", json.dumps([["PIN"], ["1234"]]).encode(), hashlib.sha256).hexdigest()
    assert seen["a"] == (expected, False)
    assert seen["b"][0] != expected  # another app's key gives another digest
    assert hashlib.sha256(json.dumps([["PIN"], ["1234"]]).encode()).hexdigest() != expected


def test_every_app_has_a_protected_rollout_key_in_prod():
    from tests.conftest import synth_stack

    keys = [r for r in synth_stack("prod").by_type("random:index/randomBytes:RandomBytes") if r.name.endswith("-rollout-key")]
    assert sorted(k.name for k in keys) == sorted(f"{a}-rollout-key" for a in
                                                  ("claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage"))
    assert all(k.options["protect"] and k.inputs["length"] == 32 for k in keys)
