"""The offline plan: synthesis under mocks, the public JSON shape, determinism, masking, the CLI."""

from __future__ import annotations

import json
from unittest import mock

import pulumi
import pytest

from appstack import cli
from appstack.mocks import _digest
from appstack.plan import PLAN_FORMAT, plan_json, plan_mermaid, plan_table
from appstack.stackconfig import load_stack
from appstack.synth import SECRET, Secret, stack_config, synthesize
from tests.conftest import synth_config, synth_stack

SYSTEMS = ["claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage"]


def _stack(name):
    config, _ = stack_config(name)
    return load_stack(name, config.get, all_keys=sorted(config))


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_shipped_stack_runs_all_five_systems(name):
    synthesis = synth_stack(name)
    applications = synthesis.by_type("appstack:app:Application")
    assert sorted(a.name for a in applications) == SYSTEMS
    assert all(a.parent.endswith("pulumi:pulumi:Stack::appstack-" + name) for a in applications)


def test_dev_targets_kubernetes_and_prod_targets_aws():
    assert _stack("dev").settings.platform == "kubernetes" and _stack("dev").settings.tier == "dev"
    assert _stack("prod").settings.platform == "aws" and _stack("prod").settings.tier == "prod"
    assert len(synth_stack("dev").by_type("appstack:kubernetes:Platform")) == 1
    assert len(synth_stack("prod").by_type("appstack:aws:Platform")) == 1


def test_every_child_has_a_parent_and_dependencies_resolve():
    synthesis = synth_stack("dev")
    urns = {r.urn for r in synthesis.resources}
    for resource in synthesis.resources:
        assert resource.parent is not None
        assert set(resource.dependencies) <= urns | {resource.parent}


def test_generated_secrets_use_pulumi_random_and_are_protected_only_in_prod():
    for name, protected in (("dev", False), ("prod", True)):
        passwords = synth_stack(name).by_type("random:index/randomPassword:RandomPassword")
        assert sorted(p.name for p in passwords) == [
            "claude-relay-encryption-key",
            "claude-relay-jwt-secret",
            "elizabeth-jwt-secret",
            "small-squaretable-jwt-secret",
            "sparkle-secret-key",
            "zmage-nextauth-secret",
        ]
        assert {p.options["protect"] for p in passwords} == {protected}
        jwt = next(p for p in passwords if p.name == "zmage-nextauth-secret")
        assert (jwt.inputs["length"], jwt.inputs["special"]) == (64, False)


def test_json_has_the_public_shape_and_is_deterministic():
    first = plan_json(synthesize("dev"), _stack("dev"))
    second = plan_json(synthesize("dev"), _stack("dev"))
    assert first == second
    document = json.loads(first)
    assert document["format"] == PLAN_FORMAT and document["stack"] == "dev"
    assert document["platform"] == "kubernetes" and document["apps"] == SYSTEMS
    for resource in document["resources"]:
        assert set(resource) >= {"type", "name", "parent", "inputs", "dependencies", "options"}
        assert set(resource["options"]) >= {"protect", "retain_on_delete", "ignore_changes"}
    assert [r["urn"] for r in document["resources"]] == sorted(r["urn"] for r in document["resources"])


def test_secret_values_never_reach_the_json():
    synthesis = synth_config(
        platform="kubernetes",
        apps={"zmage": {}},
        secrets={"zmage:GEMINI_API_KEY": "gemini-plaintext-value", "zmage:SENTRY_DSN": "https://dsn@sentry.example/1"},
    )
    text = plan_json(synthesis, load_stack("test", synthesis.config.get))
    generated = _digest("zmage-nextauth-secret", 64)
    assert generated not in text and "gemini-plaintext-value" not in text and "dsn@sentry" not in text
    outputs = synthesis.by_type("random:index/randomPassword:RandomPassword")
    assert outputs and all(not isinstance(v, Secret) for v in outputs[0].inputs.values())
    assert SECRET == "[secret]"


def test_table_groups_by_app_and_counts():
    table = plan_table(synth_stack("dev"), _stack("dev"))
    assert table.startswith("Stack dev: platform kubernetes, tier dev, 5 apps,")
    for system in SYSTEMS:
        assert f"\n{system}  (" in table
    assert "random:index/randomPassword:RandomPassword" in table


def test_mermaid_shows_services_stores_routes_and_bindings():
    diagram = plan_mermaid(_stack("dev"))
    assert diagram.startswith("flowchart LR\n")
    assert 'sparkle_grpc_server["grpc-server :50051 (grpc)"]' in diagram
    assert 'internet -->|"/api/v1, /ws/chat ws"| sparkle_gateway' in diagram
    assert "sparkle_gateway --> sparkle_grpc_server" in diagram
    assert 'zmage_worker[["worker x3 (worker)"]]' in diagram
    assert "zmage_worker --> zmage_postgres" in diagram and 'zmage_bucket_media[("bucket media via CDN")]' in diagram
    assert 'elizabeth_sqlite[("SQLite /app/data/elizabeth.db")]' in diagram
    assert "internet -->|" not in "\n".join(line for line in diagram.splitlines() if "grpc_server" in line and "internet" in line)


