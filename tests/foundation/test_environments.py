"""Stack modes: an environment stack owns what apps share, app stacks attach to it (docs/environments.md)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from appstack.components.aws.compute.load_balancer import route_rules

from appstack.environment import EnvironmentApp, EnvironmentSettings
from appstack.errors import ConfigError
from appstack.plan import app_of, plan_json
from appstack.stackconfig import StackSettings, load_stack
from appstack.synth import reveal, stack_config, synthesize
from tests.conftest import synth_stack as root_stack

ROOT = Path(__file__).resolve().parents[2]
SPLIT = ROOT / "environments" / "prod-split"  # prod split into prod-env and one stack per app
K8S_SPLIT = ROOT / "environments" / "prod-k8s-split"  # prod-k8s split into prod-k8s-env and one stack per app
_SPLIT: dict[str, object] = {}


def _project(name: str) -> Path | None:
    return next((p for p in (SPLIT, K8S_SPLIT) if (p / f"Pulumi.{name}.yaml").is_file()), None)


def synth_stack(name: str):
    """A stack of the root project (prod, prod-k8s) or of a shipped split, planned once per session."""
    project = _project(name)
    if project is None:
        return root_stack(name)
    if name not in _SPLIT:
        _SPLIT[name] = synthesize(name, project=project)
    return _SPLIT[name]
APPS = ("small-squaretable", "claude-relay", "sparkle", "elizabeth", "zmage")
BLOCKS = {"small-squaretable": 1, "claude-relay": 2, "sparkle": 3, "elizabeth": 4, "zmage": 5}
RULE = "aws:lb/listenerRule:ListenerRule"
# What a single stack gives each app and an app stack takes from its environment instead.
SHARED_TYPES = {
    "appstack:aws:AlarmTopic", "appstack:aws:AlbAccessLogBucket", "aws:ec2/securityGroup:SecurityGroup",
    "aws:ecs/cluster:Cluster", "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:lb/listener:Listener", "aws:lb/loadBalancer:LoadBalancer", "aws:sns/topic:Topic",
    "aws:sns/topicPolicy:TopicPolicy", "aws:s3/bucket:Bucket", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
}
# Inputs that name a shared piece (the topic, cluster, listener, ALB group and metrics) or its block.
SHARED_INPUTS = {
    ("aws:cloudwatch/metricAlarm:MetricAlarm", f)
    for f in ("alarmActions", "okActions", "dimensions", "metricQueries", "metricName", "namespace", "period",
              "extendedStatistic")
} | {
    ("aws:amp/alertManagerDefinition:AlertManagerDefinition", "definition"),
    ("aws:appautoscaling/policy:Policy", "resourceId"),
    ("aws:appautoscaling/policy:Policy", "targetTrackingScalingPolicyConfiguration"),
    ("aws:appautoscaling/target:Target", "resourceId"),
    ("aws:cloudwatch/dashboard:Dashboard", "dashboardBody"),
    ("aws:ecs/service:Service", "cluster"), ("aws:ecs/service:Service", "name"),
    (RULE, "listenerArn"), (RULE, "priority"),
    ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "securityGroupId"),
    ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "referencedSecurityGroupId"),
}


def _app_resources(synthesis, app: str) -> dict[str, object]:
    """The app's resources by URN without the stack and project (the same in both modes)."""
    by_urn = {r.urn: r for r in synthesis.resources}
    return {r.urn.split("::", 2)[2]: r for r in synthesis.resources if app_of(r, by_urn) == app}


def test_single_mode_stated_or_not_plans_byte_for_byte_the_same():
    config, secrets = stack_config("prod-k8s")
    stated = synthesize("prod-k8s", config={**config, "appstack:mode": "single"}, secret_keys=secrets)
    default = synth_stack("prod-k8s")
    assert plan_json(stated, stated.model) == plan_json(default, default.model)
    assert default.model.link is None and default.model.resource_name == "prod-k8s"
    assert not [r for r in synth_stack("prod").resources if r.type.startswith("appstack:aws:SharedServices")]
    assert "priority_blocks" not in synth_stack("prod").outputs


