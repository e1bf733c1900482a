"""Small hand-made appstack plans for the plan-diff tests."""

from __future__ import annotations

import copy
import json
from typing import Any

APP = "appstack:app:Application"


def urn(stack: str, type_token: str, name: str, parent_type: str | None = APP) -> str:
    qualified = f"{parent_type}${type_token}" if parent_type else type_token
    return f"urn:pulumi:{stack}::appstack::{qualified}::{name}"


def resource(stack: str, type_token: str, name: str, inputs: dict[str, Any],
             **options: Any) -> dict[str, Any]:
    opts = {"protect": False, "retain_on_delete": False, "ignore_changes": [], "replace_on_changes": [],
            "delete_before_replace": False, "provider": None, "aliases": [],
            "additional_secret_outputs": []}
    opts.update(options)
    return {"urn": urn(stack, type_token, name), "type": type_token, "name": name, "custom": True,
            "parent": f"urn:pulumi:{stack}::appstack::{APP}::zmage", "inputs": inputs,
            "dependencies": [], "options": opts}


def plan(stack: str, platform: str, resources: list[dict[str, Any]], **outputs: Any) -> dict[str, Any]:
    component = {"urn": f"urn:pulumi:{stack}::appstack::{APP}::zmage", "type": APP, "name": "zmage",
                 "custom": False, "parent": None, "inputs": {}, "dependencies": [], "options": {}}
    return {"format": "appstack.plan/v1", "stack": stack, "platform": platform,
            "tier": "dev" if stack == "dev" else "prod", "apps": ["zmage"],
            "resources": [component, *resources], "outputs": outputs}


def k8s_plan(image: str = "ghcr.io/acme/zmage:1.0.0") -> dict[str, Any]:
    deployment = resource("dev", "kubernetes:apps/v1:Deployment", "zmage-web", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "zmage-web", "namespace": "zmage",
                     "labels": {"app.kubernetes.io/name": "zmage"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "zmage-web"}},
                 "template": {"metadata": {"labels": {"app": "zmage-web"}},
                              "spec": {"containers": [{"name": "web", "image": image,
                                                       "ports": [{"containerPort": 8080}]}]}}},
    })
    secret = resource("dev", "kubernetes:core/v1:Secret", "zmage-db", {
        "metadata": {"name": "zmage-db", "namespace": "zmage"},
        "stringData": "[secret]", "type": "Opaque"})
    pvc = resource("dev", "kubernetes:core/v1:PersistentVolumeClaim", "zmage-uploads", {
        "metadata": {"name": "zmage-uploads", "namespace": "zmage"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                 "resources": {"requests": {"storage": "10Gi"}}}})
    return plan("dev", "kubernetes", [deployment, secret, pvc], url="https://zmage.dev.example.com")


CONTAINERS = [{"name": "web", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/zmage:1.0.0",
               "essential": True, "portMappings": [{"containerPort": 8080}],
               "secrets": [{"name": "DATABASE_URL",
                            "valueFrom": "arn:aws:secretsmanager:eu-west-1:1:secret:db"}]}]


def aws_plan(image_tag: str = "1.0.0", engine: str = "postgres", encrypted: bool = True,
             with_bucket: bool = True, password: str = "[secret]") -> dict[str, Any]:
    containers = copy.deepcopy(CONTAINERS)
    containers[0]["image"] = containers[0]["image"].rsplit(":", 1)[0] + ":" + image_tag
    resources = [
        resource("prod", "aws:ecs/taskDefinition:TaskDefinition", "zmage-web", {
            "family": "zmage-web", "cpu": "512", "memory": "1024", "networkMode": "awsvpc",
            "containerDefinitions": json.dumps(containers)}),
        resource("prod", "aws:rds/instance:Instance", "zmage-db", {
            "engine": engine, "engineVersion": "16.4", "instanceClass": "db.t4g.medium",
            "allocatedStorage": 50, "storageEncrypted": encrypted, "kmsKeyId": "[unknown]",
            "dbName": "zmage", "username": "zmage", "password": password,
            "tags": {"app": "zmage"}}, protect=True, ignore_changes=["allocatedStorage"]),
    ]
    if with_bucket:
        resources.append(resource("prod", "aws:s3/bucket:Bucket", "zmage-media",
                                  {"bucketPrefix": "zmage-media-", "forceDestroy": False}))
    return plan("prod", "aws", resources, url="https://zmage.example.com")
