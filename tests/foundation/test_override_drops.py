"""A stack override that replaces a blueprint sub-spec names every field it drops, and the plan shows it."""

from __future__ import annotations

import json

import pytest

from appstack.plan import plan_document, plan_table
from appstack.plandiff import diff_plans
from appstack.stackconfig import load_blueprint, override_warnings, replaced_subspecs
from tests.conftest import synth_config, synth_stack

SQLITE = {"engine": "sqlite", "service": "backend", "path": "/app/data/x.db",
          "backup": {"schedule": "0 2 * * *", "retention_days": 7}}
PG = {"engine": "postgres", "version": "16", "database": "x"}


@pytest.mark.parametrize(("base", "override", "expected"), [
    # engine switch: the old mapping goes whole, its engine key aside
    ({"database": SQLITE}, {"database": PG}, [(("database",), "sqlite", "postgres", ("backup", "path", "service"))]),
    # restated fields are kept, not reported
    ({"database": SQLITE}, {"database": {**PG, "backup": SQLITE["backup"]}},
     [(("database",), "sqlite", "postgres", ("path", "service"))]),
    # same engine (or none named) merges key by key: nothing dropped
    ({"database": SQLITE}, {"database": {"path": "/app/data/y.db"}}, []),
    ({"cache": {"engine": "redis", "version": "7.1"}}, {"cache": {"engine": "redis", "version": "7.2"}}, []),
    # an explicit null is a deliberate removal
    ({"database": SQLITE}, {"database": None}, []),
    # a mapping replaced by a scalar or a list drops all of it
    ({"edge": {"max_body_size_mb": 10, "request_timeout_seconds": 60}}, {"edge": "none"},
     [(("edge",), None, None, ("max_body_size_mb", "request_timeout_seconds"))]),
    # nested: an engine switch below merged mappings is found with its full path
    ({"services": {"web": {"store": {"engine": "a", "x": 1}}}}, {"services": {"web": {"store": {"engine": "b"}}}},
     [(("services", "web", "store"), "a", "b", ("x",))]),
    # lists and scalars replace by design; an empty override mapping changes nothing
    ({"routes": [{"path": "/"}], "replicas": 2}, {"routes": [{"path": "/api"}], "replicas": 3}, []),
    ({"database": {}}, {"database": PG}, []),
])
def test_replaced_subspecs_names_exactly_the_dropped_fields(base, override, expected):
    found = [(d.path, d.old_engine, d.new_engine, d.dropped) for d in replaced_subspecs(base, override)]
    assert found == expected


def test_fields_the_new_engine_also_has_are_called_out():
    blueprint = load_blueprint("elizabeth")
    override = {"database": {"engine": "postgres", "version": "16", "database": "elizabeth"}}
    assert override_warnings("elizabeth", blueprint, override) == [
        "apps.elizabeth.database: the stack override switches engine sqlite -> postgres and drops the "
        "blueprint's backup (postgres has it too: it falls back to its default unless the override restates "
        "it); path, service (no postgres field)"]


def test_switching_redis_to_an_external_cache_drops_every_redis_field():
    warnings = override_warnings("x", {"cache": {"engine": "redis", "version": "7.1", "persistence": "rdb"}},
                                 {"cache": {"engine": "external", "url_secret": "REDIS_URL"}})
    assert warnings == ["apps.x.cache: the stack override switches engine redis -> external and drops the "
                        "blueprint's persistence, version (no external field)"]


def test_shipped_prod_keeps_elizabeths_backup_schedule_and_says_what_the_override_drops():
    prod = synth_stack("prod")
    drops = [w for w in prod.warnings if w.startswith("apps.")]
    assert drops == ["apps.elizabeth.database: the stack override switches engine sqlite -> postgres and drops "
                     "the blueprint's path, service (no postgres field)"]
    db = next(r for r in prod.by_type("aws:rds/instance:Instance") if r.name.startswith("elizabeth"))
    assert db.inputs["backupWindow"] == "02:00-02:30"  # the blueprint's 0 2 * * *, not the 03:00 default
    assert prod.model is not None and drops[0] in plan_document(prod, prod.model)["warnings"]
    assert drops[0] in plan_table(prod, prod.model)
    for stack in ("dev", "prod-k8s"):
        assert not [w for w in synth_stack(stack).warnings if w.startswith("apps.")]


def test_a_new_drop_warning_reaches_the_plan_diff():
    overrides = {"elizabeth": {"database": {"engine": "postgres", "version": "16", "database": "elizabeth"},
                               "services": {"backend": {"volumes": None}}}}
    head = synth_config(platform="kubernetes", apps=overrides)
    base = synth_config(platform="kubernetes", apps={"elizabeth": {}})
    diff = diff_plans(json.loads(json.dumps(plan_document(base, base.model))),
                      json.loads(json.dumps(plan_document(head, head.model))))
    assert [w for w in diff.warnings if "drops" in w] == [
        "new plan warning: apps.elizabeth.database: the stack override switches engine sqlite -> postgres and "
        "drops the blueprint's backup (postgres has it too: it falls back to its default unless the override "
        "restates it); path, service (no postgres field)"]
