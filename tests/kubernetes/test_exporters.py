"""Sparkle's postgres and redis exporters on Kubernetes (the guide's 30 s and 15 s scrape jobs): each gets its
own store's credential only, trusts that store's CA where it speaks TLS, and only the monitoring namespace
reaches it; it reaches DNS and its store, nothing else."""

from __future__ import annotations

from tests.conftest import synth_stack

from .helpers import containers, env_of, objects, one, pod_spec, resource_of

POSTGRES_EXPORTER = ("quay.io/prometheuscommunity/postgres-exporter:v0.15.0"
                     "@sha256:386b12d19eab2a37d7cd8ca8b4c7491cc7a830d9581f49af6c98a393da9605e6")
REDIS_EXPORTER = ("quay.io/oliver006/redis_exporter:v1.67.0"
                  "@sha256:120f7ec77293459ccfdad66bb1db75ab72e8bfeab99f58b1cc2564cadcd7a9e7")
MONITORING = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
REDIS_CA_MOUNT = {"name": "redis-ca", "mountPath": "/etc/redis-ca", "readOnly": True}
POSTGRES_CA_MOUNT = {"name": "postgres-ca", "mountPath": "/etc/postgres-ca", "readOnly": True}


def _secret_data(synthesis, namespace: str, name: str) -> dict:
    from appstack.synth import Secret

    data = resource_of(synthesis, "Secret", namespace, name).inputs["stringData"]
    assert isinstance(data, Secret)
    return data.value


def _stacks():
    return ((synth_stack("dev"), "dev-sparkle"), (synth_stack("prod-k8s"), "prod-sparkle"))


def test_each_exporter_gets_its_own_stores_credential_and_nothing_of_the_app():
    for synthesis, ns in _stacks():
        postgres = containers(one(synthesis, "Deployment", ns, "postgres-exporter"))[0]
        assert env_of(postgres) == {"DATA_SOURCE_NAME": {"secretKeyRef": {"name": "postgres-exporter-env",
                                                                          "key": "DATA_SOURCE_NAME"}}}
        assert postgres["image"] == POSTGRES_EXPORTER and "args" not in postgres and "command" not in postgres
        redis = containers(one(synthesis, "Deployment", ns, "redis-exporter"))[0]
        assert sorted(env_of(redis)) == ["REDIS_ADDR", "REDIS_EXPORTER_TLS_CA_CERT_FILE", "REDIS_PASSWORD"]
        assert env_of(redis)["REDIS_PASSWORD"] == {"secretKeyRef": {"name": "redis-exporter-env",
                                                                    "key": "REDIS_PASSWORD"}}
        assert redis["image"] == REDIS_EXPORTER
        # The password alone, never inside the address: the URL the app gets carries it, this one must not.
        assert sorted(_secret_data(synthesis, ns, "redis-exporter-env")) == ["REDIS_PASSWORD"]
        password = _secret_data(synthesis, ns, "redis-exporter-env")["REDIS_PASSWORD"]
        assert password and password not in env_of(redis)["REDIS_ADDR"]
        assert f":{password}@" in _secret_data(synthesis, ns, "gateway-env")["REDIS_URL"]
        assert sorted(_secret_data(synthesis, ns, "postgres-exporter-env")) == ["DATA_SOURCE_NAME"]
        assert (_secret_data(synthesis, ns, "postgres-exporter-env")["DATA_SOURCE_NAME"]
                == _secret_data(synthesis, ns, "gateway-env")["DATABASE_URL"])
        for container, uid in ((postgres, 65534), (redis, 59000)):
            context = container["securityContext"]
            assert (context["runAsUser"], context["runAsGroup"], context["runAsNonRoot"]) == (uid, uid, True)
            assert context["readOnlyRootFilesystem"] is True and context["capabilities"] == {"drop": ["ALL"]}


def test_prod_k8s_exporters_speak_tls_and_trust_only_their_stores_ca():
    synthesis = synth_stack("prod-k8s")
    redis_obj = one(synthesis, "Deployment", "prod-sparkle", "redis-exporter")
    redis = containers(redis_obj)[0]
    assert env_of(redis)["REDIS_ADDR"] == "rediss://redis.prod-sparkle.svc.cluster.local:6379"
    assert env_of(redis)["REDIS_EXPORTER_TLS_CA_CERT_FILE"] == "/etc/redis-ca/ca.crt"
    assert REDIS_CA_MOUNT in redis["volumeMounts"] and POSTGRES_CA_MOUNT not in redis["volumeMounts"]
    assert {"name": "redis-ca", "secret": {"secretName": "redis-tls", "defaultMode": 0o444,
                                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}} in pod_spec(redis_obj)["volumes"]
    postgres = containers(one(synthesis, "Deployment", "prod-sparkle", "postgres-exporter"))[0]
    assert POSTGRES_CA_MOUNT in postgres["volumeMounts"] and REDIS_CA_MOUNT not in postgres["volumeMounts"]
    url = _secret_data(synthesis, "prod-sparkle", "postgres-exporter-env")["DATA_SOURCE_NAME"]
    assert url.endswith("@postgres-rw.prod-sparkle.svc.cluster.local:5432/sparkle"
                        "?sslmode=verify-full&sslrootcert=/etc/postgres-ca/ca.crt")
    # dev's in-cluster stores speak plain TCP: no CA, and the exporter's address says redis://.
    dev_redis = containers(one(synth_stack("dev"), "Deployment", "dev-sparkle", "redis-exporter"))[0]
    assert env_of(dev_redis)["REDIS_ADDR"] == "redis://redis.dev-sparkle.svc.cluster.local:6379"
    assert env_of(dev_redis)["REDIS_EXPORTER_TLS_CA_CERT_FILE"] == ""
    assert REDIS_CA_MOUNT not in dev_redis["volumeMounts"]


