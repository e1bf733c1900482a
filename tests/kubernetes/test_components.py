"""Each component's objects: exact kinds and counts, and the security-relevant fields."""

from __future__ import annotations

import re

from appstack.program import OFFLINE_PLACEHOLDER
from tests.conftest import synth_config, synth_stack

from .helpers import WORKLOAD_KINDS, containers, env_of, objects, one, pod_spec, resource_of
from .schemas import kubernetes_objects, manifest

SYSTEMS = ("small-squaretable", "claude-relay", "sparkle", "elizabeth", "zmage")


def dev():
    return synth_stack("dev")


def test_one_explicit_provider_with_server_side_apply_used_by_every_object():
    providers = dev().by_type("pulumi:providers:kubernetes")
    assert len(providers) == 1
    assert providers[0].inputs == {"context": "kind-appstack", "enableServerSideApply": "true"}
    for resource in kubernetes_objects(dev().resources):
        assert resource.options["provider"] == providers[0].urn, resource.name


def test_component_types_and_parents():
    for resource in dev().resources:
        if resource.type.startswith("appstack:kubernetes:") and resource.type != "appstack:kubernetes:Platform":
            assert resource.parent is not None
    for resource in kubernetes_objects(dev().resources):
        assert "appstack:kubernetes:" in resource.parent, resource.name


