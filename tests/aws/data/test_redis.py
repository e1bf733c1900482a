"""ElastiCache Redis: eviction policy from the spec, encryption, AUTH, rediss:// URLs, prod failover."""

from __future__ import annotations

import pulumi
import pytest
from appstack.components.aws.redis import node_type

from appstack.spec import RedisSpec
from tests.conftest import synth_config

from .conftest import compute_module
from .helpers import REDIS, REDIS_PARAMS, SECRET_VERSION, of, one, plain

POLICIES = {"claude-relay": "allkeys-lru", "sparkle": "allkeys-lru", "small-squaretable": "volatile-lru",
            "zmage": "noeviction"}


def test_parameter_groups_carry_the_guides_eviction_policy_and_directives(prod):
    # Sparkle's guide also sets timeout and tcp-keepalive (ElastiCache parameters of the same names).
    directives = {"sparkle": [{"name": "tcp-keepalive", "value": "300"}, {"name": "timeout", "value": "300"}]}
    assert {app: one(prod, REDIS_PARAMS, app).inputs["parameters"] for app in POLICIES} == {
        app: [{"name": "maxmemory-policy", "value": policy}, *directives.get(app, [])]
        for app, policy in POLICIES.items()
    }
    assert {g.inputs["family"] for g in prod.by_type(REDIS_PARAMS)} == {"redis7"}
    assert of(prod, REDIS, "elizabeth") == []


def test_prod_has_a_replica_with_failover_multi_az_and_snapshots(prod):
    for app in POLICIES:
        group = one(prod, REDIS, app)
        i = group.inputs
        assert i["engine"] == "redis" and i["engineVersion"] == "7.1"
        assert i["numCacheClusters"] == 2 and i["automaticFailoverEnabled"] is True and i["multiAzEnabled"] is True
        assert i["snapshotRetentionLimit"] == 14 and i["applyImmediately"] is False
        assert i["finalSnapshotIdentifier"] == f"prod-{app}-redis-final"
        assert repr(i["authToken"]) == "[secret]" and len(plain(i["authToken"])) == 64
        assert i["logDeliveryConfigurations"][0]["logType"] == "slow-log"
        assert group.options["protect"] is True


def test_dev_is_one_small_node_without_snapshots(dev):
    group = one(dev, REDIS, "zmage")
    i = group.inputs
    assert (i["numCacheClusters"], i["automaticFailoverEnabled"], i["multiAzEnabled"]) == (1, False, False)
    assert i["snapshotRetentionLimit"] == 0 and i["nodeType"] == "cache.t4g.small"
    assert i["transitEncryptionEnabled"] is True and i["atRestEncryptionEnabled"] is True
    assert group.options["protect"] is False


def test_redis_url_uses_tls_and_the_auth_token(prod):
    token = plain(one(prod, REDIS, "sparkle").inputs["authToken"])
    url = next(v for v in of(prod, SECRET_VERSION, "sparkle") if v.name == "sparkle-env-redis-url")
    assert repr(url.inputs["secretString"]) == "[secret]"
    value = plain(url.inputs["secretString"])
    assert value.startswith(f"rediss://:{token}@master.sparkle-redis.") and value.endswith(":6379")


@pytest.mark.parametrize("maxmemory, ha, expected", [
    (2048, True, "cache.t4g.medium"), (1024, True, "cache.t4g.small"), (512, True, "cache.t4g.small"),
    (16, True, "cache.t4g.micro"), (8192, True, "cache.r7g.large"), (8192, False, "cache.t4g.small"),
])
def test_node_type_holds_maxmemory_after_reserved_memory(maxmemory, ha, expected):
    assert node_type(RedisSpec(engine="redis", maxmemory_mb=maxmemory), ha) == expected


def test_token_updates_rotate_by_default_so_clients_survive_the_roll(prod, dev):
    for synthesis in (prod, dev):
        assert {g.inputs["authTokenUpdateStrategy"] for g in synthesis.by_type(REDIS)} == {"ROTATE"}


def test_the_rotations_second_step_sets_the_token_and_revokes_the_old_one():
    with compute_module(None):
        synthesis = synth_config(platform="aws", tier="prod", apps={"zmage": {}},
                                 extra={"aws": {"redis_auth_token_update": "SET"}})
    (group,) = synthesis.by_type(REDIS)
    assert group.inputs["authTokenUpdateStrategy"] == "SET"
    assert group.inputs["transitEncryptionEnabled"] is True and group.inputs["transitEncryptionMode"] == "required"


def test_only_rotate_and_set_are_accepted():
    with pytest.raises(pulumi.RunError) as error, compute_module(None):
        synth_config(platform="aws", tier="prod", apps={"zmage": {}}, extra={"aws": {"redis_auth_token_update": "DELETE"}})
    assert "aws.redis_auth_token_update" in str(error.value) and "'ROTATE' or 'SET'" in str(error.value)


def test_every_directive_elasticache_modifies_is_a_parameter_and_maxclients_is_refused():
    directives = {"timeout": 0, "tcp-keepalive": 60, "maxmemory-samples": 10, "slowlog-log-slower-than": 5000,
                  "slowlog-max-len": 256}
    with compute_module(None):
        synthesis = synth_config(platform="aws", apps={"zmage": {"cache": {"directives": directives}}})
    assert one(synthesis, REDIS_PARAMS, "zmage").inputs["parameters"][1:] == [
        {"name": name, "value": str(directives[name])} for name in sorted(directives)]
    with pytest.raises(pulumi.RunError) as error, compute_module(None):
        synth_config(platform="aws", apps={"zmage": {"cache": {"directives": {"maxclients": 500}}}})
    assert ("apps.zmage.cache.directives.maxclients: ElastiCache fixes maxclients at 65000 (the parameter is not "
            "modifiable); remove it from AWS stacks (a stack override `cache: {directives: {maxclients: null}}` does)"
            ) in str(error.value)
