"""Each component's objects: exact kinds and counts, and the security-relevant fields."""

from __future__ import annotations

import re

from appstack.program import OFFLINE_PLACEHOLDER
from tests.conftest import synth_config, synth_stack

from .helpers import WORKLOAD_KINDS, containers, env_of, objects, one, pod_spec, resource_of, spec_jobs
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
    assert len(pods) == 33  # 27 + Sparkle's postgres and redis exporters + the db-bootstrap Job of each of the four PostgreSQL apps
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
    assert pg["ingress"] == [{"from": [{"podSelector": {"matchLabels": {"appstack.dev/postgres-client": "true"}}}],
                              "ports": [{"protocol": "TCP", "port": 5432}]}]
    web = one(dev(), "NetworkPolicy", "dev-zmage", "allow-web")["spec"]["ingress"][0]["from"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}} in web
    grpc = one(dev(), "NetworkPolicy", "dev-sparkle", "allow-grpc-server")["spec"]["ingress"][0]["from"]
    assert all("namespaceSelector" not in peer for peer in grpc)  # internal: never from the ingress controller
    for store in ("postgres", "redis"):
        labels = pod_spec(one(dev(), "StatefulSet", "dev-zmage", store))
        assert f"appstack.dev/{store}-client" not in one(dev(), "StatefulSet", "dev-zmage", store)[
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
    assert container["image"] == (
        "postgres:15.14-bookworm@sha256:496f07cd16dff6406cee521a66b37080be917ea063f017336affdfcb1c61f90e")
    assert pod_spec(pg)["securityContext"]["runAsUser"] == 999
    assert pg["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert one(dev(), "Service", "dev-claude-relay", "postgres")["spec"]["clusterIP"] == "None"
    assert env_of(container)["POSTGRES_PASSWORD"] == {
        "secretKeyRef": {"name": "postgres-credentials", "key": "superuser-password"}}
    init = one(dev(), "ConfigMap", "dev-claude-relay", "postgres-init")["data"]["10-app-role.sh"]
    assert 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";' in init and "pgcrypto" in init
    redis = containers(one(dev(), "StatefulSet", "dev-claude-relay", "redis"))[0]
    assert redis["args"] == ["/etc/redis/redis.conf"]  # the password comes from the included Secret file
    conf = one(dev(), "ConfigMap", "dev-claude-relay", "redis-config")["data"]["redis.conf"].splitlines()
    assert conf[1:] == ["port 6379", "dir /data", "protected-mode no", "appendonly yes", "appendfsync everysec",
                        "save 3600 1 300 100 60 10000", "maxmemory 2048mb", "maxmemory-policy allkeys-lru",
                        "include /etc/redis/auth.conf"]
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
    prod_job = spec_jobs(first, "zmage")[0]
    assert prod_job["metadata"]["name"] != dev_job["metadata"]["name"]  # new web tag -> new release Job


def _job_hash(synthesis, namespace):
    return spec_jobs(synthesis, namespace)[0]["metadata"]["name"].rsplit("-", 1)[1]


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


def _prod():
    return synth_stack("prod-k8s")


def test_pulumi_waits_for_a_job_as_long_as_kubernetes_lets_it_run():
    # The provider's default Job wait is 10 minutes; the spec's deadline is 30 (activeDeadlineSeconds).
    jobs = [*objects(dev(), "Job"), *objects(_prod(), "Job")]
    assert len(jobs) == 16  # each stack: the four PostgreSQL apps' db-bootstrap Jobs and four of the spec's
    for job in jobs:
        deadline = job["spec"]["activeDeadlineSeconds"]
        wait = int(job["metadata"]["annotations"]["pulumi.com/timeoutSeconds"])
        assert wait == deadline + 300 and wait > 600, job["metadata"]["name"]


def test_operator_cluster_is_awaited_before_migrations_and_workloads():
    prod = _prod()
    for app in ("claude-relay", "small-squaretable", "sparkle", "zmage"):
        ns = f"prod-{app}"
        cluster = resource_of(prod, "Cluster", ns, "postgres")
        annotations = manifest(cluster)["metadata"]["annotations"]
        assert annotations["pulumi.com/waitFor"] == "condition=Ready"
        assert int(annotations["pulumi.com/timeoutSeconds"]) >= 1200
    migrate = spec_jobs(prod, "prod-small-squaretable")[0]["metadata"]["name"]
    cluster_urn = resource_of(prod, "Cluster", "prod-small-squaretable", "postgres").urn
    assert cluster_urn in resource_of(prod, "Job", "prod-small-squaretable", migrate).dependencies


def test_cert_manager_http01_solvers_are_reachable_from_the_ingress_controller():
    for synthesis, prefix in ((dev(), "dev-"), (_prod(), "prod-")):
        for app in SYSTEMS:
            ns = f"{prefix}{app}"
            assert objects(synthesis, "Certificate", ns)
            spec = one(synthesis, "NetworkPolicy", ns, "allow-acme-http01")["spec"]
            assert spec == {
                "podSelector": {"matchLabels": {"acme.cert-manager.io/http01-solver": "true"}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": "ingress-nginx"}}}],
                    "ports": [{"protocol": "TCP", "port": 8089}]}],
            }


def test_dns_egress_goes_only_to_the_cluster_dns_in_kube_system():
    for app in SYSTEMS:
        egress = one(dev(), "NetworkPolicy", f"dev-{app}", "allow-dns")["spec"]["egress"]
        assert egress == [{
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }]


def test_topology_spread_ignores_nodes_the_pods_cannot_use():
    constraints = [c for synthesis in (dev(), _prod()) for kind in ("Deployment", "StatefulSet")
                   for obj in objects(synthesis, kind) for c in pod_spec(obj).get("topologySpreadConstraints", [])]
    assert constraints
    assert all(c["nodeTaintsPolicy"] == "Honor" for c in constraints)
    required = [c for c in constraints if c["whenUnsatisfiable"] == "DoNotSchedule"]
    assert required and all(c["topologyKey"] == "kubernetes.io/hostname" for c in required)


def test_security_headers_are_all_allowed_by_the_documented_controller_config():
    from pathlib import Path

    from appstack.components.kubernetes.service_exposure import RESPONSE_HEADERS

    # ingress-nginx's custom-headers checks (internal/ingress/annotations/customheaders): a header not in
    # global-allowed-response-headers, or a name/value outside these patterns, denies the location (503).
    name_ok = re.compile(r"^[a-zA-Z\d\-_]+$")
    value_ok = re.compile(r"""^[a-zA-Z\d_ :;.,\\/"'?!(){}\[\]@<>=\-+*#$&`|~^%]+$""")
    seen = set()
    for synthesis in (dev(), _prod()):
        referenced = {ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/custom-headers"]
                      for ingress in objects(synthesis, "Ingress")}
        for cm in objects(synthesis, "ConfigMap"):
            if f"{cm['metadata']['namespace']}/{cm['metadata']['name']}" in referenced:
                for header, value in cm["data"].items():
                    assert name_ok.match(header) and value_ok.match(value), (header, value)
                    seen.add(header)
    assert seen == set(RESPONSE_HEADERS)
    docs = Path(__file__).resolve().parents[2].joinpath("docs", "kubernetes.md").read_text()
    allowed = re.search(r"global-allowed-response-headers='([^']+)'", docs)
    assert allowed, "the documented ingress-nginx install must allow the headers"
    assert allowed.group(1).split("\\,") == list(RESPONSE_HEADERS)


def test_s3_backups_prune_their_own_expired_dumps(tmp_path):
    import os
    import subprocess

    cron = one(_prod(), "CronJob", "prod-elizabeth", "backend-sqlite-backup")
    upload = pod_spec(cron)["containers"][0]
    assert upload["name"] == "upload" and upload["command"][:2] == ["sh", "-c"]
    script = upload["command"][2]
    assert "aws s3 rm" in script
    # Run the script against a fake AWS CLI listing one expired dump (40 days: Elizabeth's guide keeps 30),
    # one fresh, and strangers.
    fake = tmp_path / "aws"
    fake.write_text("""#!/bin/sh
if [ "$2" = ls ]; then
  old=$(date -u -d "@$(( $(date +%s) - 40*86400 ))" +%Y%m%dT%H%M%SZ)
  new=$(date -u -d "@$(( $(date +%s) - 86400 ))" +%Y%m%dT%H%M%SZ)
  echo "2024-01-01 02:00:00  1 backend-sqlite-backup-$old.db"
  echo "2024-01-01 02:00:00  1 backend-sqlite-backup-$new.db"
  echo "2024-01-01 02:00:00  1 backend-sqlite-backup-notes.txt"
  echo "                           PRE nested/"
  echo "$old" > "$(dirname "$0")/old"
else echo "aws $*" >> "$(dirname "$0")/calls"; fi
""")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    subprocess.run(["sh", "-c", script], env=env, check=True)
    calls = (tmp_path / "calls").read_text().splitlines()
    old = (tmp_path / "old").read_text().strip()
    location = "s3://example-prod-elizabeth-backups/elizabeth/backend-sqlite-backup/"
    assert calls[0].startswith(f"aws s3 cp --recursive /backups/ {location}")
    assert calls[1:] == [f"aws s3 rm {location}backend-sqlite-backup-{old}.db "
                         "--endpoint-url https://s3.eu-west-1.amazonaws.com"]


def test_in_cluster_object_store_is_reachable_by_namespace_not_only_by_ip_block():
    # dev: MinIO at http://minio.minio.svc.cluster.local:9000; an ipBlock may not match pod IPs (Cilium).
    egress = one(dev(), "NetworkPolicy", "dev-zmage", "allow-external-egress")["spec"]["egress"]
    assert {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "minio"}}}],
            "ports": [{"protocol": "TCP", "port": 9000}]} in egress
    prod = one(_prod(), "NetworkPolicy", "prod-zmage", "allow-external-egress")["spec"]["egress"]
    assert all("ipBlock" in peer for rule in prod for peer in rule["to"])  # public S3: no namespace rule


