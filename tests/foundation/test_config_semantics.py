"""Values that pass a type check but that a platform cannot run fail as config errors, with exact messages.

Each row: a stack edited one way, the path of the problem and its whole message. Defaults pass the same
validators as input, so an omitted value is never read differently from a written one.
"""

from __future__ import annotations

import pytest

from appstack.spec.data import quote_identifier

from .helpers import load, problems

AWS = {"platform": "aws", "tier": "prod"}
BIG_ENV = {"zmage": {"env": {"BLOB": "x" * 40_000}}}
EXTERNAL = {"engine": "external", "url_secret": "DB_URL"}

# (case, apps overrides, stack settings, path, message)
CASES = [
    # PostgreSQL and Redis versions that exist on the platform
    ("postgres major without image", {"zmage": {"database": {"version": "19"}}}, {},
     "apps.zmage.database.version", "PostgreSQL 19 is not available in-cluster (no pinned image; or set "
     "appstack:kubernetes.postgres.image); choose one of 13, 14, 15, 16, 17"),
    ("postgres major without operator image", {"zmage": {"database": {"version": "18"}}},
     {"kubernetes": {"postgres": {"mode": "operator"}}}, "apps.zmage.database.version",
     "PostgreSQL 18 is not available with CloudNativePG here (no pinned image); choose one of 13, 14, 15, 16, 17"),
    ("postgres major not on RDS", {"zmage": {"database": {"version": "18.1"}}}, AWS,
     "apps.zmage.database.version", "PostgreSQL 18 is not available on RDS; choose one of 13, 14, 15, 16, 17"),
    ("redis version that does not exist", {"zmage": {"cache": {"version": "7.5"}}}, {},
     "apps.zmage.cache.version", "input should be '6', '6.0', '6.2', '7', '7.0' or '7.1' (got '7.5')"),
    # CIDRs that look right
    ("CIDR out of range", {"zmage": {}}, {"kubernetes": {"egress_cidrs": ["999.1.1.1/8"]}},
     "appstack:kubernetes.egress_cidrs[0]",
     "a CIDR block with no host bits set, e.g. 10.20.0.0/16 or 2001:db8::/32"),
    ("CIDR with host bits", {"zmage": {}}, {"kubernetes": {"egress_except_cidrs": ["10.0.0.1/8"]}},
     "appstack:kubernetes.egress_except_cidrs[0]",
     "a CIDR block with no host bits set, e.g. 10.20.0.0/16 or 2001:db8::/32"),
    ("object storage endpoint with a bad port", {"zmage": {}},
     {"kubernetes": {"object_storage": {"endpoint": "http://minio:9000http://minio:9000"}}},
     "appstack:kubernetes.object_storage.endpoint",
     "'http://minio:9000http://minio:9000' is not a URL (Port could not be cast to integer value as '9000http:')"),
    # secrets and parameters later code depends on
    ("optional external URL secret", {"zmage": {"database": EXTERNAL, "env": {"DATABASE_URL": "${database.url}"},
                                                "secrets": {"DB_URL": {"source": "provided", "required": False}}}},
     {}, "apps.zmage.database.url_secret", "'DB_URL' is optional, but the database cannot work without it"),
    ("non-numeric max_connections", {"claude-relay": {"database": {"parameters": {"max_connections": "many"}}}}, {},
     "apps.claude-relay.database", "parameters.max_connections takes a whole number in its base unit (got 'many')"),
    ("parameter value with a quote", {"zmage": {"database": {"parameters": {"search_path": "a'b"}}}}, {},
     "apps.zmage.database", "parameters.search_path: quotes, backslashes and line breaks are not allowed"),
    ("parameter name", {"zmage": {"database": {"parameters": {"Max Conn": 1}}}}, {},
     "apps.zmage.database.parameters.Max Conn",
     "key does not match ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?$ (got 'Max Conn')"),
    ("extension name", {"zmage": {"database": {"extensions": ['x"; DROP TABLE t; --']}}}, {},
     "apps.zmage.database.extensions[0]",
     "must be an extension name such as pg_trgm or uuid-ossp (got 'x\"; DROP TABLE t; --')"),
    ("extension twice", {"zmage": {"database": {"extensions": ["pgcrypto", "pgcrypto"]}}}, {},
     "apps.zmage.database", "extensions lists an extension twice"),
    # reserved database names
    ("username starting with _", {"zmage": {"database": {"username": "_app"}}}, {}, "apps.zmage.database.username",
     "must be an SQL name: a lowercase letter, then letters, digits or '_', at most 63 characters (got '_app')"),
    ("username pg_", {"zmage": {"database": {"username": "pg_app"}}}, {}, "apps.zmage.database",
     "username 'pg_app' is reserved by PostgreSQL or RDS; choose another"),
    ("username reserved word", {"zmage": {"database": {"username": "user"}}}, {}, "apps.zmage.database",
     "username 'user' is an SQL reserved word; choose another"),
    ("database template1", {"zmage": {"database": {"database": "template1"}}}, {}, "apps.zmage.database",
     "database 'template1' is reserved by PostgreSQL or RDS; choose another"),
    # cron (appstack.spec.cron): backup schedules too have one meaning on both platforms, nothing wraps
    ("cron minute 60", {"elizabeth": {"database": {"backup": {"schedule": "60 2 * * *"}}}}, {},
     "apps.elizabeth.database.backup.schedule", "minute '60': 60 is outside 0-59"),
    ("cron step 0", {"elizabeth": {"database": {"backup": {"schedule": "*/0 2 * * *"}}}}, {},
     "apps.elizabeth.database.backup.schedule", "minute '*/0': a step must be at least 1"),
    ("cron sunday as 7", {"elizabeth": {"database": {"backup": {"schedule": "0 2 * * 7"}}}}, {},
     "apps.elizabeth.database.backup.schedule",
     "day-of-week '7': 7 is not a day here: Kubernetes takes 0-6; use 0 (or SUN) for Sunday"),
    ("cron backwards range", {"zmage": {}}, {"kubernetes": {"backups": {"schedule": "0 3 * * fri-mon"}}},
     "appstack:kubernetes.backups.schedule",
     "day-of-week 'fri-mon': the range fri-mon wraps around, which neither platform does; write fri-SAT,SUN-mon"),
    # host names, paths, Kubernetes names
    ("IP literal as domain", {"zmage": {}}, {"domain": "10.0.0.1"}, "appstack:domain",
     "'10.0.0.1' is an IP address; give a DNS name such as app.example.com"),
    ("IP literal as route host", {"zmage": {"services": {"web": {"routes": [{"path": "/", "host": "1.2.3.4"}]}}}},
     {}, "apps.zmage.services.web.routes[0].host",
     "'1.2.3.4' is an IP address; give a DNS name such as app.example.com"),
    ("route path the ALB refuses", {"zmage": {"services": {"web": {"routes": [{"path": "/a(b)"}]}}}}, AWS,
     "apps.zmage.services.web.routes[0].path", "'/a(b)' has characters the ALB does not accept in a path"),
    ("route path longer than an ALB pattern", {"zmage": {"services": {"web": {"routes": [{"path": "/" + "a" * 126}]}}}},
     AWS, "apps.zmage.services.web.routes[0].path", "longer than 126 characters, the most the ALB matches"),
    ("route path ingress-nginx refuses", {"zmage": {"services": {"web": {"routes": [{"path": "/a:b"}]}}}}, {},
     "apps.zmage.services.web.routes[0].path",
     "'/a:b' has characters the ingress controller does not accept in a path"),
    ("probe path with a space", {"zmage": {"services": {"web": {"health": {"readiness": {"http": "/a b"}}}}}}, {},
     "apps.zmage.services.web.health.readiness.http",
     "must be a URL path such as /healthz: '/' then letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ % / ? "
     "(got '/a b')"),
    ("ingress class", {"zmage": {}}, {"kubernetes": {"ingress_class": "Nginx Public"}},
     "appstack:kubernetes.ingress_class",
     "must be a Kubernetes object name: lowercase letters, digits, '-' and '.', such as nginx or gp3 "
     "(got 'Nginx Public')"),
    ("storage class", {"zmage": {}}, {"kubernetes": {"storage_class": "gp3_fast"}},
     "appstack:kubernetes.storage_class",
     "must be a Kubernetes object name: lowercase letters, digits, '-' and '.', such as nginx or gp3 "
     "(got 'gp3_fast')"),
    # sizes and resources
    ("env larger than a task definition", BIG_ENV, {}, "apps.zmage.services.web.env",
     "the app's and the workload's env hold 40268 bytes; at most 32768 fit a task definition"),
    ("cpu request above its limit", {"zmage": {"services": {"web": {"resources": {"limits": {"cpu": "100m"}}}}}}, {},
     "apps.zmage.services.web.resources", "limits.cpu (100m) must be at least requests.cpu (500m)"),
    ("task larger than Fargate", {"zmage": {"services": {"web": {"resources": {"limits": {"memory": "200Gi"}}}}}}, AWS,
     "apps.zmage.services.web.resources", "needs 1024 CPU units and 204800 MiB, more than the largest Fargate task "
     "(16384 CPU units, 122880 MiB at that size); lower its resources limits"),
    # AWS settings
    ("spot workers in prod", {"zmage": {}}, {**AWS, "aws": {"spot_workers": True}},
     "appstack:aws.spot_workers",
     "FARGATE_SPOT workers are for dev stacks only"),
    ("zone twice", {"zmage": {}}, {**AWS, "aws": {"zone_names": ["us-east-1a", "us-east-1a"]}},
     "appstack:aws.zone_names",
     "lists a zone twice (us-east-1a, us-east-1a); each subnet needs its own zone"),
    ("zone in another region", {"zmage": {}}, {**AWS, "aws": {"zone_names": ["us-east-1a", "eu-west-1b"]}},
     "appstack:aws.zone_names", "eu-west-1b not in region us-east-1 (zones are <region><letter>)"),
    ("subnet used twice", {"zmage": {}}, {**AWS, "aws": {"existing_vpc": {
        "vpc_id": "vpc-0123456789abcdef0", "cidr": "10.20.0.0/16", "availability_zones": ["us-east-1a", "us-east-1b"],
        "public_subnet_ids": ["subnet-00000001", "subnet-00000002"],
        "private_subnet_ids": ["subnet-00000003", "subnet-00000001"],
        "isolated_subnet_ids": ["subnet-00000005", "subnet-00000006"]}}}, "appstack:aws.existing_vpc",
     "subnets used twice: subnet-00000001; public, private and isolated subnets are distinct"),
]


