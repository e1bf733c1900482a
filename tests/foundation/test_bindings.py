"""Binding templates: parsing, secrecy, and rendering into Pulumi outputs."""

from __future__ import annotations

import pulumi
import pytest

from appstack.spec import Ref, available_attributes, is_secret_template, parse_template
from appstack.stackconfig import validate_blueprint
from appstack.synth import synthesize
from components.bindings import env_entries, render


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
    entries = {e.name: e for e in env_entries(spec, spec.services["app"].env, present)}
    assert "OPENAI_API_KEY" not in entries and "CUSTOM_LLM_MODELS" not in entries
    assert entries["DATABASE_URL"].secret and entries["STRIPE_SECRET_KEY"].secret
    assert not entries["APP_URL"].secret and not entries["OPENAI_BASE_URL"].secret


def test_workload_env_overrides_app_env():
    spec = validate_blueprint("sparkle")
    entries = {e.name: e.template for e in env_entries(spec, {"LOG_LEVEL": "DEBUG"}, spec.secrets)}
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