def test_the_environment_stack_owns_the_shared_pieces_and_exports_them():
    env = synth_stack("prod-env")
    counts = Counter(r.type for r in env.resources)
    assert env.model.settings.mode == "environment" and env.model.apps == {}
    assert (counts["aws:ec2/vpc:Vpc"], counts["aws:ec2/natGateway:NatGateway"], counts["aws:ecs/cluster:Cluster"],
            counts["aws:lb/loadBalancer:LoadBalancer"], counts["aws:lb/listener:Listener"],
            counts["aws:sns/topic:Topic"], counts[RULE], counts["appstack:app:Application"]) == (1, 3, 1, 1, 2, 1, 0, 0)
    # The network keeps the names the single stack gives it: `pulumi state move` carries it over unchanged.
    prod = {r.urn.split("::", 2)[2] for r in synth_stack("prod").resources if r.type.startswith("aws:ec2/")
            and "aws-shared" not in r.name and r.parent and "appstack:aws:Network" in r.urn}
    assert prod <= {r.urn.split("::", 2)[2] for r in env.resources}
    https = env.named("aws-shared-edge-https", "aws:lb/listener:Listener").inputs
    assert (https["port"], https["protocol"], https["sslPolicy"]) == (443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert https["routingHttpResponseXFrameOptionsHeaderValue"] == "SAMEORIGIN"
    http = env.named("aws-shared-edge-http", "aws:lb/listener:Listener").inputs
    assert http["defaultActions"][0]["redirect"] == {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}
    alb = env.by_type("aws:lb/loadBalancer:LoadBalancer")[0].inputs
    assert (alb["idleTimeout"], alb["accessLogs"]["enabled"], alb["accessLogs"]["prefix"]) == (4000, True, "prod")
    cluster = env.by_type("aws:ecs/cluster:Cluster")[0].inputs
    assert cluster["name"] == "prod-shared"
    outputs = reveal(env.outputs)
    assert outputs["priority_blocks"] == {app: [b * 1000, b * 1000 + 999] for app, b in BLOCKS.items()}
    assert (outputs["platform"], outputs["environment"], outputs["cluster_name"]) == ("aws", "prod", "prod-shared")
    assert len(outputs["private_subnet_ids"]) == 3 and outputs["endpoint_security_group_id"] == "aws-endpoints-id"


@pytest.mark.parametrize("app", ["zmage", "elizabeth"])
def test_an_app_stack_plans_the_same_app_resources_as_the_single_stack_modulo_the_shared_pieces(app):
    single, split = _app_resources(synth_stack("prod"), app), _app_resources(synth_stack(f"prod-{app}"), app)
    only_single = {key for key in set(single) - set(split)}
    assert {single[k].type for k in only_single} <= SHARED_TYPES
    assert {single[k].type for k in only_single} >= {"aws:lb/loadBalancer:LoadBalancer", "aws:ecs/cluster:Cluster"}
    assert [split[k].type for k in set(split) - set(single)] == ["aws:lb/listenerCertificate:ListenerCertificate"]
    differing = {(single[k].type, field) for k in set(single) & set(split)
                 for field in set(single[k].inputs) | set(split[k].inputs)
                 if single[k].inputs.get(field) != split[k].inputs.get(field)}
    assert differing <= SHARED_INPUTS
    # The data layer is the same, names and inputs: RDS, secrets, buckets, keys.
    assert ("aws:rds/instance:Instance", "identifier") not in differing


def test_an_app_stack_reads_its_environment_and_attaches_to_the_shared_listener():
    outputs = reveal(synth_stack("prod-env").outputs)
    zmage = synth_stack("prod-zmage")
    counts = Counter(r.type for r in zmage.resources)
    assert (counts["aws:ec2/vpc:Vpc"], counts["aws:lb/loadBalancer:LoadBalancer"], counts["aws:ecs/cluster:Cluster"],
            counts["aws:sns/topic:Topic"]) == (0, 0, 0, 0)
    assert zmage.model.resource_name == "prod" and zmage.model.link.stack == "prod-env"
    document = json.loads(plan_json(zmage, zmage.model))
    assert (document["mode"], document["environment"]) == (
        "app", {"stack": "prod-env", "name": "prod", "listener_priorities": [5000, 5999]})
    assert "mode" not in json.loads(plan_json(root_stack("prod"), root_stack("prod").model))
    certificate = zmage.named("zmage-certificate", "aws:lb/listenerCertificate:ListenerCertificate").inputs
    assert certificate["listenerArn"] == outputs["https_listener_arn"]
    service = zmage.named("zmage-web", "aws:ecs/service:Service").inputs
    assert (service["name"], service["cluster"]) == ("zmage-web", outputs["cluster_arn"])
    assert service["networkConfiguration"]["subnets"] == outputs["private_subnet_ids"]
    # The workload accepts traffic only from the shared ALB's group.
    ingress = [r.inputs for r in zmage.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if "load balancer" in r.inputs.get("description", "")]
    assert ingress and {i["referencedSecurityGroupId"] for i in ingress} == {outputs["alb_security_group_id"]}
    alarm = zmage.named("zmage-alb-5xx", "aws:cloudwatch/metricAlarm:MetricAlarm").inputs
    assert alarm["alarmActions"] == [outputs["alarm_topic_arn"]]
    assert {q["metric"]["dimensions"]["TargetGroup"] for q in alarm["metricQueries"] if "metric" in q}


def test_every_route_of_every_app_has_one_rule_on_the_shared_listener_in_its_own_block():
    listener = reveal(synth_stack("prod-env").outputs)["https_listener_arn"]
    priorities: list[int] = []
    for app in APPS:
        plan = synth_stack(f"prod-{app}")
        spec = plan.model.apps[app]
        rules = {r.name: r.inputs for r in plan.by_type(RULE)}
        expected = route_rules(spec, with_hosts=True)
        edge = len(spec.edge.rewrites) + len(spec.edge.redirects)  # rewrite/redirect rules, offsets 10-99
        assert len(rules) == len(expected) + edge > 0
        block = range(BLOCKS[app] * 1000, BLOCKS[app] * 1000 + 1000)
        assert all(r["priority"] in block for r in rules.values())
        for route in expected:
            rule = rules[f"{app}-{route.service}-{route.priority}"]  # the single stack's name
            assert rule["listenerArn"] == listener
            assert rule["priority"] == BLOCKS[app] * 1000 + route.priority
            assert {"hostHeader": {"values": [route.host]}} in rule["conditions"]
            assert {"pathPattern": {"values": route.path_patterns}} in rule["conditions"]
        priorities += [r["priority"] for r in rules.values()]
    assert len(priorities) == len(set(priorities))


def _settings(**raw) -> StackSettings:
    return StackSettings.model_validate({"platform": "aws", "tier": "prod", "domain": "example.com", **raw})


def _load(config: dict, environment: StackSettings | None = None):
    full = {f"appstack:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    return load_stack("prod-x", full.get, all_keys=sorted(full), blueprints_dir=ROOT / "apps", project_root=SPLIT,
                      load_environment=None if environment is None else (lambda _: (environment, [])))


ENV = _settings(mode="environment", environment={"apps": {"zmage": {"priority_block": 5}}})
APP = {"platform": "aws", "tier": "prod", "domain": "example.com", "mode": "app"}


@pytest.mark.parametrize(("config", "environment", "path", "message"), [
    ({**APP, "environment": {"stack": "prod-env"}, "apps": {"zmage": {}, "sparkle": {}}}, ENV,
     "appstack:apps", "an app stack deploys exactly one app, got 2 (sparkle, zmage)"),
    ({**APP, "apps": {"zmage": {}}}, None, "appstack:environment", "mode app needs appstack:environment with stack"),
    ({**APP, "environment": {"stack": "nope"}, "apps": {"zmage": {}}}, None,
     "appstack:environment.stack", "no stack file Pulumi.nope.yaml; stacks: prod-claude-relay, prod-elizabeth,"),
    ({**APP, "environment": {"stack": "prod-sparkle"}, "apps": {"zmage": {}}}, None,
     "appstack:environment.stack", "stack prod-sparkle is mode app, not an environment stack"),
    ({**APP, "environment": {"stack": "prod-env"}, "apps": {"sparkle": {}}}, ENV,
     "apps.sparkle", "environment prod-env declares no priority block for this app"),
    ({**APP, "environment": {"stack": "prod-env"}, "apps": {"zmage": {}}, "tier": "dev"}, ENV,
     "appstack:tier", "dev, but environment prod-env is prod"),
    ({**APP, "environment": {"stack": "prod-env"}, "apps": {"zmage": {}}, "aws": {"nat_gateways": "single"}}, ENV,
     "appstack:aws.nat_gateways", "belongs to the environment stack"),
    ({**APP, "mode": "environment", "environment": {"apps": {"zmage": {"priority_block": 2},
                                                            "sparkle": {"priority_block": 2}}}}, None,
     "appstack:environment.apps.zmage.priority_block", "block 2 is also app sparkle's: listener rule priorities"),
    ({**APP, "mode": "environment", "environment": {"apps": {"zmage": {"priority_block": 50}}}}, None,
     "appstack:environment.apps.zmage.priority_block", "less than or equal to 49"),
    ({**APP, "mode": "environment", "environment": {"apps": {"zmage": {"priority_block": 1}}},
      "apps": {"zmage": {}}}, None, "appstack:apps", "an environment stack deploys no app"),
    ({**APP, "mode": "single", "environment": {"stack": "prod-env"}, "apps": {"zmage": {}}}, None,
     "appstack:environment", "only for mode environment or app"),
    ({**APP, "environment": {"stack": "prod-env", "name": "prod"}, "apps": {"zmage": {}}}, ENV,
     "appstack:environment.name", "only for mode environment"),
    ({**APP, "environment": {"stack": "prod-env"}, "apps": {"sparkle": {}}},
     _settings(mode="environment", environment={"apps": {"sparkle": {"priority_block": 3}}}),
     "apps.sparkle.edge", "needs an ALB idle timeout of 4000 s; environment prod-env has 60 s"),
    ({**APP, "environment": {"stack": "prod-env"}, "apps": {"sparkle": {}}},
     _settings(mode="environment", environment={"idle_timeout_seconds": 4000,
                                                 "apps": {"sparkle": {"priority_block": 3}}}),
     "apps.sparkle.edge.security_headers.frame_options", "X-Frame-Options SAMEORIGIN asked"),
])
def test_mode_mistakes_are_readable_config_errors(config, environment, path, message):
    with pytest.raises(ConfigError) as error:
        _load(config, environment)
    assert any(p.path == path and message in p.message for p in error.value.problems), error.value.render()


def test_an_app_denying_frames_on_a_sameorigin_listener_is_warned_not_refused():
    env = _settings(mode="environment", environment={"security_headers": {"frame_options": "SAMEORIGIN"},
                                                     "apps": {"zmage": {"priority_block": 5}}})
    stack = _load({**APP, "environment": {"stack": "prod-env"}, "apps": {"zmage": {}}}, env)
    assert stack.warnings == ("apps.zmage.edge.security_headers.frame_options: X-Frame-Options DENY asked, the shared "
                              "listener of prod-env sends SAMEORIGIN for every app",)
    assert stack.link.first_priority == 5000 and stack.resource_name == "prod-env"


def test_environment_settings_defaults():
    settings = EnvironmentSettings(apps={"zmage": EnvironmentApp(priority_block=1)})
    assert (settings.idle_timeout_seconds, settings.security_headers.frame_options, settings.stack) == (60, "DENY", None)


def _stacks(project: Path) -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in project.glob("Pulumi.*.yaml"))


