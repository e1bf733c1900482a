"""API and policy grammar checks on every app, and the guarantees that hold for all of them."""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.validate import ParamValidator
from moto.iam.policy_validation import IAMPolicyDocumentValidator, IAMTrustPolicyDocumentValidator

from .harness import (
    ALL_APPS,
    SECRET_VALUE_PREFIX,
    WORKLOAD_SG,
    container_definitions,
    resources,
    secret_arn,
    synth_app,
    unwrap,
)

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
REGISTER = botocore.session.get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition")
API_FIELDS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "runtimePlatform",
)
VARIANTS = [{"app": app} for app in ALL_APPS] + [
    {"app": "sparkle", "aws": {"managed_prometheus": True}},
    {"app": "elizabeth", "tier": "dev", "aws": {"ecs_exec": True}},
]


def synth(variant: dict):
    variant = dict(variant)
    return synth_app(variant.pop("app"), **variant)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(str(x) for x in v.values()))
def test_every_task_definition_is_valid_against_the_ecs_api_model(variant):
    definitions = synth(variant).by_type(TASK_DEFINITION)
    assert definitions
    for resource in definitions:
        inputs = unwrap(resource.inputs)
        request = {k: inputs[k] for k in API_FIELDS if k in inputs}
        request["containerDefinitions"] = json.loads(request["containerDefinitions"])
        report = ParamValidator().validate(request, REGISTER.input_shape)
        assert not report.has_errors(), f"{resource.name}: {report.generate_report()}"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(str(x) for x in v.values()))
def test_every_iam_document_follows_the_policy_grammar(variant):
    synthesis = synth(variant)
    for name, role in resources(synthesis, "aws:iam/role:Role").items():
        IAMTrustPolicyDocumentValidator(role["assumeRolePolicy"]).validate()
        trust = json.loads(role["assumeRolePolicy"])["Statement"][0]
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}, name
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    for policy in resources(synthesis, "aws:iam/rolePolicy:RolePolicy").values():
        IAMPolicyDocumentValidator(policy["policy"]).validate()
        assert '"Resource": "*"' not in policy["policy"].replace(
            '"Action": "ecr:GetAuthorizationToken", "Resource": "*"', ""
        ).replace(
            '"Action": ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], "Resource": "*"',
            "",
        )


@pytest.mark.parametrize("app", ALL_APPS)
def test_no_secret_sits_in_environment_and_every_secret_comes_by_arn(app):
    synthesis = synth_app(app)
    for resource in synthesis.by_type(TASK_DEFINITION):
        raw = unwrap(resource.inputs)["containerDefinitions"]
        assert SECRET_VALUE_PREFIX not in raw, resource.name
        main = json.loads(raw)[0]
        environment = {e["name"] for e in main["environment"]}
        secrets = {s["name"]: s["valueFrom"] for s in main["secrets"]}
        assert not environment & set(secrets)
        for name, value_from in secrets.items():
            assert value_from == secret_arn(app, main["name"], name)


def test_claude_relay_passwords_and_keys_are_secrets_and_plain_values_are_rendered():
    (app,) = container_definitions(synth_app("claude-relay"), "app")[:1]
    secrets = {s["name"] for s in app["secrets"]}
    assert secrets == {"ENCRYPTION_KEY", "JWT_SECRET", "POSTGRES_PASSWORD", "REDIS_PASSWORD"}
    environment = {e["name"]: e["value"] for e in app["environment"]}
    assert environment["POSTGRES_HOST"] == "value-of-postgres.host"
    assert environment["POSTGRES_POOL_MAX"] == "20"


