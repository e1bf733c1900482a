"""Per system: target groups, routes, health checks, internal addresses, replicas and autoscaling."""

from __future__ import annotations

from .harness import container_definitions, resources, synth_app, unwrap

TG = "aws:lb/targetGroup:TargetGroup"
RULE = "aws:lb/listenerRule:ListenerRule"
SERVICE = "aws:ecs/service:Service"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"


def rules_by_priority(app: str, **kwargs) -> list[tuple[int, list[str], list[str], str]]:
    """(priority, path patterns, hosts, target group name) of every listener rule, by priority."""
    synthesis = synth_app(app, **kwargs)
    groups = {r.name: unwrap(r.inputs) for r in synthesis.by_type(TG)}
    arns = {}
    for resource in synthesis.by_type(TG):
        arns[f"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{resource.name[:24]}"] = resource.name
    rules = []
    for rule in resources(synthesis, RULE).values():
        arn = rule["actions"][0]["targetGroupArn"]
        target = next(name for prefix, name in arns.items() if arn.startswith(prefix + "/"))
        conditions = {k: v["values"] for c in rule["conditions"] for k, v in c.items()}
        rules.append((rule["priority"], conditions["pathPattern"], conditions.get("hostHeader", []), target))
    assert set(groups) == {r[3] for r in rules}
    return sorted(rules)


def test_elizabeth_backend_on_4092_with_api_health_and_frontend_on_4001_serving_root():
    groups = resources(synth_app("elizabeth"), TG)
    backend, frontend = groups["elizabeth-backend"], groups["elizabeth-frontend"]
    assert (backend["port"], backend["healthCheck"]["path"]) == (4092, "/api/v1/health")
    assert (frontend["port"], frontend["healthCheck"]["path"]) == (4001, "/")
    for group in (backend, frontend):
        assert group["targetType"] == "ip" and group["protocol"] == "HTTP"
        assert group["deregistrationDelay"] == 30
        assert group["healthCheck"]["matcher"] == "200-399"
    host = ["elizabeth.example.com"]
    assert rules_by_priority("elizabeth") == [
        (100, ["/api/v1/ws", "/api/v1/ws/*"], host, "elizabeth-backend"),
        (110, ["/api/v1", "/api/v1/*"], host, "elizabeth-backend"),
        (120, ["/*"], host, "elizabeth-frontend"),
    ]
    frontend_env = {
        e["name"]: e["value"] for e in container_definitions(synth_app("elizabeth"), "frontend")[0]["environment"]
    }
    assert frontend_env["INTERNAL_API_URL"] == "http://backend.elizabeth.test.internal:4092/api/v1"


