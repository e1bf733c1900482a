"""Kubernetes name rules the schemas omit, and plan-wide collisions (table-driven)."""

from __future__ import annotations

import json

import pytest

from .helpers import kubernetes_object, messages, planned

POD = {"containers": [{"name": "app", "image": "app:1"}]}


def deployment(name: str = "web", pod: dict | None = None, **metadata) -> dict:
    return {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name, **metadata}}, "spec": pod or POD}}


CASES = [
    (kubernetes_object("v1", "Service", "9web", spec={"ports": [{"port": 80}]}), "metadata.name", "DNS-1035"),
    (kubernetes_object("v1", "Namespace", "n" * 64, namespace=None), "metadata.name", "at most 63"),
    (kubernetes_object("v1", "Namespace", "kube-system", namespace=None), "metadata.name", "Kubernetes itself uses"),
    (kubernetes_object("batch/v1", "CronJob", "c" * 53, spec={"schedule": "0 3 * * *", "jobTemplate": {
        "spec": {"template": {"spec": {**POD, "restartPolicy": "Never"}}}}}), "metadata.name", "at most 52"),
    (kubernetes_object("apps/v1", "StatefulSet", "s" * 53, spec={**deployment("s"), "serviceName": "s"}),
     "metadata.name", "at most 52"),
    (kubernetes_object("apps/v1", "Deployment", "Web", spec=deployment()), "metadata.name", "DNS-1123"),
    (kubernetes_object("apps/v1", "Deployment", "web", spec=deployment(tier="x" * 64)),
     "spec.template.metadata.labels.tier", "at most 63"),
    (kubernetes_object("apps/v1", "Deployment", "web", spec=deployment(pod={"containers": [
        {"name": "app", "image": "app:1", "ports": [{"containerPort": 80, "name": "metrics-endpoint"}]}]})),
     "spec.template.spec.containers[0].ports[0].name", "IANA service name"),
    (kubernetes_object("apps/v1", "Deployment", "web", spec=deployment(pod={"containers": [
        {"name": "app", "image": "app:1", "env": [{"name": "1X", "value": "v"}]}]})),
     "spec.template.spec.containers[0].env[0].name", "not a valid env var name"),
    (kubernetes_object("apps/v1", "Deployment", "web", spec={**deployment(), "replica": 2}), "spec", "replica"),
    (kubernetes_object("v1", "ConfigMap", "c", data={"a b": "x"}), "data.a b", "keys must be"),
    (kubernetes_object("networking.k8s.io/v1", "Ingress", "i", spec={"ingressClassName": "Nginx_1", "rules": [
        {"host": "10.0.0.1"}]}), "spec.ingressClassName", "IngressClass name"),
    (kubernetes_object("networking.k8s.io/v1", "Ingress", "i", spec={"rules": [{"host": "10.0.0.1"}]}),
     "spec.rules[0].host", "not an IP address"),
    (kubernetes_object("cert-manager.io/v1", "Certificate", "c", spec={"secretName": "s"}), "spec", "issuerRef"),
    (kubernetes_object("example.com/v1", "Widget", "w", spec={}), "", "no schema known"),
]


@pytest.mark.parametrize(("resource", "path", "words"), CASES, ids=[f"{c[0].inputs['kind']}-{c[2]}" for c in CASES])
def test_kubernetes_rules(resource, path, words):
    found = messages(resource)
    assert any(m.startswith(f"{path}: ") and words in m for m in found), found


def test_a_valid_deployment_has_no_findings():
    assert messages(kubernetes_object("apps/v1", "Deployment", "web", spec=deployment())) == []


def test_prometheus_rule_labels_are_not_kubernetes_labels():
    rule = kubernetes_object("monitoring.coreos.com/v1", "PrometheusRule", "alerts", spec={"groups": [{
        "name": "g", "rules": [{"alert": "A", "expr": "up == 0", "labels": {"namespace": "n" * 70}}]}]})
    assert messages(rule) == []


LOG = "aws:cloudwatch/logGroup:LogGroup"
TASK = "aws:ecs/taskDefinition:TaskDefinition"


def test_two_resources_with_one_urn():
    first, second = planned("aws:lb/targetGroup:TargetGroup", "zz-a-web", {}), planned(
        "aws:lb/targetGroup:TargetGroup", "zz-a-web", {})
    assert any("2 resources register the URN" in m for m in messages(first, second))


@pytest.mark.parametrize(("resources", "words"), [
    ([planned(LOG, "a", {"name": "/appstack/prod/zz/a-web"}), planned(LOG, "b", {"name": "/appstack/prod/zz/a-web"})],
     "the name '/appstack/prod/zz/a-web' is also claimed by aws:cloudwatch/logGroup:LogGroup b"),
    ([planned("aws:ecs/service:Service", "a", {"name": "web", "cluster": "c1"}),
      planned("aws:ecs/service:Service", "b", {"name": "web", "cluster": "c1"})], "the name 'web'"),
    ([planned("aws:lb/listenerRule:ListenerRule", "a", {"priority": 100, "listenerArn": "l"}),
      planned("aws:lb/listenerRule:ListenerRule", "b", {"priority": 100, "listenerArn": "l"})], "the name '100'"),
    ([planned("aws:rds/instance:Instance", "a", {"identifier": "a", "finalSnapshotIdentifier": "s"}),
      planned("aws:rds/instance:Instance", "b", {"identifier": "b", "finalSnapshotIdentifier": "s"})], "the name 's'"),
    ([planned(TASK, "t", {"family": "f", "volumes": [{"name": "w-a-b"}, {"name": "w-a-b"}]})],
     "two volumes are named 'w-a-b'"),
    ([planned(TASK, "t", {"family": "f", "containerDefinitions": json.dumps([
        {"name": "app", "mountPoints": [{"sourceVolume": "missing", "containerPath": "/x"}]}])})],
     "mounts undeclared volume 'missing'"),
    ([kubernetes_object("v1", "ServiceAccount", "postgres"), kubernetes_object("v1", "ServiceAccount", "postgres")],
     "the ServiceAccount dev-app/ 'postgres' is claimed 2 times"),
    ([kubernetes_object("apps/v1", "Deployment", "web", spec=deployment(pod={
        "containers": [{"name": "app", "image": "a:1", "volumeMounts": [{"name": "w-tmp", "mountPath": "/tmp"}]}],
        "volumes": [{"name": "w-tmp", "emptyDir": {}}, {"name": "w-tmp", "emptyDir": {}}]}))],
     "two volumes are named 'w-tmp'"),
])
def test_collisions(resources, words):
    found = messages(*resources)
    assert any(words in m for m in found), found


def test_distinct_names_in_different_scopes_do_not_collide():
    assert messages(planned("aws:ecs/service:Service", "a", {"name": "web", "cluster": "c1"}),
                    planned("aws:ecs/service:Service", "b", {"name": "web", "cluster": "c2"}),
                    kubernetes_object("v1", "ServiceAccount", "web"),
                    kubernetes_object("v1", "ServiceAccount", "web", namespace="dev-other")) == []