def test_containers_are_sandboxed_and_log_to_their_own_group():
    synthesis = synth_app("elizabeth")
    frontend = container_definitions(synthesis, "frontend")[0]
    assert frontend["user"] == "1001:1001"
    assert frontend["readonlyRootFilesystem"] is True
    # Writable paths are tmpfs mounts owned by the container's user: a Fargate bind mount is root-owned
    # 0755, so the non-root user could not write to it (ECS guide "Use bind mounts").
    options = ["rw", "nosuid", "nodev", "uid=1001", "gid=1001"]
    assert frontend["linuxParameters"] == {
        "initProcessEnabled": True,
        "capabilities": {"drop": ["ALL"]},
        "tmpfs": [
            {"containerPath": "/app/.next/cache", "size": 128, "mountOptions": [*options, "mode=0750"]},
            {"containerPath": "/tmp", "size": 128, "mountOptions": [*options, "mode=1777"]},
        ],
    }
    assert frontend["mountPoints"] == []
    assert frontend["stopTimeout"] == 30 and "healthCheck" not in frontend
    assert frontend["logConfiguration"]["options"]["awslogs-group"] == "/appstack/test/elizabeth/frontend"
    groups = resources(synthesis, "aws:cloudwatch/logGroup:LogGroup")
    assert groups["elizabeth-frontend"]["retentionInDays"] == 90
    assert groups["elizabeth-frontend"]["kmsKeyId"].startswith("arn:aws:kms:")


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(str(x) for x in v.values()))
def test_no_container_writes_to_a_root_owned_bind_mount(variant):
    """Every non-EFS volume of a task is a bind mount, root-owned 0755 on Fargate: no container may
    rely on one for its writable paths; each writable path is a tmpfs owned by the container's user."""
    for resource in synth(variant).by_type(TASK_DEFINITION):
        inputs = unwrap(resource.inputs)
        bind_mounts = {v["name"] for v in inputs.get("volumes") or [] if "efsVolumeConfiguration" not in v}
        assert not bind_mounts, resource.name
        for container in json.loads(inputs["containerDefinitions"]):
            uid, gid = container["user"].split(":")
            for mount in container["linuxParameters"].get("tmpfs", []):
                assert {f"uid={uid}", f"gid={gid}"} <= set(mount["mountOptions"]), (resource.name, mount)


def test_command_health_checks_and_efs_volumes():
    synthesis = synth_app(
        "elizabeth",
        tier="dev",
        overrides={
            "workers": {
                "sweeper": {
                    "image": "backend",
                    "health": {
                        "liveness": {"command": ["/bin/check", "--quick"], "period_seconds": 30,
                                     "timeout_seconds": 10, "failure_threshold": 4, "initial_delay_seconds": 5},
                        "startup": {"command": ["/bin/check"], "period_seconds": 10, "failure_threshold": 6},
                    },
                }
            }
        },
    )
    sweeper = container_definitions(synthesis, "sweeper")[0]
    # The spec's values as they are (exec form, no shell); startPeriod covers the delay and the startup budget.
    assert sweeper["healthCheck"] == {
        "command": ["CMD", "/bin/check", "--quick"],
        "interval": 30,
        "timeout": 10,
        "retries": 4,
        "startPeriod": 65,
    }
    backend = container_definitions(synthesis, "backend")[0]
    assert {"sourceVolume": "efs-data", "containerPath": "/app/data", "readOnly": False} in backend["mountPoints"]
    volumes = unwrap(next(r for r in synthesis.by_type(TASK_DEFINITION) if r.name == "elizabeth-backend").inputs)[
        "volumes"
    ]
    efs = next(v for v in volumes if v["name"] == "efs-data")["efsVolumeConfiguration"]
    assert efs["transitEncryption"] == "ENABLED" and efs["authorizationConfig"]["iam"] == "ENABLED"
    # SQLite: one writer, so a rollout replaces the task instead of running two
    backend_service = resources(synthesis, "aws:ecs/service:Service")["elizabeth-backend"]
    assert (backend_service["deploymentMinimumHealthyPercent"], backend_service["deploymentMaximumPercent"]) == (0, 100)
    task_policy = json.loads(resources(synthesis, "aws:iam/rolePolicy:RolePolicy")["elizabeth-backend-task"]["policy"])
    actions = {s["Sid"]: s["Action"] for s in task_policy["Statement"]}
    assert actions["Efs0"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert actions["Objects"] == [
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
    ]


def test_services_run_privately_with_circuit_breaker_and_rolling_percentages():
    for service in resources(synth_app("sparkle"), "aws:ecs/service:Service").values():
        assert service["networkConfiguration"]["assignPublicIp"] is False
        assert service["networkConfiguration"]["subnets"] == ["subnet-0private0000000a", "subnet-0private0000000b"]
        assert service["networkConfiguration"]["securityGroups"][0] == WORKLOAD_SG
        assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert (service["deploymentMinimumHealthyPercent"], service["deploymentMaximumPercent"]) == (100, 200)
        assert service["enableExecuteCommand"] is False


def test_iam_roles_are_scoped_to_their_workload():
    policies = resources(synth_app("elizabeth"), "aws:iam/rolePolicy:RolePolicy")
    execution = json.loads(policies["elizabeth-frontend-execution"]["policy"])
    by_sid = {s["Sid"]: s for s in execution["Statement"]}
    assert set(by_sid) == {"EcrToken", "EcrPull", "Logs"}  # the frontend injects no secrets
    assert by_sid["EcrPull"]["Action"] == [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ]
    assert by_sid["Logs"]["Resource"] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:/appstack/test/elizabeth/frontend:log-stream:*"
    ]
    assert "elizabeth-frontend-task" not in policies  # it touches no bucket
    backend = json.loads(policies["elizabeth-backend-execution"]["policy"])
    injected = next(s for s in backend["Statement"] if s["Sid"] == "InjectedSecrets")
    assert injected["Action"] == "secretsmanager:GetSecretValue"
    assert injected["Resource"] == [secret_arn("elizabeth", "backend", "JWT_SECRET")]
    bucket = json.loads(policies["elizabeth-backend-task"]["policy"])
    assert next(s for s in bucket["Statement"] if s["Sid"] == "Buckets")["Resource"] == [
        "arn:aws:s3:::elizabeth-files-bucket"
    ]