def test_sparkle_gateway_serves_api_and_chat_backend_serves_docs_and_uploads_grpc_is_internal():
    synthesis = synth_app("sparkle")
    host = ["sparkle.example.com"]
    assert rules_by_priority("sparkle") == [
        (10, ["/health", "/health/*"], host, "sparkle-gateway"),  # the guide's /health -> /api/v1/health
        (100, ["/uploads", "/uploads/*"], host, "sparkle-backend"),
        (110, ["/ws/chat", "/ws/chat/*"], host, "sparkle-gateway"),
        (120, ["/api/v1", "/api/v1/*"], host, "sparkle-gateway"),
        (130, ["/docs", "/docs/*"], host, "sparkle-backend"),
    ]
    rewrite = resources(synthesis, RULE)["sparkle-rewrite-health"]
    assert rewrite["transforms"] == [{"type": "url-rewrite", "urlRewriteConfig": {
        "rewrite": {"regex": "^/health(.*)$", "replace": "/api/v1/health$1"}}}]
    groups = resources(synthesis, TG)
    assert sorted(groups) == ["sparkle-backend", "sparkle-gateway"]  # no target group for grpc-server
    assert (
        groups["sparkle-gateway"]["port"] == 8080
        and groups["sparkle-gateway"]["healthCheck"]["path"] == "/api/v1/health"
    )
    assert groups["sparkle-backend"]["port"] == 8000 and groups["sparkle-backend"]["healthCheck"]["path"] == "/docs"
    services = resources(synthesis, SERVICE)
    assert "loadBalancers" not in services["sparkle-grpc-server"]
    assert "healthCheckGracePeriodSeconds" not in services["sparkle-grpc-server"]
    gateway_env = {e["name"]: e["value"] for e in container_definitions(synthesis, "gateway")[0]["environment"]}
    assert gateway_env["AGENT_ADDRESS"] == "grpc-server.sparkle.test.internal:50051"
    discovery = resources(synthesis, "aws:servicediscovery/service:Service")
    assert discovery["sparkle-grpc-server"]["name"] == "grpc-server"
    assert discovery["sparkle-grpc-server"]["dnsConfig"]["dnsRecords"] == [{"ttl": 10, "type": "A"}]
    namespace = resources(synthesis, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")["sparkle"]
    assert namespace["name"] == "sparkle.test.internal" and namespace["vpc"] == "vpc-0fake000000000000"
    grpc = container_definitions(synthesis, "grpc-server")[0]
    assert grpc["portMappings"] == [
        {"name": "grpc-server", "containerPort": 50051, "protocol": "tcp", "appProtocol": "grpc"}
    ]
    assert grpc["entryPoint"] == ["python", "grpc_server.py"]


def test_zmage_worker_runs_three_tasks_with_no_load_balancer():
    synthesis = synth_app("zmage")
    worker = resources(synthesis, SERVICE)["zmage-worker"]
    assert worker["desiredCount"] == 3
    assert "loadBalancers" not in worker and "serviceRegistries" not in worker
    assert worker["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1}]
    definition = container_definitions(synthesis, "worker")[0]
    assert definition["portMappings"] == [] and definition["stopTimeout"] == 120
    assert "zmage-worker" not in resources(synthesis, TG)
    # web: CPU and ALB requests per target, from the spec
    policies = resources(synthesis, SCALING_POLICY)
    requests = policies["zmage-web-requests"]["targetTrackingScalingPolicyConfiguration"]
    assert requests["targetValue"] == 1000
    label = requests["predefinedMetricSpecification"]["resourceLabel"]
    assert label.startswith("app/zmage/") and "/targetgroup/zmage-web/" in label
    assert sorted(p for p in policies) == ["zmage-web-cpu", "zmage-web-requests"]


def test_small_squaretable_autoscales_3_to_10_on_cpu_and_memory_without_resetting_the_count():
    synthesis = synth_app("small-squaretable")
    target = resources(synthesis, SCALING_TARGET)["small-squaretable-app"]
    assert (target["minCapacity"], target["maxCapacity"]) == (3, 10)
    assert target["resourceId"] == "service/small-squaretable-test/app"
    assert target["scalableDimension"] == "ecs:service:DesiredCount" and target["serviceNamespace"] == "ecs"
    policies = resources(synthesis, SCALING_POLICY)
    tracked = {
        p["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"]["predefinedMetricType"]: p[
            "targetTrackingScalingPolicyConfiguration"
        ]["targetValue"]
        for p in policies.values()
    }
    assert tracked == {"ECSServiceAverageCPUUtilization": 70, "ECSServiceAverageMemoryUtilization": 80}
    (service,) = [r for r in synthesis.by_type(SERVICE)]
    assert unwrap(service.inputs)["desiredCount"] == 3
    assert service.options["ignore_changes"] == ["desiredCount"]
    group = resources(synthesis, TG)["small-squaretable-app"]
    assert (group["port"], group["healthCheck"]["path"]) == (3000, "/health")
    assert rules_by_priority("small-squaretable") == [
        (100, ["/*"], ["small-squaretable.example.com"], "small-squaretable-app")
    ]


def test_fixed_replicas_keep_their_desired_count_managed():
    synthesis = synth_app("claude-relay")
    services = {r.name: r for r in synthesis.by_type(SERVICE)}
    assert unwrap(services["claude-relay-app"].inputs)["desiredCount"] == 2
    assert unwrap(services["claude-relay-postgres-exporter"].inputs)["desiredCount"] == 1
    assert all(s.options["ignore_changes"] == [] for s in services.values())
    assert not synthesis.by_type(SCALING_TARGET)


def test_task_sizes_follow_the_spec_limits():
    sizes = {}
    for app in ("elizabeth", "sparkle", "zmage"):
        for r in synth_app(app).by_type("aws:ecs/taskDefinition:TaskDefinition"):
            inputs = unwrap(r.inputs)
            sizes[inputs["family"]] = (inputs["cpu"], inputs["memory"])
    assert sizes["elizabeth-test-backend"] == ("1024", "2048")  # the guide's Fargate task
    assert sizes["elizabeth-test-frontend"] == ("256", "512")
    assert sizes["sparkle-test-grpc-server"] == ("2048", "4096")
    assert sizes["zmage-test-worker"] == ("2048", "4096")


def test_a_rotated_secret_redeploys_the_service_without_revealing_it():
    from appstack.synth import Secret
    from tests.conftest import synth_config

    def web(gemini: str):
        synthesis = synth_config(platform="aws", apps={"zmage": {}},
                                 secrets={"zmage:GEMINI_API_KEY": gemini, "zmage:SENTRY_DSN": "https://k@sentry.example/1"})
        (service,) = [r for r in synthesis.by_type("aws:ecs/service:Service") if r.name == "zmage-web"]
        return service.inputs

    before, after = web("gemini-key-one"), web("gemini-key-two")
    assert before["forceNewDeployment"] is True
    digest = before["triggers"]["secret-env"]
    assert not isinstance(digest, Secret) and len(digest) == 64 and "gemini" not in digest
    assert digest != after["triggers"]["secret-env"]