SPLIT_STACKS = _stacks(SPLIT)
K8S_SPLIT_STACKS = _stacks(K8S_SPLIT)


def test_the_prod_split_is_an_environment_and_one_stack_per_prod_app():
    assert sorted(["prod-env", *(f"prod-{app}" for app in APPS)]) == SPLIT_STACKS
    assert sorted(root_stack("prod").model.apps) == sorted(APPS)
    assert sorted(["prod-k8s-env", *(f"prod-k8s-{app}" for app in APPS)]) == K8S_SPLIT_STACKS
    assert sorted(root_stack("prod-k8s").model.apps) == sorted(APPS)
    assert sorted(p.stem for p in (K8S_SPLIT / "policies" / "config").glob("*.json")) == K8S_SPLIT_STACKS


@pytest.mark.parametrize("name", SPLIT_STACKS + K8S_SPLIT_STACKS)
def test_the_prod_split_plans_without_provider_findings_or_mandatory_violations(name, capsys):
    from appstack.policy_check import run_policies
    from appstack.provider_checks import check

    synthesis = synth_stack(name)
    assert [str(f) for f in check(synthesis)] == []
    assert run_policies(synthesis, synthesis.model, _project(name) / "policies" / "config") == 0
    assert "0 mandatory" in capsys.readouterr().out


