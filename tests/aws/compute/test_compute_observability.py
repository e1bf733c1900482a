"""Dashboard, CloudWatch alarms with the guides' thresholds, SNS, and the spec's alerts on AMP."""

from __future__ import annotations

import json

import yaml

from .harness import container_definitions, resources, synth_app, unwrap

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def alarms(app: str, **kwargs) -> dict[str, dict]:
    return {r["name"].removeprefix(f"{app}-test-"): r for r in resources(synth_app(app, **kwargs), ALARM).values()}


def test_p95_latency_alarms_use_the_guides_targets():
    assert alarms("small-squaretable")["alb-p95-latency"]["threshold"] == 0.5
    assert alarms("zmage")["alb-p95-latency"]["threshold"] == 2
    sparkle = alarms("sparkle")["alb-p95-latency"]
    assert sparkle["threshold"] == 1 and sparkle["extendedStatistic"] == "p95"
    assert sparkle["dimensions"]["LoadBalancer"].startswith("app/sparkle/")


def test_claude_relay_database_alarms_use_its_thresholds():
    found = alarms("claude-relay")
    assert found["rds-connections"]["threshold"] == 80
    assert found["rds-cpu"]["threshold"] == 80 and found["rds-cpu"]["dimensions"] == {
        "DBInstanceIdentifier": "db-instance"
    }
    storage = found["rds-storage"]
    assert storage["comparisonOperator"] == "LessThanThreshold"
    assert storage["threshold"] == 0.2 * 20 * 1024**3  # disk 80 % of 20 GB used
    assert found["redis-memory-1"]["dimensions"] == {"CacheClusterId": "redis-group-001"}
    assert found["redis-memory-2"]["dimensions"] == {"CacheClusterId": "redis-group-002"}
    assert found["redis-memory-1"]["metricName"] == "DatabaseMemoryUsagePercentage"


def test_connection_threshold_defaults_to_80_percent_of_max_connections():
    assert alarms("sparkle")["rds-connections"]["threshold"] == 160  # max_connections 200


def test_alb_5xx_rate_and_ecs_memory_alarms_notify_the_topic():
    found = alarms("zmage")
    rate = found["alb-5xx"]
    assert rate["threshold"] == 5
    queries = {q["id"]: q for q in rate["metricQueries"]}
    assert queries["rate"]["expression"] == "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)"
    assert queries["errors"]["metric"]["metricName"] == "HTTPCode_Target_5XX_Count"
    for key in ("ecs-memory-web", "ecs-memory-worker"):
        assert found[key]["dimensions"]["ClusterName"] == "zmage-test"
        assert found[key]["metricName"] == "MemoryUtilization" and found[key]["threshold"] == 80
    assert all(
        a["alarmActions"] == a["okActions"] == ["arn:aws:sns:us-east-1:123456789012:zmage-alarms"]
        for a in found.values()
    )


def test_no_data_ids_no_data_alarms():
    found = alarms("zmage", with_data_ids=False)
    assert not [k for k in found if k.startswith(("rds-", "redis-"))]


def test_dashboard_covers_alb_ecs_rds_and_redis():
    (dashboard,) = resources(synth_app("zmage"), "aws:cloudwatch/dashboard:Dashboard").values()
    assert dashboard["dashboardName"] == "zmage-test"
    titles = [w["properties"]["title"] for w in json.loads(dashboard["dashboardBody"])["widgets"]]
    assert titles == [
        "ALB requests",
        "ALB 5xx",
        "ALB p95 latency (s)",
        "ECS CPU %",
        "ECS memory %",
        "RDS CPU %",
        "RDS connections",
        "RDS free storage (bytes)",
        "Redis memory % of maxmemory",
        "Redis evictions",
    ]


def test_sns_subscriptions_from_config():
    synthesis = synth_app(
        "zmage", aws={"alarm_emails": ["ops@example.com"], "alarm_https_endpoints": ["https://hooks.example.com/x"]}
    )
    subscriptions = sorted(
        (s["protocol"], s["endpoint"])
        for s in resources(synthesis, "aws:sns/topicSubscription:TopicSubscription").values()
    )
    assert subscriptions == [("email", "ops@example.com"), ("https", "https://hooks.example.com/x")]
    (topic,) = resources(synthesis, "aws:sns/topic:Topic").values()
    assert topic["kmsMasterKeyId"].startswith("arn:aws:kms:")


