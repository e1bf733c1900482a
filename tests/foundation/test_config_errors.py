"""Bad stack config fails before any resource is registered, naming every bad field by its path."""

from __future__ import annotations

import pytest

from appstack.errors import ConfigError
from appstack.program import read_provided_secrets

from .helpers import load, paths, problems

# (case id, apps overrides, stack settings, expected path, expected message fragment)
CASES = [
    (
        "wrong type",
        {"zmage": {"services": {"web": {"port": "abc"}}}},
        {},
        "apps.zmage.services.web.port",
        "valid integer",
    ),
    (
        "unknown key",
        {"zmage": {"services": {"web": {"prot": 8080}}}},
        {},
        "apps.zmage.services.web.prot",
        "unknown key 'prot'; allowed keys: app_env, args, autoscale",
    ),
    (
        "port out of range",
        {"zmage": {"services": {"web": {"port": 70000}}}},
        {},
        "apps.zmage.services.web.port",
        "less than or equal to 65535 (got 70000)",
    ),
    (
        "duplicate route",
        {"sparkle": {"services": {"backend": {"routes": [{"path": "/docs"}, {"path": "/api/v1"}]}}}},
        {},
        "apps.sparkle.services.backend.routes[1].path",
        "route /api/v1 on sparkle.example.com is already served by 'gateway'",
    ),
    (
        "worker with a port",
        {"zmage": {"workers": {"worker": {"port": 8080}}}},
        {},
        "apps.zmage.workers.worker.port",
        "not allowed here: workers take no port",
    ),
    (
        "unknown binding",
        {"zmage": {"env": {"DB_HOST": "${postgres.hostname}"}}},
        {},
        "apps.zmage.env.DB_HOST",
        "unknown reference ${postgres.hostname}: unknown attribute; available under 'postgres'",
    ),
    (
        "binding to a missing store",
        {"elizabeth": {"services": {"backend": {"env": {"R": "${redis.url}"}}}}},
        {},
        "apps.elizabeth.services.backend.env.R",
        "the app declares no redis cache",
    ),
    ("unknown app", {"nope": {}}, {}, "apps.nope", "unknown app; blueprints in apps/: claude-relay, elizabeth"),
    (
        "sqlite with two replicas",
        {"elizabeth": {"services": {"backend": {"replicas": 2}}}},
        {},
        "apps.elizabeth.services.backend.replicas",
        "a SQLite service runs exactly 1 replica",
    ),
    (
        "sqlite with autoscaling",
        {"elizabeth": {"services": {"backend": {"replicas": None, "autoscale": {"min": 1, "max": 3}}}}},
        {},
        "apps.elizabeth.services.backend.autoscale",
        "runs exactly 1 replica; remove autoscale",
    ),
    (
        "generated secret below minimum",
        {"zmage": {"secrets": {"NEXTAUTH_SECRET": {"length": 16}}}},
        {},
        "apps.zmage.secrets.NEXTAUTH_SECRET",
        "length (16) is shorter than min_length (32)",
    ),
    ("unknown platform", {"zmage": {}}, {"platform": "gcp"}, "appstack:platform", "input should be 'aws' or 'kubernetes'"),
    (
        "root user",
        {"zmage": {"services": {"web": {"run_as_user": 0}}}},
        {},
        "apps.zmage.services.web.run_as_user",
        "must not be 0: containers never run as root",
    ),
    (
        "autoscale min above max",
        {"small-squaretable": {"services": {"app": {"autoscale": {"min": 5, "max": 3}}}}},
        {},
        "apps.small-squaretable.services.app.autoscale",
        "min (5) must not exceed max (3)",
    ),
    (
        "replicas and autoscale",
        {"small-squaretable": {"services": {"app": {"replicas": 4}}}},
        {},
        "apps.small-squaretable.services.app",
        "set either replicas or autoscale",
    ),
    (
        "memory limit below request",
        {"zmage": {"services": {"web": {"resources": {"limits": {"memory": "256Mi"}}}}}},
        {},
        "apps.zmage.services.web.resources",
        "limits.memory (256Mi) must be at least requests.memory (512Mi)",
    ),
    (
        "bad cpu quantity",
        {"zmage": {"services": {"web": {"resources": {"requests": {"cpu": "lots"}}}}}},
        {},
        "apps.zmage.services.web.resources.requests.cpu",
        "must be a CPU quantity",
    ),
    (
        "latest tag",
        {"zmage": {"images": {"web": {"tag": "latest"}}}},
        {},
        "apps.zmage.images.web",
        "tag 'latest' is not a pin",
    ),
    (
        "unknown image",
        {"zmage": {"workers": {"worker": {"image": "media"}}}},
        {},
        "apps.zmage.workers.worker.image",
        "unknown image 'media'; declared images: web, worker",
    ),
    (
        "probe with two checks",
        {"zmage": {"services": {"web": {"health": {"liveness": {"http": "/x", "tcp": True}}}}}},
        {},
        "apps.zmage.services.web.health.liveness",
        "set exactly one of http, grpc, tcp or command (got http, tcp)",
    ),
    (
        "routes on a grpc service",
        {"sparkle": {"services": {"grpc-server": {"routes": [{"path": "/grpc"}]}}}},
        {},
        "apps.sparkle.services.grpc-server",
        "routes need protocol http",
    ),
    (
        "unknown database engine",
        {"zmage": {"database": {"engine": "mysql"}}},
        {},
        "apps.zmage.database",
        "unknown engine 'mysql'; expected one of 'postgres', 'sqlite', 'external'",
    ),
    (
        "preload missing",
        {"claude-relay": {"database": {"parameters": {"shared_preload_libraries": None}}}},
        {},
        "apps.claude-relay.database",
        "extensions pg_stat_statements need parameters.shared_preload_libraries",
    ),
    (
        "tls without domain",
        {"zmage": {}},
        {"domain": None},
        "apps.zmage.domain",
        "public routes served over TLS need a domain",
    ),
    (
        "duplicate alert",
        {
            "sparkle": {
                "alerts": [{"name": "A", "expr": "up", "summary": "a"}, {"name": "A", "expr": "up", "summary": "b"}]
            }
        },
        {},
        "apps.sparkle.alerts[1].name",
        "duplicate alert name 'A'",
    ),
    (
        "bad domain",
        {"zmage": {}},
        {"domain": "Not A Domain"},
        "appstack:domain",
        "must be a lowercase DNS name such as app.example.com (got 'Not A Domain')",
    ),
    ("no apps", {}, {}, "appstack:apps", "at least 1 item"),
    (
        "trailing slash route",
        {"zmage": {"services": {"web": {"routes": [{"path": "/api/"}]}}}},
        {},
        "apps.zmage.services.web.routes[0]",
        "must not end with '/'",
    ),
    (
        "sqlite outside its volume",
        {"elizabeth": {"database": {"path": "/var/elizabeth.db"}}},
        {},
        "apps.elizabeth.database.path",
        "/var/elizabeth.db is not inside a volume of service 'backend' (volumes: /app/data)",
    ),
    (
        "external url secret undeclared",
        {"zmage": {"database": {"engine": "external", "url_secret": "DB_URL"}}},
        {},
        "apps.zmage.database.url_secret",
        "'DB_URL' must be a declared provided secret",
    ),
    (
        "cors binding outside app",
        {
            "zmage": {
                "storage": {"media": {"cors": [{"allowed_origins": ["${redis.url}"], "allowed_methods": ["GET"]}]}}
            }
        },
        {},
        "apps.zmage.storage.media.cors[0].allowed_origins[0]",
        "origins may only reference app.url or app.domain",
    ),
    ("wrong tier", {"zmage": {}}, {"tier": "staging"}, "appstack:tier", "input should be 'dev' or 'prod'"),
    (
        "app_env names an entry the app env lacks",
        {"zmage": {"jobs": {"db-migrate": {"app_env": ["DATABASE_URL", "DATABSE_URL"]}}}},
        {},
        "apps.zmage.jobs.db-migrate.app_env[1]",
        "'DATABSE_URL' is not in the app's env (defined: AWS_REGION, DATABASE_URL,",
    ),
    (
        "app_env empty list",
        {"zmage": {"workers": {"worker": {"app_env": []}}}},
        {},
        "apps.zmage.workers.worker.app_env",
        "an empty list takes nothing: write app_env: none",
    ),
    (
        "app_env repeats a name",
        {"zmage": {"services": {"web": {"app_env": ["REDIS_URL", "S3_BUCKET", "REDIS_URL"]}}}},
        {},
        "apps.zmage.services.web.app_env",
        "names REDIS_URL more than once",
    ),
    (
        "app_env unknown mode",
        {"zmage": {"services": {"web": {"app_env": "some"}}}},
        {},
        "apps.zmage.services.web.app_env",
        "must be all, none or a list of env names (got 'some')",
    ),
    (
        "app_env with a non-env name",
        {"zmage": {"services": {"web": {"app_env": ["REDIS_URL", "redis-url", 3]}}}},
        {},
        "apps.zmage.services.web.app_env",
        "not env names: 'redis-url', 3",
    ),
    (
        "bad namespace prefix",
        {"zmage": {}},
        {"kubernetes": {"namespace_prefix": "Dev_"}},
        "appstack:kubernetes.namespace_prefix",
        "does not match",
    ),
]