def test_cli_writes_identical_json_twice(tmp_path, capsys):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert cli.main(["plan", "dev", "--quiet", "--json", str(first), "--mermaid", str(tmp_path / "d.mmd")]) == 0
    assert cli.main(["plan", "dev", "--quiet", "--json", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert (tmp_path / "d.mmd").read_text().startswith("flowchart LR")


def test_cli_prints_the_missing_secret_commands_as_warnings(capsys):
    assert cli.main(["plan", "prod"]) == 0
    out = capsys.readouterr().out
    assert "pulumi config set --secret --stack prod zmage:GEMINI_API_KEY '<value>'" in out


def test_cli_strict_secrets_fails_like_pulumi_up(capsys):
    assert cli.main(["plan", "prod", "--quiet", "--strict-secrets"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Missing secrets for stack 'prod'")
    assert "Traceback" not in err


def test_cli_reports_an_unknown_stack(capsys):
    assert cli.main(["plan", "nope"]) == 2
    assert "no stack file Pulumi.nope.yaml; stacks: dev, prod" in capsys.readouterr().err


def test_bad_config_stops_the_program_before_any_resource():
    bad = {
        "appstack:platform": "aws",
        "appstack:tier": "prod",
        "appstack:apps": json.dumps({"zmage": {"tls": "maybe"}}),
    }
    with mock.patch("appstack.program.deploy") as deploy, pytest.raises(pulumi.RunError) as caught:
        synthesize("bad", config=bad)
    deploy.assert_not_called()
    assert "apps.zmage.tls: input should be a valid boolean" in str(caught.value)


def test_stack_outputs_are_recorded_with_urls_and_release_commands():
    prod, dev = synth_stack("prod").outputs, synth_stack("dev").outputs
    assert {k for k in prod if k.endswith("-url")} == {f"{s}-url" for s in SYSTEMS}
    assert prod["zmage-url"] == "https://zmage.example.com"
    # On AWS the stack registers migration tasks and exports the command that runs each one.
    assert prod["zmage-release-commands"]["after_rollout"] == {}
    assert list(prod["zmage-release-commands"]["before_rollout"]) == ["0-db-bootstrap", "db-migrate"]
    assert "run-task --cluster zmage-prod" in prod["zmage-release-commands"]["before_rollout"]["db-migrate"]
    # Claude Relay's data copy runs once the new release is healthy.
    assert set(prod["claude-relay-release-commands"]["after_rollout"]) == {"data-migration"}
    # ...after the platform's db-bootstrap job created its application role and PostgreSQL extensions.
    assert set(prod["claude-relay-release-commands"]["before_rollout"]) == {"0-db-bootstrap"}
    # On Kubernetes, release Jobs run inside `pulumi up`: nothing to run by hand.
    assert not [k for k in dev if k.endswith("-release-commands")]


def test_engine_warnings_reach_the_plan_in_a_stable_order():
    warnings = synth_stack("prod").warnings
    dns = [w for w in warnings if w.startswith("create this DNS record")]
    # one per app's ALB certificate, plus Zmage's CDN certificate (media.zmage.example.com)
    assert len(dns) == 6 and dns == sorted(dns)
    assert sum("certificate for media.zmage.example.com:" in w for w in dns) == 1


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_plan_registers_exactly_what_the_pulumi_entry_point_registers(name):
    """The plan validates once and deploys; __main__ runs appstack.program.main, which reads Pulumi config."""
    from appstack.program import main

    config, secret_keys = stack_config(name)
    via_main = synthesize(name, config=config, secret_keys=secret_keys, program=lambda: main(placeholders_for_missing=True))
    assert [r.masked() for r in via_main.resources] == [r.masked() for r in synth_stack(name).resources]
    assert via_main.outputs == synth_stack(name).outputs


def test_a_late_empty_stack_outputs_registration_keeps_the_exports():
    """set_mocks registers the stack's empty outputs on its own task; under load it can land after the
    program's exports (seen as a flaky `outputs: {}` in a loaded test run)."""
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import resource_pb2

    from appstack.mocks import AppstackMocks
    from appstack.synth import RecordingMonitor

    monitor = RecordingMonitor(AppstackMocks())
    monitor.stack_urn = "urn:pulumi:dev::appstack::pulumi:pulumi:Stack::appstack-dev"
    exports = struct_pb2.Struct()
    exports.update({"zmage-url": "https://zmage.example.com"})
    monitor.RegisterResourceOutputs(resource_pb2.RegisterResourceOutputsRequest(urn=monitor.stack_urn, outputs=exports))
    monitor.RegisterResourceOutputs(
        resource_pb2.RegisterResourceOutputsRequest(urn=monitor.stack_urn, outputs=struct_pb2.Struct())
    )
    assert monitor.stack_outputs == {"zmage-url": "https://zmage.example.com"}
