"""A renamed service, worker, job or bucket (`renamed_from`) keeps its resources: nothing is replaced."""

from __future__ import annotations

import copy
import json

import pytest

from appstack.errors import ConfigError
from appstack.plan import plan_document
from appstack.plandiff import diff_plans
from appstack.spec.renames import deployed_document
from appstack.stackconfig import load_blueprint, load_stack
from tests.conftest import synth_config


def _renamed_elizabeth() -> dict:
    """Overrides renaming Elizabeth's backend to api and its files bucket to uploads, references included."""
    blueprint = load_blueprint("elizabeth")
    backend = copy.deepcopy(blueprint["services"]["backend"])
    backend["env"].update(S3_BUCKET="${storage.uploads.bucket}", AWS_REGION="${storage.uploads.region}")
    return {
        "services": {"backend": None, "api": {**backend, "renamed_from": "backend"},
                     "frontend": {"env": {"INTERNAL_API_URL": "http://${services.api.address}/api/v1"}}},
        "storage": {"files": None, "uploads": {**blueprint["storage"]["files"], "renamed_from": "files"}},
        "database": {"service": "api"},
    }


def _plan(apps: dict) -> dict:
    synthesis = synth_config(platform="kubernetes", apps=apps)
    return json.loads(json.dumps(plan_document(synthesis, synthesis.model)))


def test_a_renamed_service_and_bucket_plan_exactly_as_before():
    diff = diff_plans(_plan({"elizabeth": {}}), _plan({"elizabeth": _renamed_elizabeth()}))
    assert diff.counts == {"create": 0, "update": 0, "replace": 0, "delete": 0, "unchanged": diff.unchanged}
    assert diff.unchanged > 20 and not diff.has_changes


@pytest.mark.parametrize("platform", ["aws", "kubernetes"])
def test_the_renamed_spec_deploys_as_the_original_on_both_platforms(platform):
    def app(overrides: dict):
        config = {"appstack:platform": platform, "appstack:tier": "prod", "appstack:domain": "example.com",
                  "appstack:apps": json.dumps({"elizabeth": overrides})}
        if platform == "kubernetes":  # elizabeth's bucket needs the stack to say how pods authenticate
            config["appstack:kubernetes"] = json.dumps({"object_storage": {"credentials": "static"}})
        return load_stack("test", config.get, all_keys=sorted(config)).apps["elizabeth"]

    assert app(_renamed_elizabeth()).model_dump() == app({}).model_dump()


def test_the_deployed_document_uses_the_old_names_everywhere():
    document = {
        "services": {"api": {"image": "a", "renamed_from": "backend",
                             "env": {"SELF": "${services.api.url}", "LITERAL": "$${services.api.url}"}},
                     "web": {"image": "w", "env": {"API": "http://${services.api.address}/v1"}}},
        "jobs": {"migrate-db": {"image": "a", "renamed_from": "migrate"}},
        "schedules": {"nightly-report": {"image": "a", "renamed_from": "report"}},
        "storage": {"uploads": {"purpose": "p", "renamed_from": "files"}},
        "env": {"BUCKET": "${storage.uploads.bucket}", "OTHER": "${storage.other.bucket}"},
        "database": {"engine": "sqlite", "service": "api", "path": "/data/x.db"},
    }
    deployed = deployed_document(document)
    assert deployed == {
        "services": {"backend": {"image": "a", "env": {"SELF": "${services.backend.url}",
                                                       "LITERAL": "$${services.api.url}"}},
                     "web": {"image": "w", "env": {"API": "http://${services.backend.address}/v1"}}},
        "jobs": {"migrate": {"image": "a"}},
        "schedules": {"report": {"image": "a"}},
        "storage": {"files": {"purpose": "p"}},
        "env": {"BUCKET": "${storage.files.bucket}", "OTHER": "${storage.other.bucket}"},
        "database": {"engine": "sqlite", "service": "backend", "path": "/data/x.db"},
    }
    assert deployed_document({"services": {"web": {"image": "w"}}}) is None


@pytest.mark.parametrize(("overrides", "path", "message"), [
    ({"services": {"frontend": {"renamed_from": "frontend"}}}, "services.frontend.renamed_from",
     "'frontend' is its current name"),
    ({"services": {"frontend": {"renamed_from": "backend"}}}, "services.frontend.renamed_from",
     "'backend' is still in use"),
    ({"storage": {"more": {"purpose": "x", "renamed_from": "files"}}}, "storage.more.renamed_from",
     "'files' is still in use"),
])
def test_a_rename_must_free_its_old_name(overrides, path, message):
    config = {"appstack:platform": "kubernetes", "appstack:tier": "dev", "appstack:domain": "example.com",
              "appstack:apps": json.dumps({"elizabeth": overrides}),
              "appstack:kubernetes": json.dumps({"object_storage": {"credentials": "static"}})}
    with pytest.raises(ConfigError) as error:
        load_stack("test", config.get, all_keys=sorted(config))
    assert [(p.path, p.message.split(";")[0]) for p in error.value.problems] == [
        (f"apps.elizabeth.{path}", message)]


def test_two_entities_cannot_claim_one_old_name():
    overrides = {"services": {"backend": None, "api": {"image": "backend", "port": 1, "renamed_from": "backend"},
                              "frontend": {"renamed_from": "backend"}}}
    config = {"appstack:platform": "kubernetes", "appstack:tier": "dev", "appstack:domain": "example.com",
              "appstack:apps": json.dumps({"elizabeth": overrides}),
              "appstack:kubernetes": json.dumps({"object_storage": {"credentials": "static"}})}
    with pytest.raises(ConfigError) as error:
        load_stack("test", config.get, all_keys=sorted(config))
    messages = [(p.path, p.message) for p in error.value.problems if p.path.endswith("renamed_from")]
    # frontend comes first (blueprint order), so api's claim is the second one
    assert messages == [("apps.elizabeth.services.api.renamed_from", "'frontend' was already renamed from 'backend'")]