def test_service_monitors_scrape_at_the_guides_intervals():
    synthesis = synth_stack("prod-k8s")
    monitors = objects(synthesis, "ServiceMonitor", "prod-sparkle")
    assert {m["metadata"]["name"]: m["spec"]["endpoints"] for m in monitors} == {
        "backend": [{"port": "http", "path": "/metrics", "scheme": "http", "interval": "10s"}],
        "gateway": [{"port": "http", "path": "/metrics", "scheme": "http", "interval": "10s"}],
        "postgres-exporter": [{"port": "http", "path": "/metrics", "scheme": "http", "interval": "30s"}],
        "redis-exporter": [{"port": "http", "path": "/metrics", "scheme": "http", "interval": "15s"}],
    }
    assert not objects(synth_stack("dev"), "ServiceMonitor")  # dev runs no monitoring stack
    for synthesis, ns in _stacks():
        for name, port in (("postgres-exporter", 9187), ("redis-exporter", 9121)):
            service = one(synthesis, "Service", ns, name)["spec"]
            assert service["type"] == "ClusterIP" and [p["port"] for p in service["ports"]] == [port]
        assert not [i for i in objects(synthesis, "Ingress", ns)
                    if "exporter" in str(i["spec"])]  # internal only: no route reaches them


def _labels(obj: dict) -> dict:
    return obj["spec"]["template"]["metadata"]["labels"]


def test_only_monitoring_reaches_the_exporters_and_they_reach_only_their_store():
    synthesis = synth_stack("prod-k8s")
    ns = "prod-sparkle"
    for name, port, store, other in (("postgres-exporter", 9187, "postgres", "redis"),
                                     ("redis-exporter", 9121, "redis", "postgres")):
        assert one(synthesis, "NetworkPolicy", ns, f"allow-{name}")["spec"] == {
            "podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "sparkle", "app.kubernetes.io/name": name}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [MONITORING], "ports": [{"protocol": "TCP", "port": port}]}]}
        labels = _labels(one(synthesis, "Deployment", ns, name))
        assert labels[f"appstack.dev/{store}-client"] == "true" and f"appstack.dev/{other}-client" not in labels
        assert labels["appstack.dev/scrape-only"] == "true" and "appstack.dev/external-egress" not in labels
    # The app's pods are every pod but the exporters: those reach no app service and no app pod reaches them.
    app_pods = {"matchExpressions": [
        {"key": "app.kubernetes.io/component", "operator": "In", "values": ["service", "worker", "job"]},
        {"key": "appstack.dev/scrape-only", "operator": "DoesNotExist"}]}
    egress = one(synthesis, "NetworkPolicy", ns, "allow-app-egress")["spec"]
    assert egress["podSelector"] == app_pods
    assert [p["port"] for p in egress["egress"][0]["ports"]] == [8000, 8080, 50051]
    assert one(synthesis, "NetworkPolicy", ns, "allow-grpc-server")["spec"]["ingress"] == [
        {"from": [{"podSelector": app_pods}], "ports": [{"protocol": "TCP", "port": 50051}]}]
    gateway = _labels(one(synthesis, "Deployment", ns, "gateway"))
    assert gateway["appstack.dev/external-egress"] == "true" and "appstack.dev/scrape-only" not in gateway
    # Without a monitoring stack (dev) nothing reaches them at all.
    assert one(synth_stack("dev"), "NetworkPolicy", "dev-sparkle", "allow-redis-exporter")["spec"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "sparkle",
                                        "app.kubernetes.io/name": "redis-exporter"}},
        "policyTypes": ["Ingress"]}
    # Claude Relay's exporter is scrape-only too; Zmage has none, so its selectors stay as they were.
    assert one(synthesis, "NetworkPolicy", "prod-claude-relay", "allow-postgres-exporter")["spec"]["ingress"] == [
        {"from": [MONITORING], "ports": [{"protocol": "TCP", "port": 9187}]}]
    assert one(synthesis, "NetworkPolicy", "prod-zmage", "allow-app-egress")["spec"]["podSelector"] == {
        "matchExpressions": [app_pods["matchExpressions"][0]]}


def test_an_exporter_of_an_external_database_still_reaches_its_port():
    """allow-declared-egress holds an external store's port and stays every workload's, exporters' too."""
    from tests.conftest import synth_config

    synthesis = synth_config(platform="kubernetes", tier="dev", apps={"sparkle": {
        "database": {"engine": "external", "url_secret": "DB_URL", "cidrs": ["10.9.0.0/16"]},
        "secrets": {"DB_URL": {"source": "provided"}}}},
        secrets={"sparkle:DB_URL": "postgresql://u:p@db.example.com/s", "sparkle:LLM_API_KEY": "k"})
    declared = one(synthesis, "NetworkPolicy", "sparkle", "allow-declared-egress")["spec"]
    assert declared["podSelector"] == {"matchExpressions": [
        {"key": "app.kubernetes.io/component", "operator": "In", "values": ["service", "worker", "job"]}]}
    assert declared["egress"] == [{"to": [{"ipBlock": {"cidr": "10.9.0.0/16"}}],
                                   "ports": [{"protocol": "TCP", "port": 5432}]}]
    labels = _labels(one(synthesis, "Deployment", "sparkle", "postgres-exporter"))
    assert labels["app.kubernetes.io/component"] == "service" and "appstack.dev/external-egress" not in labels
    assert _secret_data(synthesis, "sparkle", "postgres-exporter-env") == {
        "DATA_SOURCE_NAME": "postgresql://u:p@db.example.com/s"}
