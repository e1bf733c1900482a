"""The sixth app: a shape appstack does not ship, written from the docs in a scaffolded project outside the
repository, added to dev and prod, planned on both platforms, customised through each extension point.

Django web + Celery worker + Celery beat (a singleton) + a nightly report (a schedule) + PostgreSQL +
Redis + a private bucket + SMTP (an outbound rule). Extension points: the spec's `egress`, a stack
override (`appstack:overrides`) and a Python transform (`appstack:transforms`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from tests.delivery.test_wheel_install import _run

ACCOUNTS_SQL = "CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n"
LEDGER = """\
# Ledger: Django bookkeeping with Celery (written from docs/spec.md only).
name: ledger
description: Django web, Celery worker and beat, a nightly report
images:
  app:
    build: {context: ., dockerfile: Dockerfile}
    tag: "1.4.2"
env:
  DJANGO_SETTINGS_MODULE: ledger.settings.production
  DATABASE_URL: ${postgres.url}
  CELERY_BROKER_URL: ${redis.url}
  AWS_STORAGE_BUCKET_NAME: ${storage.documents.bucket}
  DJANGO_SECRET_KEY: ${secrets.DJANGO_SECRET_KEY}
  EMAIL_HOST: smtp.example.com
  EMAIL_PORT: "587"
  EMAIL_HOST_PASSWORD: ${secrets.SMTP_PASSWORD}
services:
  web:
    image: app
    command: [gunicorn, ledger.wsgi, --bind, "0.0.0.0:8000"]
    port: 8000
    routes: [{path: /}]
    health:
      liveness: {http: /healthz}
      readiness: {http: /healthz}
workers:
  celery:
    image: app
    command: [celery, -A, ledger, worker, --concurrency, "4"]
    replicas: 2
    health:
      liveness: {command: [celery, -A, ledger, inspect, ping]}
  beat:
    image: app
    command: [celery, -A, ledger, beat, --schedule, /tmp/celerybeat-schedule]
    singleton: true          # two beats would send every periodic task twice
jobs:
  migrate:
    image: app
    command: [python, manage.py, migrate, --noinput]
schedules:
  nightly-report:
    image: app
    command: [python, manage.py, nightly_report]
    cron: "30 2 * * *"
    time_zone: Europe/Berlin
database:
  engine: postgres
  version: "16"
  database: ledger
  bootstrap:
    scripts:   # beside the blueprint, in the project's own apps/ directory
      - {name: 001-accounts, file: ledger/001-accounts.sql}
cache:
  engine: redis
storage:
  documents: {purpose: invoices and receipts}
secrets:
  DJANGO_SECRET_KEY: {source: generated, length: 50}
  SMTP_PASSWORD: {source: provided}
egress:
  - {port: 587, hosts: [smtp.example.com], description: "SMTP submission to the mail relay"}
