"""Sparkle's postgres and redis exporters in the shipped prod stack (AWS): RDS over TLS, ElastiCache over TLS
with its AUTH token, each exporter scraped by its own collector sidecar at the guide's interval, and no
other task admitted to its port."""

from __future__ import annotations

import json

import yaml

from tests.conftest import synth_stack

from .harness import unwrap

TASK = "aws:ecs/taskDefinition:TaskDefinition"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def _containers(synthesis, family: str) -> list[dict]:
    (task,) = [r for r in synthesis.by_type(TASK) if unwrap(r.inputs["family"]) == family]
    return json.loads(unwrap(task.inputs["containerDefinitions"]))


def _secret_value(synthesis, name: str) -> str:
    (version,) = [r for r in synthesis.by_type("aws:secretsmanager/secretVersion:SecretVersion") if r.name == name]
    assert repr(version.inputs["secretString"]) == "[secret]"
    return unwrap(version.inputs["secretString"])


def _scrape(container: dict) -> dict:
    config = yaml.safe_load(container["environment"][0]["value"])
    (scrape,) = config["receivers"]["prometheus"]["config"]["scrape_configs"]
    return scrape


def test_exporters_read_the_stores_over_tls_with_their_own_credential_only():
    synthesis = synth_stack("prod")
    postgres, postgres_collector = _containers(synthesis, "sparkle-prod-postgres-exporter")
    assert postgres["image"] == ("quay.io/prometheuscommunity/postgres-exporter:v0.15.0"
                                 "@sha256:386b12d19eab2a37d7cd8ca8b4c7491cc7a830d9581f49af6c98a393da9605e6")
    assert postgres["user"] == "65534:65534" and postgres["environment"] == []
    assert [s["name"] for s in postgres["secrets"]] == ["DATA_SOURCE_NAME"]
    assert ":secret:sparkle-env-data-source-name-" in postgres["secrets"][0]["valueFrom"]
    dsn = _secret_value(synthesis, "sparkle-env-data-source-name")
    assert dsn.startswith("postgresql://sparkle_app:") and dsn.endswith("/sparkle?sslmode=require")

    redis, redis_collector = _containers(synthesis, "sparkle-prod-redis-exporter")
    assert redis["image"] == ("quay.io/oliver006/redis_exporter:v1.67.0"
                              "@sha256:120f7ec77293459ccfdad66bb1db75ab72e8bfeab99f58b1cc2564cadcd7a9e7")
    assert redis["user"] == "59000:59000" and redis["readonlyRootFilesystem"] is True
    environment = {e["name"]: e["value"] for e in redis["environment"]}
    assert list(environment) == ["REDIS_ADDR", "REDIS_EXPORTER_TLS_CA_CERT_FILE"]
    assert environment["REDIS_ADDR"].startswith("rediss://master.sparkle-redis.")
    assert environment["REDIS_ADDR"].endswith(".cache.amazonaws.com:6379")
    assert environment["REDIS_EXPORTER_TLS_CA_CERT_FILE"] == ""  # ElastiCache: the image's system roots
    assert [s["name"] for s in redis["secrets"]] == ["REDIS_PASSWORD"]
    (group,) = [g for g in synthesis.by_type("aws:elasticache/replicationGroup:ReplicationGroup")
                if g.name == "sparkle-redis"]
    assert _secret_value(synthesis, "sparkle-env-redis-password") == unwrap(group.inputs["authToken"])
    for collector, job, port, interval in ((postgres_collector, "sparkle-postgres-exporter", 9187, "30s"),
                                           (redis_collector, "sparkle-redis-exporter", 9121, "15s")):
        assert collector["name"] == "prometheus-collector" and collector["essential"] is False
        assert _scrape(collector) == {
            "job_name": job, "metrics_path": "/metrics", "scrape_interval": interval,
            "static_configs": [{"targets": [f"localhost:{port}"],
                                "labels": {"app": "sparkle", "service": job.removeprefix("sparkle-")}}]}


def test_no_task_reaches_an_exporters_port():
    synthesis = synth_stack("prod")
    rules = {r.name: unwrap(r.inputs) for t in (INGRESS, EGRESS) for r in synthesis.by_type(t)}
    for app, name, port in (("sparkle", "postgres-exporter", 9187), ("sparkle", "redis-exporter", 9121),
                            ("claude-relay", "postgres-exporter", 9187)):
        assert f"{app}-{name}-from-tasks" not in rules  # its own group admits nothing
        assert f"{app}-in-self-{port}" not in rules and f"{app}-out-self-{port}" not in rules
    # The other services keep their service-to-service rules, and the exporters their stores.
    assert rules["sparkle-grpc-server-from-tasks"]["fromPort"] == 50051
    assert {f"sparkle-{d}-self-{p}" for d in ("in", "out") for p in (8000, 8080, 50051)} <= set(rules)
    assert rules["sparkle-out-redis"]["toPort"] == 6379 and rules["sparkle-out-postgres"]["toPort"] == 5432
    (service,) = [s for s in synthesis.by_type("aws:ecs/service:Service") if s.name == "sparkle-redis-exporter"]
    inputs = unwrap(service.inputs)
    assert inputs["desiredCount"] == 1 and "loadBalancers" not in inputs
    groups = inputs["networkConfiguration"]["securityGroups"]
    assert groups == ["sparkle-workloads-id", "sparkle-redis-exporter-id"]
