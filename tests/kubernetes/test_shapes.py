"""Workload shapes on Kubernetes: scheduled jobs (CronJob), singletons, worker exec health checks."""

from __future__ import annotations

from functools import cache

from appstack.provider_checks import check
from tests.conftest import synth_config

from .helpers import containers, objects, one, pod_spec
from .schemas import K8S_VERSIONS, validate_builtin

NS = "zmage"
REPORT = {"image": "worker", "command": ["npm", "run", "report"], "args": ["--since", "1d"], "cron": "30 2 * * 1-5",
          "time_zone": "Europe/Berlin", "retries": 4, "timeout_seconds": 7200, "start_within_seconds": 900,
          "run_as_user": 1001, "env": {"REPORT_BUCKET": "${storage.media.bucket}"}}
SWEEP = {"image": "worker", "command": ["sweep"], "cron": "*/10 * * * *", "timeout_seconds": 300,
         "concurrency": "allow"}
WORKER = {"singleton": True, "replicas": None, "stop_timeout_seconds": 60,
          "health": {"liveness": {"command": ["node", "healthcheck.js"], "period_seconds": 30, "timeout_seconds": 10,
                                  "failure_threshold": 4}}}


@cache
def shaped():
    return synth_config(platform="kubernetes", apps={"zmage": {
        "schedules": {"nightly-report": REPORT, "sweep": SWEEP},
        "workers": {"worker": WORKER},
        "services": {"web": {"singleton": True, "autoscale": None}},
    }})


def test_a_schedule_is_a_cron_job_with_every_guard():
    cron_job = one(shaped(), "CronJob", NS, "nightly-report")
    spec = cron_job["spec"]
    job = spec["jobTemplate"]["spec"]
    assert {k: v for k, v in spec.items() if k != "jobTemplate"} == {
        "schedule": "30 2 * * 1-5",
        "timeZone": "Europe/Berlin",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 900,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
    }
    assert {k: v for k, v in job.items() if k != "template"} == {"backoffLimit": 4, "activeDeadlineSeconds": 7200}
    pod = pod_spec(cron_job)
    assert pod["restartPolicy"] == "Never"
    assert (pod["serviceAccountName"], pod["automountServiceAccountToken"]) == ("nightly-report", False)
    (container,) = containers(cron_job)
    assert (container["command"], container["args"]) == (["npm", "run", "report"], ["--since", "1d"])
    assert container["image"] == "zmage-worker:3.0.0"
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "privileged": False,
        "readOnlyRootFilesystem": True, "runAsNonRoot": True, "runAsUser": 1001, "runAsGroup": 1001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert "livenessProbe" not in container and "ports" not in container
    env = {e["name"]: e for e in container["env"]}
    assert env["DATABASE_URL"] == {"name": "DATABASE_URL",
                                   "valueFrom": {"secretKeyRef": {"name": "nightly-report-env", "key": "DATABASE_URL"}}}
    assert env["REPORT_BUCKET"] == {"name": "REPORT_BUCKET", "value": "zmage-media"}
    labels = cron_job["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    # The pods reach the data stores and the outside through the namespace's existing network policies.
    # Its env binds PostgreSQL and Redis (the app env) and a bucket: client labels of exactly those.
    assert labels["appstack.dev/postgres-client"] == labels["appstack.dev/redis-client"] == "true"
    assert labels["appstack.dev/external-egress"] == "true"
    assert labels["app.kubernetes.io/component"] == "schedule"
    account = one(shaped(), "ServiceAccount", NS, "nightly-report")
    assert account["automountServiceAccountToken"] is False


def test_concurrency_allow_and_defaults():
    spec = one(shaped(), "CronJob", NS, "sweep")["spec"]
    assert (spec["schedule"], spec["timeZone"], spec["concurrencyPolicy"], spec["startingDeadlineSeconds"]) == (
        "*/10 * * * *", "Etc/UTC", "Allow", 600)
    assert spec["jobTemplate"]["spec"]["backoffLimit"] == 2


def test_schedules_are_components_that_wait_for_migrations():
    (component,) = [r for r in shaped().resources if r.type == "appstack:kubernetes:ScheduledJob"
                    and r.name == "zmage-schedule-nightly-report"]
    cron = next(r for r in shaped().by_type("kubernetes:batch/v1:CronJob") if r.name == "zmage-schedule-nightly-report")
    assert cron.parent == component.urn
    migration = next(r for r in shaped().by_type("kubernetes:batch/v1:Job") if r.name == "zmage-db-migrate")
    assert migration.urn in cron.dependencies


def test_a_singleton_recreates_and_never_scales_or_spreads():
    for name in ("worker", "web"):
        deployment = one(shaped(), "Deployment", NS, name)
        assert deployment["spec"]["strategy"] == {"type": "Recreate"}
        assert deployment["spec"]["replicas"] == 1
        assert "topologySpreadConstraints" not in pod_spec(deployment)
    # No HPA (a singleton refuses autoscale) and no PDB: a budget for one pod would block every drain.
    assert [o["metadata"]["name"] for o in objects(shaped(), "HorizontalPodAutoscaler", NS)] == []
    assert [o["metadata"]["name"] for o in objects(shaped(), "PodDisruptionBudget", NS)] == []


def test_a_worker_checks_its_health_with_a_command():
    (container,) = containers(one(shaped(), "Deployment", NS, "worker"))
    assert container["livenessProbe"] == {"exec": {"command": ["node", "healthcheck.js"]}, "initialDelaySeconds": 0,
                                          "periodSeconds": 30, "timeoutSeconds": 10, "failureThreshold": 4}
    # Without a startup probe, the liveness command doubles as one with a three-minute budget.
    assert container["startupProbe"] == {"exec": {"command": ["node", "healthcheck.js"]}, "initialDelaySeconds": 0,
                                         "periodSeconds": 5, "timeoutSeconds": 10, "failureThreshold": 36}
    assert "readinessProbe" not in container


def test_the_shapes_validate_against_the_schemas_and_the_provider_checks():
    kinds = ("CronJob", "Deployment", "ServiceAccount")
    problems = [f"{version} {o['kind']}/{o['metadata']['name']}: {p}"
                for version in K8S_VERSIONS for kind in kinds for o in objects(shaped(), kind, NS)
                for p in validate_builtin(o, version)]
    assert problems == []
    assert [str(f) for f in check(shaped())] == []