"""

TRANSFORM = '''\
import pulumi


def cost_center(args: pulumi.ResourceTransformationArgs):
    """Tag every S3 bucket with the finance cost center."""
    if args.type_ != "aws:s3/bucket:Bucket":
        return None
    props = dict(args.props)
    props["tags"] = {**(props.get("tags") or {}), "cost-center": "finance"}
    return pulumi.ResourceTransformationResult(props, args.opts)
'''

OVERRIDE = {"type": "aws:ecs/service:Service", "name": "ledger-web", "reason": "Django loads for a minute",
            "patch": {"healthCheckGracePeriodSeconds": 120}}


def _add_settings(stack_file: Path, **settings: object) -> None:
    document = yaml.safe_load(stack_file.read_text())
    document["config"].update({f"appstack:{key}": value for key, value in settings.items()})
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))


def test_the_sixth_app_plans_on_both_platforms_from_its_own_repository(tmp_path: Path, installed) -> None:
    venv, env = installed
    appstack = str(venv / "bin" / "appstack")
    assert _run([appstack, "init", "books"], tmp_path, env).returncode == 0
    project = tmp_path / "books"
    new = _run([appstack, "new", "app", "ledger", "--stack", "dev", "--stack", "prod"], project, env)
    assert new.returncode == 0, new.stderr
    (project / "apps" / "ledger.yaml").write_text(LEDGER)
    (project / "apps" / "ledger").mkdir()
    (project / "apps" / "ledger" / "001-accounts.sql").write_text(ACCOUNTS_SQL)
    (project / "platform_hooks.py").write_text(TRANSFORM)
    _add_settings(project / "Pulumi.prod.yaml", overrides=[OVERRIDE], transforms=["platform_hooks:cost_center"])
    # The first bucket on Kubernetes: validate asks how pods authenticate to object storage.
    dev = yaml.safe_load((project / "Pulumi.dev.yaml").read_text())
    kubernetes = dev["config"].setdefault("appstack:kubernetes", {})
    kubernetes.setdefault("object_storage", {})["credentials"] = "static"
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(dev, sort_keys=False))

    validate = _run([appstack, "validate"], project, env)
    assert validate.returncode == 0, validate.stdout + validate.stderr

    plans = {}
    for stack in ("dev", "prod"):
        plan = _run([appstack, "plan", stack, "--policy", "--app", "ledger", "--json", "-"], project, env)
        assert plan.returncode == 0, plan.stderr[-3000:]
        plans[stack] = json.loads(plan.stdout)

    def named(stack: str, type_token: str) -> dict[str, dict]:
        return {r["name"]: r["inputs"] for r in plans[stack]["resources"] if r["type"] == type_token}

    # Kubernetes: beat rolls with Recreate, the report is a CronJob, SMTP leaves on 587 only.
    deployments = named("dev", "kubernetes:apps/v1:Deployment")
    assert deployments["ledger-beat"]["spec"]["strategy"] == {"type": "Recreate"}
    assert deployments["ledger-beat"]["spec"]["replicas"] == 1
    (cron,) = [c for name, c in named("dev", "kubernetes:batch/v1:CronJob").items() if "nightly-report" in name]
    assert (cron["spec"]["schedule"], cron["spec"]["timeZone"], cron["spec"]["concurrencyPolicy"]) == (
        "30 2 * * *", "Europe/Berlin", "Forbid")
    (declared,) = [p for name, p in named("dev", "kubernetes:networking.k8s.io/v1:NetworkPolicy").items()
                   if name.endswith("allow-declared-egress")]
    assert declared["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}],
                                           "ports": [{"protocol": "TCP", "port": 587}]}]

    # The script from the project's own directory: its SHA-256 on the Kubernetes Job and in the ECS task's command.
    digest = hashlib.sha256(ACCOUNTS_SQL.encode()).hexdigest()
    (job,) = [j for j in named("dev", "kubernetes:batch/v1:Job").values()
              if j["metadata"]["labels"]["appstack.dev/job"] == "db-bootstrap"]
    assert job["metadata"]["annotations"]["appstack.dev/bootstrap-scripts"] == f'{{"001-accounts":"{digest}"}}'
    (task,) = [t for name, t in named("prod", "aws:ecs/taskDefinition:TaskDefinition").items() if "db-bootstrap" in name]
    assert f"--set=script_1_sha256={digest}" in task["containerDefinitions"]

    # AWS: the beat never runs twice, the report is an EventBridge schedule, SMTP egress, both customisations.
    services = named("prod", "aws:ecs/service:Service")
    beat = services["ledger-beat"]
    assert (beat["desiredCount"], beat["deploymentMinimumHealthyPercent"], beat["deploymentMaximumPercent"]) == (1, 0, 100)
    assert services["ledger-web"]["healthCheckGracePeriodSeconds"] == 120  # the stack override
    (schedule,) = named("prod", "aws:scheduler/schedule:Schedule").values()
    assert (schedule["scheduleExpression"], schedule["scheduleExpressionTimezone"]) == (
        "cron(30 2 * * ? *)", "Europe/Berlin")
    egress = {(r["fromPort"], r.get("cidrIpv4"), r.get("cidrIpv6"))
              for r in named("prod", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").values()
              if r["description"] == "SMTP submission to the mail relay"}
    assert egress == {(587, "0.0.0.0/0", None), (587, None, "::/0")}
    buckets = named("prod", "aws:s3/bucket:Bucket")
    assert buckets and all(tags.get("tags", {}).get("cost-center") == "finance" for tags in buckets.values())
    assert [o["matched"] for o in plans["prod"]["overrides"]] == [
        ["urn:pulumi:prod::books::appstack:aws:EcsWorkload$aws:ecs/service:Service::ledger-web"]]
