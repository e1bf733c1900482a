"""Major version upgrades of PostgreSQL and Redis are stated in the spec, done the platform's supported way,
and reported by `appstack plan diff` as high risk with what will happen (an unstated one fails the gate)."""

from __future__ import annotations

import copy
import json
from functools import cache

import pytest

from appstack.errors import ConfigError
from appstack.plan import plan_document
from appstack.plandiff import EXIT_STATEFUL, diff_plans, main_diff, render_markdown, render_text
from appstack.spec import PostgresSpec, RedisSpec
from appstack.stackconfig import load_stack
from tests.aws.data.conftest import compute_module
from tests.conftest import synth_config

PG16 = {"version": "16", "upgrade_from": "15"}
OPERATOR = {"kubernetes": {"postgres": {"mode": "operator"}}}


@cache
def _plan(platform: str, database: str, extra: str = "{}") -> dict:
    apps = {"claude-relay": {"database": json.loads(database)}}
    with compute_module(None):  # the data stores are what matters here; the compute layer registers nothing
        synthesis = synth_config(platform=platform, apps=apps, extra=json.loads(extra))
    return json.loads(json.dumps(plan_document(synthesis, synthesis.model)))


def _aws(database: dict) -> dict:
    return _plan("aws", json.dumps(database))


def _one(plan: dict, type_token: str) -> dict:
    found = [r for r in plan["resources"] if r["type"] == type_token]
    assert len(found) == 1, (type_token, len(found))
    return found[0]


@pytest.mark.parametrize(("spec", "fields", "message"), [
    (PostgresSpec, {"engine": "postgres", "database": "x", "version": "16", "upgrade_from": "16"}, "older major"),
    (PostgresSpec, {"engine": "postgres", "database": "x", "version": "15", "upgrade_from": "16"}, "downgraded"),
    (PostgresSpec, {"engine": "postgres", "database": "x", "version": "16", "upgrade_from": "9"}, "pattern"),
    (RedisSpec, {"engine": "redis", "version": "6.2", "upgrade_from": "7"}, "older major"),
])
def test_an_upgrade_must_go_up(spec, fields, message):
    with pytest.raises(ValueError, match=message):
        spec.model_validate(fields)


def test_rds_takes_a_snapshot_then_allows_the_major_upgrade():
    plain, upgraded = _one(_aws({}), "aws:rds/instance:Instance"), _aws(PG16)
    instance = _one(upgraded, "aws:rds/instance:Instance")
    assert (plain["inputs"]["engineVersion"], plain["inputs"]["allowMajorVersionUpgrade"]) == ("15", False)
    assert (instance["inputs"]["engineVersion"], instance["inputs"]["allowMajorVersionUpgrade"]) == ("16", True)
    assert instance["inputs"]["applyImmediately"] is True
    snapshot = _one(upgraded, "aws:rds/snapshot:Snapshot")
    assert snapshot["inputs"] == {"dbInstanceIdentifier": "test-claude-relay",
                                  "dbSnapshotIdentifier": "test-claude-relay-pre-15-to-16",
                                  "tags": {"appstack:app": "claude-relay", "appstack:stack": "test",
                                           "managed-by": "appstack"}}
    assert snapshot["options"]["retain_on_delete"] is True
    assert snapshot["urn"] in instance["dependencies"]
    assert upgraded["upgrades"] == [{"app": "claude-relay", "store": "database", "engine": "postgres",
                                     "from": "15", "to": "16"}]
    param_group = _one(upgraded, "aws:rds/parameterGroup:ParameterGroup")
    assert param_group["inputs"]["family"] == "postgres16"


def test_plan_diff_reports_a_stated_rds_upgrade_as_high_risk_with_what_happens():
    diff = diff_plans(_aws({}), _aws(PG16))
    [upgrade] = diff.major_upgrades
    assert (upgrade.app, upgrade.store, upgrade.old, upgrade.new, upgrade.stated) == (
        "claude-relay", "database", "15", "16", True)
    assert upgrade.what.startswith("RDS takes the manual snapshot `test-claude-relay-pre-15-to-16` first")
    assert diff.unstated_upgrades == []
    assert "1 major version upgrade(s) of a data store (high risk)" in render_markdown(diff)
    assert "HIGH RISK" in render_text(diff)
    assert json.loads(json.dumps(diff.to_dict()))["major_upgrades"][0]["stated"] is True