@pytest.mark.parametrize(("apps", "settings", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_names_its_path(apps, settings, path, fragment):
    found = problems(apps, **settings)
    matching = [p for p in found if p.path == path]
    assert matching, f"no problem at {path}; got {paths(found)}"
    assert any(fragment in p.message for p in matching), [p.message for p in matching]


def test_at_least_twenty_distinct_bad_inputs_are_covered():
    assert len({c[3] for c in CASES}) >= 20


def test_missing_tier_is_required():
    found = problems({"zmage": {}}, drop=("tier",))
    assert [(p.path, p.message) for p in found] == [("appstack:tier", "required; this field has no default")]


def test_unknown_setting_key_is_named():
    found = problems({"zmage": {}}, extra_keys={"appstack:plaform": "aws"})
    assert [p.path for p in found] == ["appstack:plaform"]
    assert "allowed: platform, tier, domain" in found[0].message


def test_every_problem_of_the_stack_is_reported_at_once():
    found = problems(
        {
            "nope": {},
            "zmage": {"services": {"web": {"port": 0}}},
            "elizabeth": {"services": {"backend": {"replicas": 3}}},
        },
        platform="gcp",
    )
    assert paths(found) == [
        "apps.elizabeth.services.backend.replicas",
        "apps.nope",
        "apps.zmage.services.web.port",
        "appstack:platform",
    ]


def test_message_is_one_readable_block():
    with pytest.raises(ConfigError) as caught:
        load({"zmage": {"services": {"web": {"port": 0}}}})
    text = str(caught.value)
    assert text.splitlines() == [
        "Invalid configuration for stack 'test' (1 problem):",
        "  - apps.zmage.services.web.port: input should be greater than or equal to 1 (got 0)",
    ]
    assert "Traceback" not in text


# zmage's object storage keys (ad-hoc stacks use credentials: static), so only the app's own secrets are at stake.
ZMAGE_STORAGE_KEYS = {"zmage:storageAccessKeyId": "AKIAZMAGE", "zmage:storageSecretAccessKey": "zmage-key"}


def test_missing_provided_secret_prints_the_commands():
    stack = load({"zmage": {}})
    with pytest.raises(ConfigError) as caught:
        read_provided_secrets(stack, {"zmage:GEMINI_API_KEY": "g-key", **ZMAGE_STORAGE_KEYS}.get)
    error = caught.value
    assert [(p.path, p.message) for p in error.problems] == [
        ("apps.zmage.secrets.SENTRY_DSN", "provided secret is not set (config key zmage:SENTRY_DSN)")
    ]
    assert "pulumi config set --secret --stack test zmage:SENTRY_DSN '<value>'" in error.render()


def test_provided_secret_shorter_than_its_minimum():
    stack = load({"zmage": {"secrets": {"GEMINI_API_KEY": {"min_length": 20}}}})
    with pytest.raises(ConfigError) as caught:
        read_provided_secrets(stack, {"zmage:GEMINI_API_KEY": "short", "zmage:SENTRY_DSN": "https://x@sentry.io/1",
                                      **ZMAGE_STORAGE_KEYS}.get)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("apps.zmage.secrets.GEMINI_API_KEY", "the provided value has 5 characters; at least 20 are required")
    ]


def test_unset_static_storage_keys_stop_pulumi_up_with_the_commands():
    stack = load({"zmage": {}, "claude-relay": {}}, kubernetes={"backups": {"target": "s3"},
                                                                "object_storage": {"credentials": "static"}})
    given = {"zmage:GEMINI_API_KEY": "g", "zmage:SENTRY_DSN": "https://x@sentry.io/1",
             "zmage:storageAccessKeyId": "AKIAZMAGE", "claude-relay:backupAccessKeyId": "AKIARELAY"}
    with pytest.raises(ConfigError) as caught:
        read_provided_secrets(stack, given.get)
    key = "appstack:kubernetes.object_storage.credentials"
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (key, "static: claude-relay's backup object storage keys are not set (claude-relay:backupSecretAccessKey)"),
        (key, "static: zmage's app object storage keys are not set (zmage:storageSecretAccessKey)"),
        (key, "static: zmage's backup object storage keys are not set "
              "(zmage:backupAccessKeyId, zmage:backupSecretAccessKey)"),
    ]
    text = caught.value.render()
    assert text.startswith("Missing secrets for stack 'test'")
    assert text.splitlines()[-5:] == [
        "Set the object storage keys with:",
        "  pulumi config set --secret --stack test claude-relay:backupSecretAccessKey '<value>'",
        "  pulumi config set --secret --stack test zmage:storageSecretAccessKey '<value>'",
        "  pulumi config set --secret --stack test zmage:backupAccessKeyId '<value>'",
        "  pulumi config set --secret --stack test zmage:backupSecretAccessKey '<value>'",
    ]
    # The offline plan lists them instead (placeholders mode), like unset provided secrets.
    offline = read_provided_secrets(stack, given.get, placeholders_for_missing=True)
    assert offline.missing_storage_keys == [("claude-relay", "backupSecretAccessKey"), ("zmage", "storageSecretAccessKey"),
                                            ("zmage", "backupAccessKeyId"), ("zmage", "backupSecretAccessKey")]


