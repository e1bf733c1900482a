"""Per system: the guide's specifics, as the dev stack deploys them on Kubernetes."""

from __future__ import annotations

from appstack.plan import plan_table
from appstack.stackconfig import load_stack
from tests.conftest import synth_stack

from .helpers import containers, env_of, objects, one, pod_spec, resource_of, spec_jobs

NGINX = "nginx.ingress.kubernetes.io"


def dev():
    return synth_stack("dev")


def routes(namespace: str) -> dict[str, str]:
    """path -> backend service over every Ingress of the namespace."""
    found = {}
    for ingress in objects(dev(), "Ingress", namespace):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                found[path["path"]] = path["backend"]["service"]["name"]
    return found


def test_small_squaretable_scaling_resources_and_migration_before_rollout():
    ns = "dev-small-squaretable"
    hpa = one(dev(), "HorizontalPodAutoscaler", ns, "app")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 10)
    assert hpa["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
        {"type": "Resource", "resource": {"name": "memory",
                                          "target": {"type": "Utilization", "averageUtilization": 80}}},
    ]
    app = containers(one(dev(), "Deployment", ns, "app"))[0]
    assert app["resources"] == {"requests": {"cpu": "500m", "memory": "512Mi"},
                                "limits": {"cpu": "1000m", "memory": "1024Mi"}}
    [job] = spec_jobs(dev(), ns)
    assert containers(job)[0]["command"] == ["pnpm", "db:migrate"]
    assert job["spec"]["backoffLimit"] == 2 and job["spec"]["ttlSecondsAfterFinished"] == 86400
    job_urn = resource_of(dev(), "Job", ns, job["metadata"]["name"]).urn
    assert job_urn in resource_of(dev(), "Deployment", ns, "app").dependencies
    assert routes(ns) == {"/": "app"}
    [ws] = objects(dev(), "Ingress", ns)
    assert ws["metadata"]["name"] == "small-squaretable-websocket"
    assert ws["metadata"]["annotations"][f"{NGINX}/proxy-read-timeout"] == "3600"