def test_an_unstated_major_change_is_refused_by_the_gate(tmp_path, capsys):
    head = copy.deepcopy(_aws(PG16))
    head["upgrades"] = []  # the same change without upgrade_from
    diff = diff_plans(_aws({}), head)
    [upgrade] = diff.unstated_upgrades
    assert upgrade.what.startswith("RDS refuses a new major version unless the change allows it")
    assert 'apps.claude-relay.database.upgrade_from: "15"' in upgrade.what
    base_file, head_file = tmp_path / "base.json", tmp_path / "head.json"
    base_file.write_text(json.dumps(_aws({})))
    head_file.write_text(json.dumps(head))
    assert main_diff([str(base_file), str(head_file), "--fail-on-stateful-replacement"]) == EXIT_STATEFUL
    assert "major version upgrade not stated in the spec: claude-relay database: postgres 15 -> 16" in \
        capsys.readouterr().err
    head_file.write_text(json.dumps(_aws(PG16)))  # stated: the report is written, the gate passes
    assert main_diff([str(base_file), str(head_file), "--fail-on-stateful-replacement"]) == 0


def test_cloudnativepg_backs_up_then_upgrades_in_place():
    extra = json.dumps(OPERATOR)
    base, head = _plan("kubernetes", "{}", extra), _plan("kubernetes", json.dumps(PG16), extra)
    backup = _one(head, "kubernetes:postgresql.cnpg.io/v1:Backup")
    assert backup["inputs"]["metadata"]["name"] == "postgres-pre-15-to-16"
    assert backup["inputs"]["metadata"]["annotations"] == {
        "pulumi.com/waitFor": "jsonpath={.status.phase}=completed", "pulumi.com/timeoutSeconds": "3600"}
    assert backup["inputs"]["spec"] == {"cluster": {"name": "postgres"}, "method": "volumeSnapshot"}
    assert backup["options"]["retain_on_delete"] is True
    cluster = _one(head, "kubernetes:postgresql.cnpg.io/v1:Cluster")
    assert backup["urn"] in cluster["dependencies"]
    assert cluster["inputs"]["spec"]["imageName"] == "ghcr.io/cloudnative-pg/postgresql:16.10"
    [upgrade] = diff_plans(base, head).major_upgrades
    assert upgrade.stated and upgrade.what.startswith("CloudNativePG backs the cluster up first (Backup "
                                                      "`postgres-pre-15-to-16`)")


def test_the_in_cluster_statefulset_refuses_a_stated_upgrade_with_what_to_do():
    config = {"appstack:platform": "kubernetes", "appstack:tier": "dev", "appstack:domain": "example.com",
              "appstack:apps": json.dumps({"claude-relay": {"database": PG16}})}
    with pytest.raises(ConfigError) as error:
        load_stack("test", config.get, all_keys=sorted(config))
    [problem] = error.value.problems
    assert problem.path == "apps.claude-relay.database.upgrade_from"
    assert problem.message.startswith("the in-cluster PostgreSQL StatefulSet cannot upgrade 15 -> 16 in place")
    assert "appstack:kubernetes.postgres.apps.claude-relay: operator" in problem.message


def _retag(plan: dict, repo: str, tag: str) -> dict:
    out = copy.deepcopy(plan)
    for res in out["resources"]:
        if res["type"] == "kubernetes:apps/v1:StatefulSet":
            for container in res["inputs"]["spec"]["template"]["spec"]["containers"]:
                if container["image"].startswith(f"{repo}:"):
                    container["image"] = f"{repo}:{tag}"
    return out


@pytest.mark.parametrize(("repo", "old", "new", "store", "starts"), [
    ("postgres", "15.14-bookworm", "16.10-bookworm", "database", "a PostgreSQL 16 server does not start on a 15"),
    ("redis", "6.2.17-bookworm", "7.4.5-bookworm", "cache", "State the upgrade with apps.claude-relay.cache"),
    ("postgres", "16.10-bookworm", "15.14-bookworm", "database", "a major version cannot be downgraded"),
])
def test_in_cluster_image_majors_are_recognised(repo, old, new, store, starts):
    plan = _plan("kubernetes", "{}")
    [upgrade] = diff_plans(_retag(plan, repo, old), _retag(plan, repo, new)).major_upgrades
    assert (upgrade.store, upgrade.engine, upgrade.stated) == (store, repo, False)
    assert upgrade.what.startswith(starts)


def test_a_minor_version_change_is_not_a_major_upgrade():
    plan = _plan("kubernetes", "{}")
    diff = diff_plans(_retag(plan, "postgres", "15.13-bookworm"), _retag(plan, "postgres", "15.14-bookworm"))
    assert diff.major_upgrades == []