def test_static_keys_are_needed_only_where_pods_use_them():
    # No buckets and backups on volumes: no principal, no key. Workload identity: never a key.
    assert read_provided_secrets(load({"claude-relay": {}}), {}.get).missing_storage_keys == []
    identity = {"credentials": "workload-identity", "workload_identity": {
        "provider": "eks-irsa", "app_role": "arn:aws:iam::123456789012:role/{app}-storage",
        "backup_role": "arn:aws:iam::123456789012:role/{app}-backups"}}
    stack = load({"zmage": {}}, kubernetes={"object_storage": identity})
    assert read_provided_secrets(stack, {"zmage:GEMINI_API_KEY": "g", "zmage:SENTRY_DSN": "d"}.get).values


def test_optional_provided_secret_may_stay_unset():
    stack = load({"small-squaretable": {}})
    required = {
        f"small-squaretable:{n}": "v"
        for n, s in stack.apps["small-squaretable"].secrets.items()
        if s.source == "provided" and s.required
    }
    found = read_provided_secrets(stack, required.get)
    assert found.missing == []
    assert "OPENAI_API_KEY" not in found.values["small-squaretable"]


@pytest.mark.parametrize(("field", "engines"), [("database", "postgres, sqlite, external"), ("cache", "redis, external")])
def test_missing_engine_lists_the_engines(field, engines):
    found = problems({"zmage": {field: {"engine": None}}})
    assert [(p.path, p.message) for p in found] == [(f"apps.zmage.{field}", f"engine is required ({engines})")]


def test_long_values_and_keys_are_abbreviated():
    found = problems({"zmage": {"services": {"web": {"port": "9" * 500 + "x", "k" * 300: 1}}}})
    assert [(p.path, p.message) for p in found] == [
        ("apps.zmage.services.web." + "k" * 40 + "...(300 characters)",
         "unknown key '" + "k" * 40 + "...(300 characters)'; allowed keys: app_env, args, autoscale, "
         "capacity_providers, command, env, health, iam_statements, image, kubernetes, metrics, port, protocol, "
         "renamed_from, replicas, resources, routes, run_as_group, run_as_user, sidecars, singleton, "
         "stop_timeout_seconds, volumes, writable_paths"),
        ("apps.zmage.services.web.port",
         "input should be a valid integer, unable to parse string as an integer (got '" + "9" * 39 + "...(503 characters))"),
    ]


def test_settings_are_named_by_their_config_key():
    found = problems({"zmage": {}}, kubernetes={"ingress_namespace": "Ingress"})
    assert [p.path for p in found] == ["appstack:kubernetes.ingress_namespace"]
