"""Property: any generated stack either fails with one config error or plans with zero provider findings.

The stacks carry adversarial names (see generated.py). A few examples run in the suite (derandomized,
so CI is reproducible); set APPSTACK_FUZZ_EXAMPLES to run more.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings

from appstack.synth import synthesize

from .generated import Outcome, plan, stacks

EXAMPLES = int(os.environ.get("APPSTACK_FUZZ_EXAMPLES", "6"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(stacks())
def test_generated_stacks_fail_cleanly_or_plan_without_findings(generated):
    outcome = plan(generated)
    event(outcome.kind)
    if outcome.kind == "rejected":
        assert outcome.message.startswith("Invalid configuration for stack"), outcome.message
        assert "Traceback" not in outcome.message
    else:
        assert [str(f) for f in outcome.findings or []] == []


def _app(name: str, platform: str) -> dict:
    """Every entity at the 40-character maximum, long writable paths, both data stores, a CDN bucket, a
    schedule in the longest time zone name, a singleton worker with a command health check."""
    service, worker, job, bucket, schedule = ("s" * 40, "w" * 40, "j" * 40, "b" * 40, "c" * 40)
    return {
        "name": name, "images": {"main": {"repository": "ghcr.io/acme/app", "tag": "1.0.0"},
                                 "i" * 40: {"build": {"context": "."}, "tag": "1.0.0"}},
        "services": {service: {"image": "main", "port": 8080, "routes": [{"path": "/"}],
                               "health": {"readiness": {"http": "/health"}},
                               "autoscale": {"min": 2, "max": 4, "requests_per_target": 100},
                               "writable_paths": ["/tmp", "/a-b", "/a/b", "/var/" + "c" * 70]},
                     "v" * 40: {"image": "main", "port": 9090, "replicas": 1,
                                "volumes": {"d" * 40: {"mount_path": "/data"}}}},
        "workers": {worker: {"image": "i" * 40, "singleton": True,
                             "health": {"liveness": {"command": ["/bin/alive"], "period_seconds": 300,
                                                     "timeout_seconds": 60, "failure_threshold": 10}}}},
        "jobs": {job: {"image": "main", "command": ["migrate"]}},
        "schedules": {schedule: {"image": "main", "command": ["report"], "cron": "0 2 * * MON-FRI",
                                 "time_zone": "America/Argentina/ComodRivadavia", "retries": 10,
                                 "start_within_seconds": 86400, "timeout_seconds": 86400}},
        "storage": {bucket: {"purpose": "files", "access": "cdn",
                             "cors": [{"allowed_origins": ["https://${app.domain}"], "allowed_methods": ["GET"]}]}},
        "secrets": {"API_KEY": {"source": "generated"}},
        "alerts": [{"name": "HighErrorRate", "expr": "rate(errors_total[5m]) > 1", "summary": "errors"}],
        "metrics_retention": "1095d",  # the longest AMP keeps: a WorkspaceConfiguration
        # A stated major upgrade on AWS registers the pre-upgrade RDS snapshot (refused in-cluster on Kubernetes).
        "database": {"engine": "postgres", "version": "16", "database": "app", "cpu": "1", "memory": "2Gi",
                     **({"upgrade_from": "15"} if platform == "aws" else {})},
        "cache": {"engine": "redis"},
        "env": {"BUCKET": f"${{storage.{bucket}.bucket}}", "DATABASE_URL": "${database.url}",
                "REDIS_URL": "${redis.url}", "API_KEY": "${secrets.API_KEY}"},
    }


@cache
def _longest(platform: str) -> Outcome:
    apps = {name: _app(name, platform) for name in ("x" * 40, "x" * 39 + "y", "zz")}
    settings_ = {"kubernetes": {"namespace_prefix": "p" * 30 + "-", "observability": {"enabled": True},
                                "backups": {"target": "s3"}, "object_storage": {"credentials": "static"}}} if platform == "kubernetes" else {
        # Every optional AWS feature, so every resource type a component can register is planned.
        "aws": {"hosted_zone_id": "Z123ABC", "alarm_emails": ["ops@example.com"], "managed_prometheus": True,
                "alarm_https_endpoints": ["https://hooks.example.com/x"], "interface_endpoints": True,
                "flow_logs": True}}
    return plan({"platform": platform, "tier": "prod", "apps": apps, "stack": "s" * 80 + ".eu_1",
                 "settings": settings_})


@pytest.mark.parametrize("platform", ["aws", "kubernetes"])
def test_names_at_every_maximum_plan_without_findings(platform):
    outcome = _longest(platform)
    assert outcome.kind == "planned", outcome.message
    assert [str(f) for f in outcome.findings or []] == []


def test_the_longest_aws_plan_registers_every_type_the_checks_know():
    from appstack.provider_checks.aws_rules import NO_INPUT_CONSTRAINTS, RULES

    planned_types = {r.type for r in _longest("aws").resources or [] if r.type.startswith("aws:") and r.custom}
    known = set(RULES) | set(NO_INPUT_CONSTRAINTS)
    assert planned_types <= known
    # An app stack's certificate on its environment's listener exists in mode app only (a shipped app stack).
    app_mode = {"aws:lb/listenerCertificate:ListenerCertificate"}
    split = Path(__file__).resolve().parents[2] / "environments" / "prod-split"
    assert app_mode <= {r.type for r in synthesize("prod-zmage", project=split).resources}
    assert known == planned_types | app_mode, known - planned_types
