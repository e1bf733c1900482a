"""Names: deterministic shortening, and config errors for names two entities share or no name can fix."""

from __future__ import annotations

import json

import pytest
import yaml

from appstack.errors import ConfigError
from appstack.naming import autonamed, disambiguate, dns_label, shorten
from appstack.naming.aws import kms_alias, physical_name
from appstack.naming.kubernetes import bucket_name, label_value, namespace_name
from appstack.stackconfig import load_stack


def test_a_name_that_fits_is_kept_and_a_longer_one_is_shortened_stably():
    assert shorten("zmage-redis", 32) == "zmage-redis"
    long_a, long_b = "a" * 30 + "-first", "a" * 30 + "-second"
    assert len(shorten(long_a, 32)) == 32
    assert shorten(long_a, 32) == shorten(long_a, 32) != shorten(long_b, 32)
    assert shorten(long_a, 32).startswith("a" * 23 + "-")
    assert autonamed("small-squaretable-redis", 40) == "small-squaretable-redis"  # released names stay
    assert len(autonamed("x" * 40 + "-redis", 40)) == 32  # room for '-' and 7 random characters


@pytest.mark.parametrize(("given", "expected"), [
    (("prod", "zmage"), "prod-zmage"),
    (("qa_1.eu", "a"), "qa-1-eu-a"),
    (("9", "app"), "a-9-app"),
    (("s" * 70, "app"), None),
])
def test_physical_names_are_identifiers(given, expected):
    name = physical_name(*given)
    if expected:
        assert name == expected
    assert len(name) <= 63 and name[0].isalpha() and "--" not in name and not name.endswith("-")


def test_kubernetes_and_shared_names_fit_their_limits():
    assert namespace_name("dev-", "zmage") == "dev-zmage"
    assert len(namespace_name("p" * 30 + "-", "x" * 40)) == 63
    long_label = label_value("_" + "s" * 80 + ".")
    assert label_value("prod") == "prod" and len(long_label) <= 63 and long_label[0].isalnum()
    assert len(bucket_name("acme-", "p" * 60, "b" * 40)) == 63
    assert dns_label("Prod.EU_1") == "prod-eu-1" and len(dns_label("s" * 100)) == 63
    assert kms_alias("qa_1.eu", "app") == "alias/appstack/qa_1-eu/app" and kms_alias("prod", "z") == "alias/appstack/prod/z"


def test_colliding_names_are_told_apart_and_unique_ones_kept():
    names = disambiguate({"/a-b": "w-a-b", "/a/b": "w-a-b", "/tmp": "w-tmp"}, 63, taken={"w-data"})
    assert names["/tmp"] == "w-tmp"
    assert names["/a-b"] != names["/a/b"] and {len(names["/a-b"]), len(names["/a/b"])} == {14}
    assert disambiguate({"/data": "w-data"}, 63, taken={"w-data"})["/data"] != "w-data"


IMAGE = {"main": {"repository": "ghcr.io/acme/app", "tag": "1.0.0"}}
WEB = {"image": "main", "port": 8080, "routes": [{"path": "/"}], "health": {"readiness": {"http": "/health"}}}


def app(name: str, **parts) -> dict:
    return {"name": name, "images": IMAGE, "services": {"web": WEB}, **parts}


def problems(tmp_path, platform: str, *apps: dict, **settings) -> list[str]:
    for spec in apps:
        (tmp_path / f"{spec['name']}.yaml").write_text(yaml.safe_dump(spec))
    config = {"appstack:platform": platform, "appstack:tier": "dev", "appstack:domain": "example.com",
              "appstack:apps": json.dumps({spec["name"]: {} for spec in apps})}
    config.update({f"appstack:{k}": json.dumps(v) for k, v in settings.items()})
    try:
        load_stack("dev", config.get, all_keys=sorted(config), blueprints_dir=tmp_path)
    except ConfigError as error:
        return [str(p) for p in error.problems]
    return []


POSTGRES = {"engine": "postgres", "version": "16", "database": "app"}
CASES = [
    ("kubernetes", [app("zz", services={"a-web": WEB}), app("zz-a")], {},
     "apps.zz-a: app 'zz-a' and services.a-web of app 'zz' name resources alike"),
    ("aws", [app("zz", jobs={"a": {"image": "main", "command": ["x"]}}), app("zz-job")], {},
     "apps.zz-job: app 'zz-job' and jobs.a of app 'zz' name resources alike ('zz-job-a...')"),
    ("aws", [app("shop", workers={"web": {"image": "main"}})], {},
     "apps.shop.workers.web: a service is named 'web' too"),
    ("kubernetes", [app("shop", jobs={"web": {"image": "main", "command": ["x"]}})], {},
     "apps.shop.jobs.web: a service or worker is named 'web' too"),
    ("aws", [app("shop", workers={"job-migrate": {"image": "main"}}, jobs={"migrate": {"image": "main", "command": ["x"]}})],
     {}, "apps.shop.workers.job-migrate: 'job-migrate' names the resources of job 'migrate'"),
    ("kubernetes", [app("shop", services={"web": WEB, "postgres": {"image": "main", "port": 5432}}, database=POSTGRES)],
     {}, "apps.shop.services.postgres: 'postgres' names objects of the in-cluster PostgreSQL"),
    ("kubernetes", [app("shop", services={"web": WEB, "dns": {"image": "main", "port": 53}})], {},
     "apps.shop.services.dns: 'allow-dns' is a network policy every app namespace has"),
    ("kubernetes", [app("kube-system")], {}, "apps.kube-system.name: runs in namespace 'kube-system'"),
    ("kubernetes", [app("nginx")], {"kubernetes": {"namespace_prefix": "ingress-"}},
     "apps.nginx.name: runs in namespace 'ingress-nginx'"),
    ("aws", [app("sg-shop")], {}, "apps.sg-shop.name: security group names are built from the app name"),
    ("aws", [app("shop", domain="a" * 60 + ".example.com")], {}, "apps.shop.domain: has 72 characters"),
    ("aws", [app("shop", secrets={"ENV_DATABASE_URL": {"source": "generated"}}, database=POSTGRES,
                 env={"DATABASE_URL": "${database.url}"})], {},
     "apps.shop.env.DATABASE_URL: its Secrets Manager secret is named like that of secrets.ENV_DATABASE_URL"),
    ("aws", [app("a--b")], {}, "apps.a--b.name: must be a lowercase name of letters, digits and single '-'"),
]


@pytest.mark.parametrize(("platform", "apps", "settings", "expected"), CASES, ids=[c[3].split(":")[0] for c in CASES])
def test_names_that_would_collide_or_cannot_be_valid_are_config_errors(tmp_path, platform, apps, settings, expected):
    found = problems(tmp_path, platform, *apps, **settings)
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize("platform", ["aws", "kubernetes"])
def test_similar_but_distinct_names_are_accepted(tmp_path, platform):
    shop = app("shop", services={"web": WEB, "postgres-exporter": {"image": "main", "port": 9187}},
               workers={"worker": {"image": "main"}}, jobs={"migrate": {"image": "main", "command": ["x"]}},
               database=POSTGRES, secrets={"API_KEY": {"source": "generated"}})
    assert problems(tmp_path, platform, shop, app("shop-admin"), app("kube-systems")) == []