def test_sparkle_grpc_server_is_internal_and_gateway_serves_api_and_chat():
    ns = "dev-sparkle"
    assert routes(ns) == {"/api/v1": "gateway", "/ws/chat": "gateway", "/docs": "backend", "/uploads": "backend",
                          "/health(/.*)?$": "gateway"}
    # The guide's `location /health { proxy_pass http://localhost:8080/api/v1/health; }`, on its own Ingress.
    rewrite = one(dev(), "Ingress", ns, "sparkle-rewrite-health")
    assert rewrite["spec"]["rules"][0]["http"]["paths"][0]["pathType"] == "ImplementationSpecific"
    annotations = rewrite["metadata"]["annotations"]
    assert annotations[f"{NGINX}/rewrite-target"] == "/api/v1/health$1"
    assert annotations[f"{NGINX}/use-regex"] == "true"
    assert annotations[f"{NGINX}/custom-headers"] == "dev-sparkle/sparkle-security-headers"
    assert f"{NGINX}/rewrite-target" not in one(dev(), "Ingress", ns, "sparkle")["metadata"]["annotations"]
    websocket = one(dev(), "Ingress", ns, "sparkle-websocket")
    assert [p["path"] for p in websocket["spec"]["rules"][0]["http"]["paths"]] == ["/ws/chat"]
    for key in ("proxy-read-timeout", "proxy-send-timeout"):
        assert websocket["metadata"]["annotations"][f"{NGINX}/{key}"] == "86400"
        assert one(dev(), "Ingress", ns, "sparkle")["metadata"]["annotations"][f"{NGINX}/{key}"] == "60"
    grpc = containers(one(dev(), "Deployment", ns, "grpc-server"))[0]
    assert grpc["livenessProbe"]["grpc"] == {"port": 50051} and grpc["readinessProbe"]["grpc"] == {"port": 50051}
    assert one(dev(), "Service", ns, "grpc-server")["spec"]["ports"][0]["appProtocol"] == "kubernetes.io/h2c"
    gateway_env = env_of(containers(one(dev(), "Deployment", ns, "gateway"))[0])
    assert gateway_env["AGENT_ADDRESS"] == "grpc-server.dev-sparkle.svc.cluster.local:50051"
    headers = one(dev(), "ConfigMap", ns, "sparkle-security-headers")["data"]
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    # uploads live on the backend's disk: a StatefulSet with its claim
    backend = one(dev(), "StatefulSet", ns, "backend")
    assert backend["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "uploads"


def test_elizabeth_keeps_sqlite_on_a_volume_with_daily_backups():
    ns = "dev-elizabeth"
    backend = one(dev(), "StatefulSet", ns, "backend")
    assert backend["spec"]["replicas"] == 1
    claim = backend["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "data" and claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    container = containers(backend)[0]
    assert {"name": "data", "mountPath": "/app/data"} in container["volumeMounts"]
    env = env_of(container)
    assert env["DATABASE_URL"] == "sqlite:///app/data/elizabeth.db"
    assert env["S3_BUCKET"] == "dev-elizabeth-files" and env["AWS_REGION"] == "us-east-1"
    assert "AWS_ACCESS_KEY_ID" not in env  # dev leaves the MinIO credentials unset
    assert all(p["metadata"]["name"] != "backend" for p in objects(dev(), "PodDisruptionBudget", ns))
    cron = one(dev(), "CronJob", ns, "backend-sqlite-backup")
    assert cron["spec"]["schedule"] == "0 2 * * *"
    script = containers(cron)[0]["command"][2]
    assert "src.backup(dst)" in script and "PRAGMA integrity_check" in script  # Python's sqlite3 online backup
    assert script.count("/app/data/elizabeth.db") == 1 and containers(cron)[0]["image"].startswith(
        "python:3.12.11-slim-bookworm@sha256:")
    assert f"-mmin +{30 * 1440} -delete" in script  # the guide's elizabeth-backup.sh: RETENTION_DAYS=30
    volumes = {v["name"]: v for v in pod_spec(cron)["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "data-backend-0"
    assert pod_spec(cron)["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0][
        "labelSelector"]["matchLabels"]["app.kubernetes.io/name"] == "backend"
    ingress = one(dev(), "Ingress", ns, "elizabeth")
    assert ingress["metadata"]["annotations"][f"{NGINX}/proxy-body-size"] == "120m"
    assert routes(ns) == {"/": "frontend", "/api/v1": "backend", "/api/v1/ws": "backend", "/_next/static": "frontend"}
    # The guide's nginx security headers and its /_next/static Cache-Control, on the static assets' own Ingress.
    headers = one(dev(), "ConfigMap", ns, "elizabeth-security-headers")["data"]
    assert headers == {"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
                       "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                       "Referrer-Policy": "strict-origin-when-cross-origin"}
    cache = one(dev(), "ConfigMap", ns, "elizabeth-cache-next-static-headers")["data"]
    assert cache == {**headers, "Cache-Control": "public, max-age=31536000, immutable"}
    static = one(dev(), "Ingress", ns, "elizabeth-cache-next-static")
    assert static["metadata"]["annotations"][f"{NGINX}/custom-headers"] == \
        "dev-elizabeth/elizabeth-cache-next-static-headers"
    assert static["spec"]["rules"] == [{"host": "elizabeth.localtest.me", "http": {"paths": [{
        "path": "/_next/static", "pathType": "Prefix",
        "backend": {"service": {"name": "frontend", "port": {"number": 4001}}}}]}}]
    assert static["spec"]["tls"] == [{"hosts": ["elizabeth.localtest.me"], "secretName": "elizabeth-tls"}]
    assert {s["metadata"]["name"] for s in objects(dev(), "StatefulSet", ns)} == {"backend"}  # no Postgres, Redis


def test_zmage_worker_runs_three_replicas_without_a_service():
    ns = "dev-zmage"
    worker = one(dev(), "Deployment", ns, "worker")
    assert worker["spec"]["replicas"] == 3
    assert "worker" not in {s["metadata"]["name"] for s in objects(dev(), "Service", ns)}
    assert "ports" not in containers(worker)[0]
    assert pod_spec(worker)["terminationGracePeriodSeconds"] == 120
    assert one(dev(), "PodDisruptionBudget", ns, "worker")["spec"]["maxUnavailable"] == 1
    hpa = one(dev(), "HorizontalPodAutoscaler", ns, "web")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10)
    env = env_of(containers(one(dev(), "Deployment", ns, "web"))[0])
    assert env["S3_BUCKET"] == "dev-zmage-media" and env["NEXTAUTH_URL"] == "https://zmage.localtest.me"
    redis = one(dev(), "ConfigMap", ns, "redis-config")["data"]["redis.conf"].splitlines()
    assert "maxmemory-policy noeviction" in redis


def test_claude_relay_postgres_preloads_pg_stat_statements_with_100_connections():
    ns = "dev-claude-relay"
    args = containers(one(dev(), "StatefulSet", ns, "postgres"))[0]["args"]
    assert "shared_preload_libraries=pg_stat_statements" in args and "max_connections=100" in args
    assert args[args.index("max_connections=100") - 1] == "-c"
    exporter = containers(one(dev(), "Deployment", ns, "postgres-exporter"))[0]
    assert env_of(exporter)["DATA_SOURCE_NAME"] == {"secretKeyRef": {"name": "postgres-exporter-env",
                                                                     "key": "DATA_SOURCE_NAME"}}
    [job] = spec_jobs(dev(), ns)  # data-migration runs after the rollout
    deps = resource_of(dev(), "Job", ns, job["metadata"]["name"]).dependencies
    assert resource_of(dev(), "Deployment", ns, "app").urn in deps
    assert routes(ns) == {"/": "app"}


def test_appstack_plan_lists_the_kubernetes_objects_offline():
    stack = load_stack("dev", dev().config.get, all_keys=sorted(dev().config))
    table = plan_table(dev(), stack)
    for kind in ("Deployment", "StatefulSet", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
                 "Ingress", "Job", "CronJob", "Certificate", "Secret"):
        assert f":{kind}" in table, kind