CLAUDE_DECLARATIONS = [
    'CREATE SCHEMA IF NOT EXISTS "claude_data" AUTHORIZATION "claude_app";',
    'GRANT CONNECT ON DATABASE "claude_relay" TO "claude_app";',
    'GRANT USAGE, CREATE ON SCHEMA "public" TO "claude_app";',
    'GRANT ALL ON SCHEMA "claude_data" TO "claude_app";',
]


def test_claude_relays_schema_and_grants_run_at_initialization_in_both_postgres_modes():
    init = one(dev(), "ConfigMap", "dev-claude-relay", "postgres-init")["data"]["10-app-role.sh"]
    assert "\n".join(['CREATE EXTENSION IF NOT EXISTS "pgcrypto";', *CLAUDE_DECLARATIONS, "SQL"]) in init
    cluster = one(synth_stack("prod-k8s"), "Cluster", "prod-claude-relay", "postgres")["spec"]
    assert cluster["bootstrap"]["initdb"]["postInitApplicationSQL"] == [
        'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";', 'CREATE EXTENSION IF NOT EXISTS "pg_stat_statements";',
        'CREATE EXTENSION IF NOT EXISTS "pgcrypto";', *CLAUDE_DECLARATIONS]
    assert "managed" not in cluster  # no declared roles: nothing for the operator to reconcile