def test_prometheus_workspace_rules_and_collector_sidecar():
    synthesis = synth_app("sparkle", aws={"managed_prometheus": True})
    (namespace,) = resources(synthesis, "aws:amp/ruleGroupNamespace:RuleGroupNamespace").values()
    rules = yaml.safe_load(namespace["data"])["groups"][0]["rules"]
    assert [r["alert"] for r in rules] == ["HighErrorRate", "CircuitBreakerOpen", "HighMemoryUsage", "QueueBacklog"]
    assert rules[1] == {
        "alert": "CircuitBreakerOpen",
        "expr": "chat_orchestrator_circuit_breaker == 1",
        "for": "1m",
        "labels": {"severity": "critical", "app": "sparkle"},
        "annotations": {"summary": "Circuit breaker is open"},
    }
    (manager,) = resources(synthesis, "aws:amp/alertManagerDefinition:AlertManagerDefinition").values()
    receiver = yaml.safe_load(yaml.safe_load(manager["definition"])["alertmanager_config"])["receivers"][0]
    assert receiver["sns_configs"][0]["topic_arn"] == "arn:aws:sns:us-east-1:123456789012:sparkle-alarms"
    gateway = container_definitions(synthesis, "gateway")
    assert [c["name"] for c in gateway] == ["gateway", "prometheus-collector"]
    collector = gateway[1]
    assert collector["essential"] is False and collector["readonlyRootFilesystem"] is True
    config = yaml.safe_load(collector["environment"][0]["value"])
    scrape = config["receivers"]["prometheus"]["config"]["scrape_configs"][0]
    assert scrape["metrics_path"] == "/metrics" and scrape["static_configs"][0]["targets"] == ["localhost:8080"]
    assert scrape["scrape_interval"] == "10s"
    assert config["exporters"]["prometheusremotewrite"]["endpoint"].endswith("/api/v1/remote_write")
    assert [c["name"] for c in container_definitions(synthesis, "grpc-server")] == ["grpc-server"]  # no metrics
    task_policy = json.loads(resources(synthesis, "aws:iam/rolePolicy:RolePolicy")["sparkle-gateway-task"]["policy"])
    assert task_policy["Statement"][0]["Action"] == "aps:RemoteWrite"
    sizes = {
        unwrap(r.inputs)["family"]: unwrap(r.inputs)["memory"]
        for r in synthesis.by_type("aws:ecs/taskDefinition:TaskDefinition")
    }
    assert sizes["sparkle-test-gateway"] == "2048"  # 1 GiB limit + 128 MiB collector -> next valid size


def test_prometheus_is_on_by_default_in_prod_for_apps_with_alerts_and_never_silently_off():
    assert len(synth_app("sparkle").by_type("aws:amp/workspace:Workspace")) == 1
    assert not synth_app("elizabeth").by_type("aws:amp/workspace:Workspace")  # no alerts: no workspace
    dev = synth_app("sparkle", tier="dev")
    assert not dev.by_type("aws:amp/workspace:Workspace")
    assert [w for w in dev.warnings if "PromQL" in w] == [
        "sparkle: 4 PromQL alerts are not deployed on AWS (HighErrorRate, CircuitBreakerOpen, HighMemoryUsage, "
        "QueueBacklog); set appstack:aws.managed_prometheus: true"]
    off = synth_app("sparkle", aws={"managed_prometheus": False})
    assert not off.by_type("aws:amp/workspace:Workspace")
    assert len([w for w in off.warnings if "PromQL alerts are not deployed" in w]) == 1


def test_claude_relays_full_threshold_set_runs_on_amp_and_sparkle_keeps_30_days():
    relay = synth_app("claude-relay")
    (namespace,) = resources(relay, "aws:amp/ruleGroupNamespace:RuleGroupNamespace").values()
    rules = {r["alert"]: r for r in yaml.safe_load(namespace["data"])["groups"][0]["rules"]}
    assert len(rules) == 7
    assert rules["PostgresSlowQueriesPerMinute"]["expr"] == (
        'sum(rate(pg_stat_statements_calls_total{datname="claude_relay"}[5m]) * 60 and '
        '(rate(pg_stat_statements_seconds_total{datname="claude_relay"}[5m]) / '
        'rate(pg_stat_statements_calls_total{datname="claude_relay"}[5m]) > 1)) > 10')
    assert rules["PostgresTableBloat"]["expr"] == (
        'max by (schemaname, relname) (pg_stat_user_tables_n_dead_tup{datname="claude_relay"} / '
        '(pg_stat_user_tables_n_live_tup{datname="claude_relay"} + pg_stat_user_tables_n_dead_tup{datname="claude_relay"}'
        ')) > 0.2')
    assert (rules["PostgresTableBloat"]["for"], rules["PostgresSlowQueriesPerMinute"]["for"]) == ("15m", "5m")
    (config,) = resources(synth_app("sparkle"), "aws:amp/workspaceConfiguration:WorkspaceConfiguration").values()
    assert config["retentionPeriodInDays"] == 30 and config["workspaceId"] == "sparkle-id"
    assert not synth_app("zmage").by_type("aws:amp/workspaceConfiguration:WorkspaceConfiguration")  # AMP's 150 d
    weeks = synth_app("sparkle", overrides={"metrics_retention": "2w"})
    (config,) = resources(weeks, "aws:amp/workspaceConfiguration:WorkspaceConfiguration").values()
    assert config["retentionPeriodInDays"] == 14