@pytest.mark.parametrize(("apps", "settings", "path", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_value_the_platform_cannot_run_is_a_config_error(apps, settings, path, message):
    found = problems(apps, **settings)
    assert [p.message for p in found if p.path == path] == [message], [str(p) for p in found]


def test_aws_region_must_agree_with_the_provider_region():
    found = problems({"zmage": {}}, extra_keys={"aws:region": "eu-west-1"}, **AWS)
    assert [str(p) for p in found] == [
        "appstack:aws.region: 'us-east-1' differs from aws:region 'eu-west-1' in the same stack: the provider "
        "would create everything in the other region"
    ]


def test_defaults_are_normalized_like_written_values():
    database = {"engine": "postgres", "version": "16", "database": "eliza"}  # no cpu, memory or username
    spec = load({"elizabeth": {"database": database}}).apps["elizabeth"].database
    assert (spec.cpu, spec.memory, spec.username) == ("1000m", "2048Mi", "app")
    assert spec.backup is None


def test_extension_names_are_quoted_identifiers():
    from appstack.components.kubernetes.postgres import extension_sql

    assert quote_identifier('a"b') == '"a""b"'
    spec = load({"claude-relay": {}}).apps["claude-relay"].database
    assert extension_sql(spec) == ['CREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
                                   'CREATE EXTENSION IF NOT EXISTS "pg_stat_statements";',
                                   'CREATE EXTENSION IF NOT EXISTS "pgcrypto";']


def test_shipped_schedules_and_versions_still_validate():
    stack = load({name: {} for name in ("claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage")})
    assert stack.apps["elizabeth"].database.backup.schedule == "0 2 * * *"
    assert {app.cache.version for app in stack.apps.values() if app.cache} == {"7.1"}