def test_on_kubernetes_the_environment_installs_monitoring_and_app_stacks_never_do(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text(f"name: appstack\nruntime: python\nconfig:\n  appstack:blueprints: {ROOT / 'apps'}\n")
    common = {"appstack:platform": "kubernetes", "appstack:tier": "dev", "appstack:domain": "localtest.me",
              "appstack:kubernetes": {"context": "kind", "observability": {"enabled": True, "install_stack": True}}}
    (tmp_path / "Pulumi.dev-env.yaml").write_text(json.dumps({"config": {
        **common, "appstack:mode": "environment", "appstack:environment": {"apps": {"small-squaretable": {
            "priority_block": 1}}}}}))
    (tmp_path / "Pulumi.dev-sq.yaml").write_text(json.dumps({"config": {
        **common, "appstack:mode": "app", "appstack:environment": {"stack": "dev-env"},
        "appstack:apps": {"small-squaretable": {}}}}))
    env, app = synthesize("dev-env", project=tmp_path), synthesize("dev-sq", project=tmp_path)
    release = "kubernetes:helm.sh/v3:Release"
    assert (len(env.by_type(release)), len(app.by_type(release))) == (1, 0)
    assert reveal(env.outputs)["monitoring_namespace"] == "monitoring" and "appstack:app:Application" not in {
        r.type for r in env.resources}
    assert [r.name for r in app.by_type("appstack:app:Application")] == ["small-squaretable"]
    assert app.model.resource_name == "dev-env"


MONITORING = "kubernetes:helm.sh/v3:Release"


def test_the_prod_k8s_environment_installs_monitoring_once_and_app_stacks_attach_to_it():
    env = synth_stack("prod-k8s-env")
    assert (env.model.settings.mode, env.model.apps, env.model.resource_name) == ("environment", {}, "prod-k8s")
    assert [r.name for r in env.by_type(MONITORING)] == ["kube-prometheus-stack"]
    # Everything the environment plans, prod-k8s plans under the same URN (`pulumi state move` keeps it).
    assert {r.urn.split("::", 2)[2] for r in env.resources} <= {r.urn.split("::", 2)[2]
                                                                for r in synth_stack("prod-k8s").resources}
    assert reveal(env.outputs) == {
        "platform": "kubernetes", "environment": "prod-k8s", "context": "prod", "namespace_prefix": "prod-",
        "monitoring_namespace": "monitoring", "monitoring_release": env.by_type(MONITORING)[0].urn}
    for app in APPS:
        plan = synth_stack(f"prod-k8s-{app}")
        assert (plan.model.resource_name, plan.model.link.stack, plan.by_type(MONITORING)) == ("prod-k8s", "prod-k8s-env", [])
        assert [r.name for r in plan.by_type("appstack:app:Application")] == [app]
    # prod's Redis speaks TLS: the Node apps keep the CA override of Pulumi.prod-k8s.yaml.
    node = {app for app in APPS if synth_stack(f"prod-k8s-{app}").model.apps[app].env.get("NODE_EXTRA_CA_CERTS")}
    assert node == {"small-squaretable", "claude-relay", "zmage"}


@pytest.mark.parametrize("app", APPS)
def test_a_kubernetes_app_stack_plans_the_same_app_resources_as_prod_k8s(app):
    single, split = _app_resources(synth_stack("prod-k8s"), app), _app_resources(synth_stack(f"prod-k8s-{app}"), app)
    assert len(single) > 40 and set(single) == set(split)
    assert {k for k in single if single[k].inputs != split[k].inputs} == set()
    protected = {k for k in single if single[k].options.get("protect")}
    assert protected and protected == {k for k in split if split[k].options.get("protect")}
    # The one shared piece: the single stack's monitors and rules wait for its chart (its CRDs); an app
    # stack's wait for nothing, as prod-k8s-env deploys the chart first.
    release = synth_stack("prod-k8s").by_type(MONITORING)[0].urn
    waits = {k for k in single if release in single[k].dependencies}
    assert "kubernetes:monitoring.coreos.com/v1:ServiceMonitor" in {single[k].type for k in waits}
    assert {single[k].type for k in waits} <= {"kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
                                               "kubernetes:monitoring.coreos.com/v1:PrometheusRule"}
    assert not [k for k in split if any("helm.sh" in d for d in split[k].dependencies)]


KUBE = {"platform": "kubernetes", "tier": "prod", "domain": "example.com", "mode": "app",
        "environment": {"stack": "prod-k8s-env"}, "apps": {"zmage": {}}}
KUBE_ENV = StackSettings.model_validate({
    "platform": "kubernetes", "tier": "prod", "domain": "example.com", "mode": "environment",
    "kubernetes": {"context": "prod", "namespace_prefix": "prod-", "observability": {"enabled": True}},
    "environment": {"apps": {"zmage": {"priority_block": 5}}}})


@pytest.mark.parametrize(("kubernetes", "path", "message"), [
    ({"context": "staging", "namespace_prefix": "prod-"}, "appstack:kubernetes.context",
     "'staging', but environment prod-k8s-env has 'prod'"),
    ({"context": "prod"}, "appstack:kubernetes.namespace_prefix", "'', but environment prod-k8s-env has 'prod-'"),
    ({"context": "prod", "namespace_prefix": "prod-", "observability": {"enabled": True, "namespace": "prom"}},
     "appstack:kubernetes.observability.namespace", "'prom', but environment prod-k8s-env has 'monitoring'"),
    ({"context": "prod", "namespace_prefix": "prod-", "observability": {"enabled": True, "release_label": "x"}},
     "appstack:kubernetes.observability.release_label", "'x', but environment prod-k8s-env has"),
])
def test_a_kubernetes_app_stack_on_another_cluster_or_prometheus_than_its_environment_is_refused(
        kubernetes, path, message):
    config = {**KUBE, "kubernetes": {**kubernetes, "object_storage": {"credentials": "static"}}}
    with pytest.raises(ConfigError) as error:
        _load(config, KUBE_ENV)
    assert [(p.path, message in p.message) for p in error.value.problems] == [(path, True)], error.value.render()


def _scraped_from(plan) -> set[str]:
    """The namespaces zmage's service policies let scrape its metrics (their only namespace-only rules)."""
    services = {f"zmage-allow-{name}" for name in plan.model.apps["zmage"].services}
    return {peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for policy in plan.by_type("kubernetes:networking.k8s.io/v1:NetworkPolicy") if policy.name in services
            for rule in policy.inputs["spec"].get("ingress", []) for peer in rule["from"]
            if len(rule["from"]) == 1 and "namespaceSelector" in peer and "podSelector" not in peer}


def test_a_kubernetes_app_stack_lets_in_the_prometheus_its_environment_outputs_name(monkeypatch):
    import appstack.synth as synth

    assert _scraped_from(synth_stack("prod-k8s-zmage")) == {reveal(synth_stack("prod-k8s-env").outputs)[
        "monitoring_namespace"]} == {"monitoring"}
    # The app stack's plan reads the environment's plan outputs (a StackReference), not its own config.
    outputs = synth.stack_outputs(synth_stack("prod-k8s-env"))
    monkeypatch.setattr(synth, "_environment_outputs", lambda *_: {**outputs, "monitoring_namespace": "prom-env"})
    assert _scraped_from(synthesize("prod-k8s-zmage", project=K8S_SPLIT)) == {"prom-env"}
    # An environment that does not install the chart exports no namespace: the app's own setting holds.
    monkeypatch.setattr(synth, "_environment_outputs", lambda *_: {**outputs, "monitoring_namespace": None})
    assert _scraped_from(synthesize("prod-k8s-zmage", project=K8S_SPLIT)) == {"monitoring"}
