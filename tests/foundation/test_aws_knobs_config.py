"""Spec fields for AWS (issue 12), hostile and unusual inputs: each is one config error naming its path,
found by load_stack before any resource is registered; on Kubernetes the fields warn (they map to nothing)."""

from __future__ import annotations

import pytest

from tests.foundation.helpers import load, problems

AWS = {"platform": "aws", "tier": "prod"}
Q = "arn:aws:sqs:us-east-1:123456789012:q"


def web(**fields):
    return {"zmage": {"services": {"web": fields}}}


def worker(**fields):
    return {"zmage": {"workers": {"worker": fields}}}


def db(**fields):
    return {"zmage": {"database": fields}}


CASES = [
    ("full wildcard", web(iam_statements=[{"actions": ["*"], "resources": ["*"]}]), AWS,
     'apps.zmage.services.web.iam_statements[0].actions[0]',
     "'*' grants every action of every service: never allowed"),
    ("service wildcard on every resource", web(iam_statements=[{"actions": ["s3:*"], "resources": ["*"]}]), AWS,
     'apps.zmage.services.web.iam_statements[0]',
     'wildcard action s3:* on every resource (*): name the actions, or scope the resources to ARNs'),
    ("partial wildcard on every bucket", worker(iam_statements=[{"actions": ["s3:Get*"], "resources": ["arn:aws:s3:::*"]}]), AWS,
     'apps.zmage.workers.worker.iam_statements[0]',
     'wildcard action s3:Get* on every resource (arn:aws:s3:::*): name the actions, or scope the resources to ARNs'),
    ("wildcard in the service part", web(iam_statements=[{"actions": ["s*:GetObject"], "resources": [Q]}]), AWS,
     'apps.zmage.services.web.iam_statements[0].actions[0]',
     "'s*:GetObject' is not an action such as s3:GetObject (service:Action, wildcards * and ? only after the ':')"),
    ("no service part", web(iam_statements=[{"actions": ["GetObject"], "resources": [Q]}]), AWS,
     'apps.zmage.services.web.iam_statements[0].actions[0]',
     "'GetObject' is not an action such as s3:GetObject (service:Action, wildcards * and ? only after the ':')"),
    ("NotAction", web(iam_statements=[{"NotAction": ["s3:GetObject"], "resources": [Q]}]), AWS,
     'apps.zmage.services.web.iam_statements[0]',
     'NotAction is not supported: it grants everything but a list; list the actions the workload needs'),
    ("NotResource", web(iam_statements=[{"actions": ["s3:GetObject"], "not_resources": [Q]}]), AWS,
     'apps.zmage.services.web.iam_statements[0]',
     'NotResource is not supported: it covers everything but a list; list the resources it uses'),
    ("IAM spelling", web(iam_statements=[{"Action": ["s3:GetObject"], "resources": [Q]}]), AWS,
     'apps.zmage.services.web.iam_statements[0]',
     "'Action' is IAM's spelling: write actions (a list)"),
    ("escalation", {"zmage": {"jobs": {"db-migrate": {"iam_statements": [{"actions": ["iam:AttachRolePolicy"], "resources": ["arn:aws:iam::123456789012:role/app"]}]}}}}, AWS,
     'apps.zmage.jobs.db-migrate.iam_statements[0]',
     'grants iam:AttachRolePolicy, which lets the workload raise its own permissions (privilege escalation)'),
    ("iam wildcard", web(iam_statements=[{"actions": ["iam:*"], "resources": ["arn:aws:iam::123456789012:user/x"]}]), AWS,
     'apps.zmage.services.web.iam_statements[0]',
     'grants iam:AttachRolePolicy through iam:*, which lets the workload raise its own permissions (privilege escalation)'),
    ("pass any role", worker(iam_statements=[{"actions": ["iam:PassRole"], "resources": ["arn:aws:iam::123456789012:role/*"]}]), AWS,
     'apps.zmage.workers.worker.iam_statements[0]',
     'grants iam:PassRole, which lets the workload raise its own permissions (privilege escalation); scope it to named role ARNs'),
    ("assume any role", worker(iam_statements=[{"actions": ["sts:AssumeRole"], "resources": ["*"]}]), AWS,
     'apps.zmage.workers.worker.iam_statements[0]',
     'grants sts:AssumeRole, which lets the workload raise its own permissions (privilege escalation); scope it to named role ARNs'),
    ("not an ARN", web(iam_statements=[{"actions": ["s3:GetObject"], "resources": ["my-bucket/*"]}]), AWS,
     'apps.zmage.services.web.iam_statements[0].resources[0]',
     "'my-bucket/*' is not an ARN (arn:partition:service:region:account:resource) or '*'"),
    ("binding in an ARN", web(iam_statements=[{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::${storage.media.bucket}/*"]}]), AWS,
     'apps.zmage.services.web.iam_statements[0].resources[0]',
     "'arn:aws:s3:::${storage.media.bucket}/*': policy variables and ${bindings} are not supported here; give the ARN"),
    ("bad account", web(iam_statements=[{"actions": ["sqs:SendMessage"], "resources": ["arn:aws:sqs:us-east-1:1234:q"]}]), AWS,
     'apps.zmage.services.web.iam_statements[0].resources[0]',
     "'arn:aws:sqs:us-east-1:1234:q' is not an ARN (arn:partition:service:region:account:resource) or '*'"),
    ("unknown condition operator", web(iam_statements=[{"actions": ["sqs:SendMessage"], "resources": [Q], "condition": {"StringEqualz": {"aws:SourceVpce": "vpce-1"}}}]), AWS,
     'apps.zmage.services.web.iam_statements[0]',
     "condition: unknown operator 'StringEqualz'"),
    ("empty actions", web(iam_statements=[{"actions": [], "resources": [Q]}]), AWS,
     'apps.zmage.services.web.iam_statements[0].actions',
     'list should have at least 1 item after validation, not 0'),
    ("too large", web(iam_statements=[{"actions": [f"sqs:Action{i}"], "resources": [f"arn:aws:sqs:us-east-1:123456789012:queue-{i:04d}-" + "x"*60]} for i in range(60)]), AWS,
     'apps.zmage.services.web.iam_statements',
     "the statements take 10901 characters; at most 5120 (half of IAM's 10,240 for all of a role's inline policies, the rest is appstack's own)"),
    ("gp2 with iops", db(storage_type="gp2", iops=3000), AWS,
     'apps.zmage.database.iops',
     'gp2 takes no provisioned IOPS or throughput (it scales with size); use gp3 or io1/io2 [https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html]'),
    ("gp3 iops below 400", db(iops=12000, storage_throughput=500), AWS,
     'apps.zmage.database.iops',
     'gp3 below 400 GiB has a fixed 3,000 IOPS and 125 MiB/s; set storage_gb to 400 or more to provision them (got 50) [https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html]'),
    ("gp3 iops only", db(storage_gb=400, iops=12000), AWS,
     'apps.zmage.database.storage_throughput',
     'gp3 takes iops and storage_throughput together (baseline 12000 and 500) [https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html]'),
    ("gp3 iops too high", db(storage_gb=400, iops=70000, storage_throughput=500), AWS,
     'apps.zmage.database.iops',
     'gp3 takes 12000-64000 IOPS (got 70000) [https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html]'),
    ("gp3 throughput over ratio", db(storage_gb=400, iops=12000, storage_throughput=4000), AWS,
     'apps.zmage.database.storage_throughput',
     'gp3 allows at most 0.25 MiB/s per IOPS: 4000 MiB/s needs 16000 IOPS or more [https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ValidStorageOptions.html]'),
    ("io1 too small", db(storage_type="io1", iops=1000), AWS,
     'apps.zmage.database.storage_gb',
     'io1 needs at least 100 GiB (got 50) [https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html]'),
    ("io1 no iops", db(storage_type="io1", storage_gb=100), AWS,
     'apps.zmage.database.iops',
     'io1 needs iops (1000-256000) [https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html]'),
    ("io1 ratio", db(storage_type="io1", storage_gb=100, iops=6000), AWS,
     'apps.zmage.database.iops',
     'io1 takes 0.5 to 50 IOPS per GiB: 6000 IOPS on 100 GiB is 60 [https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html]'),
    ("io2 throughput", db(storage_type="io2", storage_gb=100, iops=3000, storage_throughput=500), AWS,
     'apps.zmage.database.storage_throughput',
     'io2 takes no storage_throughput (only gp3) [https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html]'),
    ("storage type standard", db(storage_type="standard"), AWS,
     'apps.zmage.database.storage_type',
     "input should be 'gp2', 'gp3', 'io1' or 'io2' (got 'standard')"),
    ("negative iops", db(storage_type="io1", storage_gb=100, iops=-5), AWS,
     'apps.zmage.database.iops',
     'input should be greater than or equal to 1 (got -5)'),
    ("all spot behind the ALB in prod", web(capacity_providers=[{"provider": "FARGATE_SPOT"}]), AWS,
     'apps.zmage.services.web.capacity_providers',
     'a prod service behind the load balancer that uses FARGATE_SPOT needs FARGATE with base >= 1 (all Spot tasks can be reclaimed at once)'),
    ("spot with base 0 FARGATE in prod", web(capacity_providers=[{"provider": "FARGATE", "weight": 1}, {"provider": "FARGATE_SPOT", "weight": 1}]), AWS,
     'apps.zmage.services.web.capacity_providers',
     'a prod service behind the load balancer that uses FARGATE_SPOT needs FARGATE with base >= 1 (all Spot tasks can be reclaimed at once)'),
    ("two bases", worker(capacity_providers=[{"provider": "FARGATE", "base": 1}, {"provider": "FARGATE_SPOT", "base": 1}]), AWS,
     'apps.zmage.workers.worker.capacity_providers',
     'only one provider may have a base above 0'),
    ("weights all zero", worker(capacity_providers=[{"provider": "FARGATE", "base": 2, "weight": 0}]), AWS,
     'apps.zmage.workers.worker.capacity_providers',
     'at least one provider needs a weight above 0'),
    ("provider twice", worker(capacity_providers=[{"provider": "FARGATE"}, {"provider": "FARGATE"}]), AWS,
     'apps.zmage.workers.worker.capacity_providers',
     'names a provider twice (FARGATE, FARGATE)'),
    ("EC2 provider", worker(capacity_providers=[{"provider": "EC2"}]), AWS,
     'apps.zmage.workers.worker.capacity_providers[0].provider',
     "input should be 'FARGATE' or 'FARGATE_SPOT' (got 'EC2')"),
    ("base too big", worker(capacity_providers=[{"provider": "FARGATE", "base": 100001}]), AWS,
     'apps.zmage.workers.worker.capacity_providers[0].base',
     'input should be less than or equal to 100000 (got 100001)'),
    ("weight too big", worker(capacity_providers=[{"provider": "FARGATE", "weight": 1001}]), AWS,
     'apps.zmage.workers.worker.capacity_providers[0].weight',
     'input should be less than or equal to 1000 (got 1001)'),
    ("empty mix", worker(capacity_providers=[]), AWS,
     'apps.zmage.workers.worker.capacity_providers',
     'give at least one provider (or leave capacity_providers out for the default)'),
    ("idle provider", worker(capacity_providers=[{"provider": "FARGATE"}, {"provider": "FARGATE_SPOT", "weight": 0}]), AWS,
     'apps.zmage.workers.worker.capacity_providers',
     'FARGATE_SPOT has base 0 and weight 0, so it never runs a task: remove it'),
    ("capacity on a job", {"zmage": {"jobs": {"db-migrate": {"capacity_providers": [{"provider": "FARGATE"}]}}}}, AWS,
     'apps.zmage.jobs.db-migrate.capacity_providers',
     "unknown key 'capacity_providers'; allowed keys: app_env, args, backoff_limit, command, env, iam_statements, image, kubernetes, phase, renamed_from, resources, run_as_group, run_as_user, timeout_seconds, ttl_seconds_after_finished, writable_paths"),
]


@pytest.mark.parametrize(("apps", "settings", "path", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_bad_value_is_one_config_error_naming_its_path(apps, settings, path, message):
    assert [(p.path, p.message) for p in problems(apps, **settings)] == [(path, message)]


def test_every_bad_field_is_reported_in_one_run():
    # spec errors together; the platform's checks (storage sizes, the prod Spot rule) together once the spec is valid
    typed = {"zmage": {"services": {"web": {"iam_statements": [{"actions": ["s3:*"], "resources": ["*"]}],
                                            "capacity_providers": [{"provider": "EC2"}]}},
                       "database": {"storage_type": "standard"}}}
    assert sorted(p.path for p in problems(typed, **AWS)) == [
        "apps.zmage.database.storage_type", "apps.zmage.services.web.capacity_providers[0].provider",
        "apps.zmage.services.web.iam_statements[0]"]
    platform = {"zmage": {"services": {"web": {"capacity_providers": [{"provider": "FARGATE_SPOT"}]}},
                          "database": {"storage_type": "io1", "iops": 1000}}}
    assert sorted(p.path for p in problems(platform, **AWS)) == [
        "apps.zmage.database.storage_gb", "apps.zmage.services.web.capacity_providers"]


@pytest.mark.parametrize("apps", [
    web(iam_statements=[{"actions": ["iam:PassRole"], "resources": ["arn:aws:iam::123456789012:role/app-worker"]}]),
    web(iam_statements=[{"effect": "Deny", "actions": ["s3:*"], "resources": ["*"]}]),
    web(iam_statements=[{"actions": ["cloudwatch:PutMetricData"], "resources": ["*"],
                         "condition": {"StringEquals": {"cloudwatch:namespace": "zmage"}}}]),
    web(iam_statements=[{"actions": ["s3:Get*"], "resources": ["arn:aws-cn:s3:::zmage-exports/*"]}]),
    web(capacity_providers=[{"provider": "FARGATE", "base": 2, "weight": 0}, {"provider": "FARGATE_SPOT", "weight": 1}]),
    worker(capacity_providers=[{"provider": "FARGATE_SPOT", "base": 100000, "weight": 1000}]),
    db(storage_gb=400, iops=64000, storage_throughput=4000),
    db(storage_gb=400, iops=12000, storage_throughput=500),
    db(storage_type="io2", storage_gb=100, iops=100000),
    db(storage_type="io1", storage_gb=2000, max_storage_gb=2000, iops=1000),
    db(storage_type="gp2", storage_gb=20, max_storage_gb=20),
], ids=["pass a named role", "deny anything", "metric data with a condition", "china partition",
        "FARGATE base 2, rest spot", "largest base and weight", "gp3 ceiling", "gp3 baseline",
        "io2 1000 per GiB", "io1 0.5 per GiB", "gp2 minimum"])
def test_values_aws_accepts_load_on_aws(apps):
    assert load(apps, **AWS).apps["zmage"]


def test_dev_services_may_run_all_spot_and_spot_workers_warns_deprecated():
    spot = [{"provider": "FARGATE_SPOT"}]
    apps = {"zmage": {"services": {"web": {"capacity_providers": spot}}, "workers": {"worker": {"capacity_providers": spot}}}}
    stack = load(apps, platform="aws", tier="dev",
                 aws={"spot_workers": True, "allow_plain_http": True})
    assert stack.warnings == ("appstack:aws.spot_workers is deprecated: give the workers capacity_providers: "
                              "[{provider: FARGATE_SPOT}] (the same strategy)",)


def test_on_kubernetes_the_fields_warn_and_change_nothing():
    apps = {"zmage": {"services": {"web": {"iam_statements": [{"actions": ["sqs:SendMessage"], "resources": [Q]}],
                                           "capacity_providers": [{"provider": "FARGATE", "base": 1}]}},
                      "database": {"storage_type": "io1", "storage_gb": 100, "iops": 3000}}}
    stack = load(apps, platform="kubernetes", tier="prod")
    assert list(stack.warnings) == [
        "apps.zmage.services.web.iam_statements: AWS only, not applied on Kubernetes (appstack creates no IAM role "
        "for pods; grant them to your IRSA or Pod Identity role)",
        "apps.zmage.services.web.capacity_providers: AWS only, ignored on Kubernetes (use node selectors and "
        "tolerations for spot nodes)",
        "apps.zmage.database: storage_type, iops and storage_throughput are AWS only, ignored on Kubernetes "
        "(appstack:kubernetes.storage_class decides the volume)",
    ]
    # the AWS-only rules still apply to the values themselves: a blueprint is valid on both platforms
    found = problems(web(iam_statements=[{"actions": ["*"], "resources": ["*"]}]), platform="kubernetes")
    assert [p.path for p in found] == ["apps.zmage.services.web.iam_statements[0].actions[0]"]