def test_declared_roles_become_cloudnativepg_managed_roles_and_default_privileges():
    overrides = {"claude-relay": {"database": {"bootstrap": {
        "roles": [{"name": "reporting"}, {"name": "etl", "login": True}],
        "grants": [{"privileges": ["select"], "object": "tables", "schema": "public", "to": "reporting"}]}}}}
    synthesis = synth_config(platform="kubernetes", apps=overrides,
                             extra={"kubernetes": {"postgres": {"mode": "operator"}}})
    cluster = one(synthesis, "Cluster", "claude-relay", "postgres")["spec"]
    assert cluster["managed"] == {"roles": [
        {"name": "reporting", "ensure": "present", "login": False, "inherit": True},
        {"name": "etl", "ensure": "present", "login": True, "inherit": True}]}
    assert cluster["bootstrap"]["initdb"]["postInitApplicationSQL"][3:] == [
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reporting') THEN "
        'CREATE ROLE "reporting" NOLOGIN; END IF; END $$;',
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'etl') THEN "
        'CREATE ROLE "etl" LOGIN; END IF; END $$;',
        CLAUDE_DECLARATIONS[0],  # the blueprint's schema stays; the override's grants replace the blueprint's
        'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "reporting";',
        'ALTER DEFAULT PRIVILEGES FOR ROLE "claude_app" IN SCHEMA "public" GRANT SELECT ON TABLES TO "reporting";',
    ]


def test_the_shared_prometheus_keeps_the_longest_retention_any_app_states():
    def retention(synthesis) -> str | None:
        values = synthesis.by_type("kubernetes:helm.sh/v3:Release")[0].inputs["values"]
        return values["prometheus"]["prometheusSpec"].get("retention")

    assert retention(synth_stack("prod-k8s")) == "30d"  # Sparkle's guide: --storage.tsdb.retention.time=30d
    observability = {"kubernetes": {"observability": {"enabled": True, "install_stack": True}}}
    longest = synth_config(platform="kubernetes", extra=observability,
                           apps={"sparkle": {"metrics_retention": "2w"}, "zmage": {"metrics_retention": "10d"}})
    assert retention(longest) == "2w"
    assert retention(synth_config(platform="kubernetes", extra=observability, apps={"zmage": {}})) is None  # 10d


def test_elizabeths_backend_is_scraped_every_15_seconds_as_its_guide_says():
    monitor = one(synth_stack("prod-k8s"), "ServiceMonitor", "prod-elizabeth", "backend")
    assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "scheme": "http", "interval": "15s"}]