def test_namespaces_enforce_the_restricted_pod_security_profile():
    for app in SYSTEMS:
        ns = objects(dev(), "Namespace", f"dev-{app}")[0]
        labels = ns["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert labels["pod-security.kubernetes.io/enforce-version"] == "latest"
        assert labels["app.kubernetes.io/part-of"] == app


def test_every_pod_meets_the_restricted_profile():
    pods = [o for kind in WORKLOAD_KINDS for o in objects(dev(), kind)]
    assert len(pods) == 27
    for obj in pods:
        spec = pod_spec(obj)
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["securityContext"]["runAsUser"] != 0
        mounts_needed = set()
        for container in containers(obj):
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["runAsNonRoot"] is True and sc["runAsUser"] > 0
            assert "resources" in container and container["resources"]["limits"]["memory"]
            image = container["image"]
            assert not image.endswith(":latest") and (re.search(r":[\w.-]+$", image) or "@sha256:" in image)
            mounts_needed |= {m["name"] for m in container.get("volumeMounts", [])}
        declared = {v["name"] for v in spec.get("volumes", [])}
        claims = {c["metadata"]["name"] for c in obj["spec"].get("volumeClaimTemplates", [])}
        assert mounts_needed <= declared | claims, obj["metadata"]["name"]


def test_a_service_account_per_workload_and_writable_paths_as_empty_dirs():
    app = one(dev(), "Deployment", "dev-claude-relay", "app")
    assert pod_spec(app)["serviceAccountName"] == "app"
    assert one(dev(), "ServiceAccount", "dev-claude-relay", "app")["automountServiceAccountToken"] is False
    mounts = {m["mountPath"]: m["name"] for m in containers(app)[0]["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec(app)["volumes"]}
    assert set(mounts) == {"/tmp", "/app/logs"}
    assert all("emptyDir" in volumes[name] for name in mounts.values())


def test_deployments_roll_without_unavailability_and_spread_when_replicated():
    for obj in objects(dev(), "Deployment"):
        assert obj["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
    gateway = pod_spec(one(dev(), "Deployment", "dev-sparkle", "gateway"))
    keys = [c["topologyKey"] for c in gateway["topologySpreadConstraints"]]
    assert keys == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
    assert "topologySpreadConstraints" not in pod_spec(one(dev(), "Deployment", "dev-claude-relay", "postgres-exporter"))


def test_hpa_owned_deployments_leave_replicas_unset():
    hpas = objects(dev(), "HorizontalPodAutoscaler")
    assert {(h["metadata"]["namespace"], h["metadata"]["name"]) for h in hpas} == {
        ("dev-small-squaretable", "app"), ("dev-zmage", "web")}
    for hpa in hpas:
        target = one(dev(), "Deployment", hpa["metadata"]["namespace"], hpa["spec"]["scaleTargetRef"]["name"])
        assert "replicas" not in target["spec"]
    assert one(dev(), "Deployment", "dev-zmage", "worker")["spec"]["replicas"] == 3


def test_pdb_for_every_workload_with_more_than_one_replica_and_never_zero_disruptions():
    pdbs = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in objects(dev(), "PodDisruptionBudget")}
    expected = set()
    for kind in ("Deployment", "StatefulSet"):
        for obj in objects(dev(), kind):
            hpa = [h for h in objects(dev(), "HorizontalPodAutoscaler", obj["metadata"]["namespace"])
                   if h["spec"]["scaleTargetRef"]["name"] == obj["metadata"]["name"]]
            minimum = hpa[0]["spec"]["minReplicas"] if hpa else obj["spec"]["replicas"]
            if minimum > 1:
                expected.add((obj["metadata"]["namespace"], obj["metadata"]["name"]))
    assert set(pdbs) == expected and len(expected) == 7
    assert all(p["spec"] ["maxUnavailable"] == 1 and "minAvailable" not in p["spec"] for p in pdbs.values())


def test_secret_env_reaches_pods_only_through_secret_key_refs():
    for kind in WORKLOAD_KINDS:
        for obj in objects(dev(), kind):
            for container in containers(obj):
                for entry in container.get("env", []):
                    value = entry.get("value", "")
                    assert OFFLINE_PLACEHOLDER not in value and "@" not in value, (obj["metadata"], entry)
    env = env_of(containers(one(dev(), "Deployment", "dev-claude-relay", "app"))[0])
    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "JWT_SECRET", "ENCRYPTION_KEY"):
        assert env[name] == {"secretKeyRef": {"name": "app-env", "key": name}}
    assert env["POSTGRES_HOST"] == "postgres.dev-claude-relay.svc.cluster.local"
    secret = resource_of(dev(), "Secret", "dev-claude-relay", "app-env")
    assert repr(secret.inputs["stringData"]) == "[secret]"


def test_network_policies_deny_by_default_and_guard_the_data_stores():
    for app in SYSTEMS:
        names = {p["metadata"]["name"] for p in objects(dev(), "NetworkPolicy", f"dev-{app}")}
        assert {"default-deny", "allow-dns", "allow-external-egress"} <= names
        deny = one(dev(), "NetworkPolicy", f"dev-{app}", "default-deny")["spec"]
        assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    pg = one(dev(), "NetworkPolicy", "dev-zmage", "allow-postgres")["spec"]
    assert pg["ingress"] == [{"from": [{"podSelector": {"matchLabels": {"appstack.dev/data-client": "true"}}}],
                              "ports": [{"protocol": "TCP", "port": 5432}]}]
    web = one(dev(), "NetworkPolicy", "dev-zmage", "allow-web")["spec"]["ingress"][0]["from"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}} in web
    grpc = one(dev(), "NetworkPolicy", "dev-sparkle", "allow-grpc-server")["spec"]["ingress"][0]["from"]
    assert all("namespaceSelector" not in peer for peer in grpc)  # internal: never from the ingress controller
    for store in ("postgres", "redis"):
        labels = pod_spec(one(dev(), "StatefulSet", "dev-zmage", store))
        assert "appstack.dev/data-client" not in one(dev(), "StatefulSet", "dev-zmage", store)[
            "spec"]["template"]["metadata"]["labels"], labels


def test_ingress_class_tls_and_security_headers():
    ingress = one(dev(), "Ingress", "dev-zmage", "zmage")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["zmage.localtest.me"], "secretName": "zmage-tls"}]
    cert = one(dev(), "Certificate", "dev-zmage", "zmage")["spec"]
    assert cert["issuerRef"] == {"name": "selfsigned", "kind": "ClusterIssuer", "group": "cert-manager.io"}
    headers = one(dev(), "ConfigMap", "dev-zmage", "zmage-security-headers")["data"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/custom-headers"] == \
        "dev-zmage/zmage-security-headers"


def test_in_cluster_postgres_and_redis():
    pg = one(dev(), "StatefulSet", "dev-claude-relay", "postgres")
    container = containers(pg)[0]
    assert container["image"] == "postgres:15.14-bookworm"
    assert pod_spec(pg)["securityContext"]["runAsUser"] == 999
    assert pg["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert one(dev(), "Service", "dev-claude-relay", "postgres")["spec"]["clusterIP"] == "None"
    assert env_of(container)["POSTGRES_PASSWORD"] == {
        "secretKeyRef": {"name": "postgres-credentials", "key": "superuser-password"}}
    init = one(dev(), "ConfigMap", "dev-claude-relay", "postgres-init")["data"]["10-app-role.sh"]
    assert 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";' in init and "pgcrypto" in init
    redis = containers(one(dev(), "StatefulSet", "dev-claude-relay", "redis"))[0]
    args = redis["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    assert args[args.index("--maxmemory") + 1] == "2048mb"
    assert args[args.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert not any("requirepass" in a for a in args)  # the password comes from the mounted Secret file
    assert resource_of(dev(), "StatefulSet", "dev-claude-relay", "redis").options["protect"] is False


def test_backups_are_cron_jobs_to_a_backup_volume():
    cron = one(dev(), "CronJob", "dev-zmage", "postgres-backup")
    assert cron["spec"]["schedule"] == "0 3 * * *" and cron["spec"]["concurrencyPolicy"] == "Forbid"
    script = containers(cron)[0]["command"][2]
    assert "pg_dump --format=custom" in script and "-mmin +1440 -delete" in script  # dev tier: 1 day
    assert one(dev(), "PersistentVolumeClaim", "dev-zmage", "postgres-backups")


def test_observability_objects_when_enabled():
    prod = synth_stack("prod-k8s")
    rules = one(prod, "PrometheusRule", "prod-sparkle", "sparkle-alerts")["spec"]["groups"][0]["rules"]
    assert [r["alert"] for r in rules] == ["HighErrorRate", "CircuitBreakerOpen", "HighMemoryUsage", "QueueBacklog"]
    assert rules[1] == {"alert": "CircuitBreakerOpen", "expr": "chat_orchestrator_circuit_breaker == 1", "for": "1m",
                        "labels": {"severity": "critical", "app": "sparkle", "namespace": "prod-sparkle"},
                        "annotations": {"summary": "Circuit breaker is open"}}
    monitor = one(prod, "ServiceMonitor", "prod-sparkle", "gateway")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "scheme": "http", "interval": "10s"}]
    assert one(prod, "ConfigMap", "prod-zmage", "zmage-dashboard")["metadata"]["labels"]["grafana_dashboard"] == "1"
    release = prod.by_type("kubernetes:helm.sh/v3:Release")[0].inputs
    assert release["chart"] == "kube-prometheus-stack" and re.fullmatch(r"\d+\.\d+\.\d+", release["version"])
    assert not objects(dev(), "ServiceMonitor")


def test_operator_postgres_in_prod_is_protected_with_three_instances_and_backups():
    prod = synth_stack("prod-k8s")
    cluster = resource_of(prod, "Cluster", "prod-claude-relay", "postgres")
    spec = manifest(cluster)["spec"]
    assert spec["instances"] == 3 and cluster.options["protect"] is True
    assert spec["postgresql"]["shared_preload_libraries"] == ["pg_stat_statements"]
    assert spec["postgresql"]["parameters"]["max_connections"] == "100"
    assert spec["backup"]["barmanObjectStore"]["destinationPath"].startswith("s3://example-prod-claude-relay-backups/")
    scheduled = one(prod, "ScheduledBackup", "prod-claude-relay", "postgres-scheduled")["spec"]
    assert scheduled["schedule"] == "0 0 3 * * *" and scheduled["method"] == "barmanObjectStore"
    for kind in ("StatefulSet", "PersistentVolumeClaim", "Namespace"):
        for resource in kubernetes_objects(prod.resources):
            if manifest(resource)["kind"] == kind:
                assert resource.options["protect"] is True, resource.name


def test_custom_stack_modes_and_determinism():
    config = dict(platform="kubernetes", tier="prod", apps={"zmage": {"images": {"web": {"tag": "3.1.0"}}}},
                  extra={"kubernetes": {"image_registry": "ghcr.io/acme", "postgres": {"mode": "in-cluster"}}})
    first = synth_config(**config)
    again = synth_config(**config)
    assert [r.masked() for r in first.resources] == [r.masked() for r in again.resources]
    web = containers(one(first, "Deployment", "zmage", "web"))[0]
    assert web["image"] == "ghcr.io/acme/zmage-web:3.1.0"
    pg = resource_of(first, "StatefulSet", "zmage", "postgres")
    assert pg.options["protect"] is True and pg.options["ignore_changes"] == ["spec.volumeClaimTemplates"]
    dev_job = one(dev(), "Job", "dev-zmage", "db-migrate-" + _job_hash(dev(), "dev-zmage"))
    prod_job = [j for j in objects(first, "Job", "zmage")][0]
    assert prod_job["metadata"]["name"] != dev_job["metadata"]["name"]  # new web tag -> new release Job


def _job_hash(synthesis, namespace):
    return objects(synthesis, "Job", namespace)[0]["metadata"]["name"].rsplit("-", 1)[1]


def test_object_storage_credentials_reach_pods_as_secret_refs_when_configured():
    synthesis = synth_config(
        platform="kubernetes", apps={"elizabeth": {}},
        extra={"kubernetes": {"object_storage": {"endpoint": "https://minio.example.com", "bucket_prefix": "acme-",
                                                 "public_url": "https://cdn.example.com",
                                                 "credentials_config": "minio"}}},
        secrets={"minio:accessKeyId": "AKIAEXAMPLE", "minio:secretAccessKey": "s3cr3t-value"},
    )
    env = env_of(containers(one(synthesis, "StatefulSet", "elizabeth", "backend"))[0])
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert env[name] == {"secretKeyRef": {"name": "object-storage-credentials", "key": name}}
    assert env["S3_BUCKET"] == "acme-elizabeth-files" and env["AWS_ENDPOINT_URL_S3"] == "https://minio.example.com"
    secret = resource_of(synthesis, "Secret", "elizabeth", "object-storage-credentials")
    assert repr(secret.inputs["stringData"]) == "[secret]"
    assert "AKIAEXAMPLE" not in str([r.masked() for r in synthesis.resources])


def test_a_rotated_secret_rolls_the_pods_without_revealing_it():
    from appstack.synth import Secret
    from tests.conftest import synth_config

    def web(gemini: str):
        synthesis = synth_config(platform="kubernetes", apps={"zmage": {}},
                                 secrets={"zmage:GEMINI_API_KEY": gemini, "zmage:SENTRY_DSN": "https://k@sentry.example/1"})
        deployment = synthesis.named("zmage-web", "kubernetes:apps/v1:Deployment")
        return deployment.inputs["spec"]["template"]["metadata"]["annotations"]["appstack.io/env-secret-checksum"]

    before, same, after = web("gemini-key-one"), web("gemini-key-one"), web("gemini-key-two")
    assert not isinstance(before, Secret) and len(before) == 64
    assert before == same and before != after
    assert "gemini-key" not in before