def test_security_groups_open_the_alb_on_80_and_443_only_and_services_only_to_the_alb_and_tasks():
    synthesis = synth_app("sparkle")
    ingress = resources(synthesis, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    alb_rules = {n: r for n, r in ingress.items() if r["securityGroupId"] == "sparkle-id"}
    assert sorted((r["fromPort"], r["toPort"], r.get("cidrIpv4") or r.get("cidrIpv6")) for r in alb_rules.values()) == [
        (80, 80, "0.0.0.0/0"),
        (80, 80, "::/0"),
        (443, 443, "0.0.0.0/0"),
        (443, 443, "::/0"),
    ]
    assert all(r["description"] for r in ingress.values())
    gateway = {n: r for n, r in ingress.items() if r["securityGroupId"] == "sparkle-gateway-id"}
    assert sorted((r["fromPort"], r["toPort"], r["referencedSecurityGroupId"]) for r in gateway.values()) == [
        (8080, 8080, WORKLOAD_SG),
        (8080, 8080, "sparkle-id"),
    ]
    grpc = [r for r in ingress.values() if r["securityGroupId"] == "sparkle-grpc-server-id"]
    assert [(r["fromPort"], r["referencedSecurityGroupId"]) for r in grpc] == [(50051, WORKLOAD_SG)]
    assert not [r for r in ingress.values() if r.get("cidrIpv4") and r["securityGroupId"] != "sparkle-id"]
    egress = resources(synthesis, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert sorted((r["fromPort"], r["referencedSecurityGroupId"]) for r in egress.values()) == [
        (8000, "sparkle-backend-id"),
        (8080, "sparkle-gateway-id"),
    ]


def test_alb_and_listeners_prod():
    synthesis = synth_app("elizabeth")
    (alb,) = synthesis.by_type("aws:lb/loadBalancer:LoadBalancer")
    inputs = unwrap(alb.inputs)
    assert inputs["internal"] is False and inputs["subnets"] == ["subnet-0public00000000a", "subnet-0public00000000b"]
    assert inputs["dropInvalidHeaderFields"] is True and inputs["desyncMitigationMode"] == "defensive"
    assert inputs["enableDeletionProtection"] is True
    assert inputs["idleTimeout"] == 4000  # WebSocket routes: 86400 s wanted, the ALB maximum
    assert inputs["accessLogs"]["enabled"] is True and inputs["accessLogs"]["prefix"] == "elizabeth"
    listeners = resources(synthesis, "aws:lb/listener:Listener")
    http, https = listeners["elizabeth-http"], listeners["elizabeth-https"]
    assert http["defaultActions"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}
    ]
    assert https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06" and https["port"] == 443
    assert https["certificateArn"].startswith("arn:aws:acm:")
    assert https["defaultActions"][0]["fixedResponse"]["statusCode"] == "404"
    # the guide's nginx value (apps/elizabeth.yaml)
    assert https["routingHttpResponseStrictTransportSecurityHeaderValue"] == "max-age=63072000; includeSubDomains; preload"
    assert https["routingHttpResponseXFrameOptionsHeaderValue"] == "DENY"
    buckets = [r for r in synthesis.by_type("aws:s3/bucket:Bucket")]
    assert buckets[0].options["protect"] is True
    policy = json.loads(unwrap(synthesis.by_type("aws:s3/bucketPolicy:BucketPolicy")[0].inputs)["policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert policy["Statement"][1]["Effect"] == "Deny"
    assert unwrap(synthesis.by_type("aws:acm/certificate:Certificate")[0].inputs)["validationMethod"] == "DNS"


def test_hosted_zone_validates_the_certificate_and_aliases_the_domain():
    synthesis = synth_app("zmage", aws={"hosted_zone_id": "Z0123456789ABC"})
    records = resources(synthesis, "aws:route53/record:Record")
    validation = records["zmage-certificate-validation-0"]
    assert validation["type"] == "CNAME" and validation["zoneId"] == "Z0123456789ABC"
    alias = records["zmage-alias-0"]
    assert alias["name"] == "zmage.example.com" and alias["aliases"][0]["zoneId"] == "Z35SXDOTRQ7X7K"
    (check,) = resources(synthesis, "aws:acm/certificateValidation:CertificateValidation").values()
    assert check["validationRecordFqdns"] == [validation["name"].rstrip(".")]


def test_a_supplied_certificate_is_used_as_is():
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"
    synthesis = synth_app("zmage", aws={"certificate_arn": arn})
    assert not synthesis.by_type("aws:acm/certificate:Certificate")
    assert resources(synthesis, "aws:lb/listener:Listener")["zmage-https"]["certificateArn"] == arn


def test_dev_differs_from_prod():
    dev, prod = synth_app("zmage", tier="dev", aws={"spot_workers": True}), synth_app("zmage")
    alb = lambda s: unwrap(s.by_type("aws:lb/loadBalancer:LoadBalancer")[0].inputs)  # noqa: E731
    assert (alb(dev)["enableDeletionProtection"], alb(prod)["enableDeletionProtection"]) == (False, True)
    retention = lambda s: resources(s, "aws:cloudwatch/logGroup:LogGroup")["zmage-web"]["retentionInDays"]  # noqa: E731
    assert (retention(dev), retention(prod)) == (14, 90)
    worker = lambda s: resources(s, "aws:ecs/service:Service")["zmage-worker"]["capacityProviderStrategies"]  # noqa: E731
    assert worker(dev) == [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    assert worker(prod) == [{"capacityProvider": "FARGATE", "weight": 1}]
    assert (
        resources(dev, "aws:ecs/service:Service")["zmage-web"]["capacityProviderStrategies"][0]["capacityProvider"]
        == "FARGATE"
    )
    assert dev.by_type("aws:s3/bucket:Bucket")[0].options["protect"] is False
    assert resources(dev, "aws:ecr/repository:Repository")["zmage-web"]["forceDelete"] is True
    assert resources(prod, "aws:ecr/repository:Repository")["zmage-web"]["forceDelete"] is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tier": "prod", "aws": {"spot_workers": True}}, "FARGATE_SPOT workers are for dev stacks only"),
        ({"tier": "dev", "domain": None, "overrides": {"tls": False}}, "aws.allow_plain_http: true"),
        # (a private bucket: a prod CDN without the app's domain is refused before, by tier_problems)
        ({"tier": "prod", "domain": None, "overrides": {"tls": False, "storage": {"media": {"access": "private"}}},
          "aws": {"allow_plain_http": True}}, "dev stack"),
    ],
)
def test_dev_only_settings_are_refused_elsewhere(kwargs, message):
    # Refused with every other config error, before the program registers anything.
    with pytest.raises(Exception, match="Invalid configuration for stack 'test'") as error:
        synth_app("zmage", **kwargs)
    assert message in str(error.value)


def test_plain_http_dev_app_behind_the_flag():
    synthesis = synth_app("zmage", tier="dev", domain=None, overrides={"tls": False}, aws={"allow_plain_http": True})
    listeners = resources(synthesis, "aws:lb/listener:Listener")
    assert list(listeners) == ["zmage-http"]
    assert listeners["zmage-http"]["defaultActions"][0]["type"] == "fixed-response"
    assert not synthesis.by_type("aws:acm/certificate:Certificate")
    (rule,) = resources(synthesis, "aws:lb/listenerRule:ListenerRule").values()
    assert rule["conditions"] == [{"pathPattern": {"values": ["/*"]}}] and rule["listenerArn"].endswith("zmage-http")


def test_images_get_hardened_ecr_repositories_and_are_pinned_by_digest():
    synthesis = synth_app("claude-relay")
    (repository,) = resources(synthesis, "aws:ecr/repository:Repository").values()
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository["encryptionConfigurations"][0]["encryptionType"] == "KMS"
    (lifecycle,) = resources(synthesis, "aws:ecr/lifecyclePolicy:LifecyclePolicy").values()
    assert json.loads(lifecycle["policy"])["rules"][0]["selection"]["countNumber"] == 20
    (image,) = resources(synthesis, "docker:index/image:Image").values()
    assert image["imageName"].endswith("/claude-relay-app:1.0.0")
    assert image["build"]["context"] == "../claude-relay" and image["build"]["platform"] == "linux/amd64"
    app = container_definitions(synthesis, "app")[0]
    assert "@sha256:" in app["image"] and app["image"].startswith("123456789012.dkr.ecr.")
    exporter = container_definitions(synthesis, "postgres-exporter")[0]
    assert exporter["image"] == "quay.io/prometheuscommunity/postgres-exporter:v0.15.0@sha256:386b12d19eab2a37d7cd8ca8b4c7491cc7a830d9581f49af6c98a393da9605e6"
    tagged = synth_app("claude-relay", tier="dev", overrides={"images": {"app": {"tag": "1.0.1"}}})
    (image,) = resources(tagged, "docker:index/image:Image").values()
    assert image["imageName"].endswith(":1.0.1")


def test_migration_jobs_have_task_definitions_and_an_exact_run_command():
    synthesis = synth_app("small-squaretable")
    job = container_definitions(synthesis, "db-migrate")[0]
    assert job["entryPoint"] == ["pnpm", "db:migrate"] and job["user"] == "1000:1000"
    assert "stopTimeout" not in job and job["portMappings"] == []
    # app_env: [NODE_ENV, LOG_LEVEL, DATABASE_URL]: the migration task reads no Stripe, JWT or Redis secret
    assert {s["name"] for s in job["secrets"]} == {"DATABASE_URL"}
    assert {e["name"] for e in job["environment"]} == {"NODE_ENV", "LOG_LEVEL"}
    (component,) = [r for r in synthesis.resources if r.type == "appstack:aws:MigrationJob"]
    assert component.name == "small-squaretable-job-db-migrate"


def test_the_run_command_is_exact():
    from appstack.components.aws.compute.jobs import run_command

    command = run_command(
        region="us-east-1",
        cluster="app-prod",
        task_definition_arn="arn:td:1",
        job="db-migrate",
        subnets=["subnet-a", "subnet-b"],
        security_group="sg-1",
        timeout_seconds=1800,
    )
    assert command == (
        "TASK=$(aws ecs --region us-east-1 run-task --cluster app-prod --launch-type FARGATE"
        " --task-definition arn:td:1 --started-by appstack-db-migrate --network-configuration"
        " 'awsvpcConfiguration={subnets=[subnet-a,subnet-b],securityGroups=[sg-1],assignPublicIp=DISABLED}'"
        " --query 'tasks[0].taskArn' --output text)"
        " && timeout 1800 sh -c 'until aws ecs --region us-east-1 wait tasks-stopped --cluster app-prod"
        ' --tasks "$0"; do :; done\' "$TASK"'
        ' && test "$(aws ecs --region us-east-1 describe-tasks --cluster app-prod --tasks "$TASK"'
        " --query 'tasks[0].containers[?name=='\"'\"'db-migrate'\"'\"'].exitCode | [0]' --output text)\" = 0"
    )


@pytest.mark.parametrize(
    ("region", "account"),
    [("us-east-1", "127311923021"), ("eu-west-2", "652711504416"), ("ap-southeast-1", "114774131450"),
     ("ap-southeast-2", "783225319266"), ("ap-northeast-1", "582318560864"), ("sa-east-1", "507241528517"),
     ("ca-central-1", "985666609251"), ("eu-north-1", "897822967062")],
)
def test_alb_log_delivery_uses_the_regional_elb_account_in_regions_older_than_august_2022(region, account):
    """Older regions reject the logdelivery service principal: the ALB then fails to enable access logs."""
    from appstack.components.aws.compute.access_logs import delivery_principal

    assert delivery_principal(region) == {"AWS": f"arn:aws:iam::{account}:root"}


@pytest.mark.parametrize("region", ["ap-south-2", "eu-central-2", "me-central-1", "il-central-1", "ca-west-1"])
def test_alb_log_delivery_uses_the_service_principal_in_newer_regions(region):
    from appstack.components.aws.compute.access_logs import delivery_principal

    assert delivery_principal(region) == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
