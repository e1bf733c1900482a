"""Runtime least privilege on Kubernetes: each pod gets only the env, credentials and network reach it uses."""

from __future__ import annotations

from tests.conftest import synth_stack

from .helpers import containers, env_of, one, resource_of


def dev():
    return synth_stack("dev")


def prod():
    return synth_stack("prod-k8s")


def _job(synthesis, namespace: str, job: str) -> dict:
    from .helpers import objects

    found = [o for o in objects(synthesis, "Job", namespace) if o["metadata"]["labels"]["appstack.dev/job"] == job]
    assert len(found) == 1
    return found[0]


def _env_secret_keys(synthesis, namespace: str, name: str) -> list[str]:
    from appstack.synth import Secret

    data = resource_of(synthesis, "Secret", namespace, name).inputs["stringData"]
    assert isinstance(data, Secret)
    return sorted(data.value)


def test_app_env_keeps_secrets_out_of_migrations_exporters_and_gateways():
    for synthesis, prefix in ((dev(), "dev-"), (prod(), "prod-")):
        exporter = env_of(containers(one(synthesis, "Deployment", f"{prefix}claude-relay", "postgres-exporter"))[0])
        assert sorted(exporter) == ["DATA_SOURCE_NAME"]
        assert _env_secret_keys(synthesis, f"{prefix}claude-relay", "postgres-exporter-env") == ["DATA_SOURCE_NAME"]
        app = env_of(containers(one(synthesis, "Deployment", f"{prefix}claude-relay", "app"))[0])
        assert {"JWT_SECRET", "ENCRYPTION_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD"} <= set(app)

        gateway = env_of(containers(one(synthesis, "Deployment", f"{prefix}sparkle", "gateway"))[0])
        assert "LLM_API_KEY" not in gateway and "LLM_MODEL_NAME" not in gateway
        assert gateway["SECRET_KEY"] == {"secretKeyRef": {"name": "gateway-env", "key": "SECRET_KEY"}}
        assert "LLM_API_KEY" not in _env_secret_keys(synthesis, f"{prefix}sparkle", "gateway-env")
        migrate = env_of(containers(_job(synthesis, f"{prefix}sparkle", "db-migrate"))[0])
        assert sorted(migrate) == ["APP_NAME", "DATABASE_URL", "DEBUG", "LOG_FORMAT", "LOG_LEVEL"]
        assert _env_secret_keys(synthesis, f"{prefix}sparkle", "job-db-migrate-env") == ["DATABASE_URL"]

        zmage = env_of(containers(_job(synthesis, f"{prefix}zmage", "db-migrate"))[0])
        assert sorted(zmage) == ["DATABASE_URL", "NODE_ENV"]  # no bucket bound: no endpoint, no storage identity
        squaretable = env_of(containers(_job(synthesis, f"{prefix}small-squaretable", "db-migrate"))[0])
        assert sorted(squaretable) == ["DATABASE_URL", "LOG_LEVEL", "NODE_ENV"]


def test_app_env_none_and_a_list_select_from_the_app_env_and_own_env_still_wins():
    from appstack.stackconfig import validate_blueprint

    spec = validate_blueprint("zmage")
    web = spec.services["web"]
    assert spec.env_for(web.model_copy(update={"app_env": "none", "env": {"X": "1"}})) == {"X": "1"}
    chosen = web.model_copy(update={"app_env": ["S3_BUCKET", "NODE_ENV"], "env": {"NODE_ENV": "test"}})
    assert spec.env_for(chosen) == {"S3_BUCKET": "${storage.media.bucket}", "NODE_ENV": "test"}
    assert spec.env_for(web) == spec.env  # the default takes everything


IRSA = "eks.amazonaws.com/role-arn"
ROLE = "arn:aws:iam::123456789012:role/prod-k8s-{}-{}"


def _sa_annotations(synthesis, namespace: str, name: str) -> dict:
    return one(synthesis, "ServiceAccount", namespace, name)["metadata"].get("annotations", {})


def test_prod_object_storage_uses_one_irsa_role_per_app_and_one_per_backups_and_no_key():
    from .helpers import objects

    synthesis = prod()
    assert not [s for s in objects(synthesis, "Secret") if "storage-credentials" in s["metadata"]["name"]]
    ns = "prod-zmage"
    for sa in ("web", "worker"):  # both bind ${storage.media.*}
        assert _sa_annotations(synthesis, ns, sa) == {IRSA: ROLE.format("zmage", "storage")}
    assert _sa_annotations(synthesis, ns, "job-db-migrate") == {}  # its app_env takes no bucket
    web = env_of(containers(one(synthesis, "Deployment", ns, "web"))[0])
    assert web["AWS_ENDPOINT_URL_S3"] == "https://s3.eu-west-1.amazonaws.com" and "AWS_ACCESS_KEY_ID" not in web
    migrate = env_of(containers(_job(synthesis, ns, "db-migrate"))[0])
    assert sorted(migrate) == ["DATABASE_URL", "NODE_ENV"]  # no endpoint, no keys
    cluster = one(synthesis, "Cluster", ns, "postgres")["spec"]
    assert cluster["serviceAccountTemplate"] == {"metadata": {"annotations": {IRSA: ROLE.format("zmage", "backups")}}}
    assert cluster["backup"]["barmanObjectStore"]["s3Credentials"] == {"inheritFromIAMRole": True}
    # Elizabeth: the backend binds its bucket, the frontend does not; the SQLite backup has its own role.
    assert _sa_annotations(synthesis, "prod-elizabeth", "backend") == {IRSA: ROLE.format("elizabeth", "storage")}
    assert _sa_annotations(synthesis, "prod-elizabeth", "frontend") == {}
    assert _sa_annotations(synthesis, "prod-elizabeth", "backend-sqlite-backup") == {
        IRSA: ROLE.format("elizabeth", "backups")}
    # Apps without buckets: only the backup principal exists.
    relay = {o["metadata"]["name"]: o["metadata"].get("annotations", {})
             for o in objects(synthesis, "ServiceAccount", "prod-claude-relay")}
    assert {n: a for n, a in relay.items() if a} == {}
    relay_cluster = one(synthesis, "Cluster", "prod-claude-relay", "postgres")["spec"]
    assert relay_cluster["serviceAccountTemplate"]["metadata"]["annotations"] == {
        IRSA: ROLE.format("claude-relay", "backups")}
    assert not [p for p in objects(synthesis, "NetworkPolicy") if p["metadata"]["name"] == "allow-workload-identity"]


def _static_stack():
    from tests.conftest import synth_config

    return synth_config(
        platform="kubernetes", apps={"zmage": {}, "elizabeth": {}},
        extra={"kubernetes": {"postgres": {"mode": "in-cluster"}, "backups": {"target": "s3"},
                              "object_storage": {"credentials": "static"}}},
        secrets={"zmage:storageAccessKeyId": "AKIAZMAGEAPP", "zmage:storageSecretAccessKey": "zmage-app-key",
                 "zmage:backupAccessKeyId": "AKIAZMAGEBACKUP", "zmage:backupSecretAccessKey": "zmage-backup-key",
                 "zmage:GEMINI_API_KEY": "g", "zmage:SENTRY_DSN": "https://k@sentry.example/1"},
    )


def test_static_keys_are_per_app_and_per_principal_and_reach_only_binding_workloads():
    from .helpers import objects

    synthesis = _static_stack()
    refs = {k: {"secretKeyRef": {"name": "object-storage-credentials", "key": k}}
            for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    for kind, name in (("Deployment", "web"), ("Deployment", "worker")):
        env = env_of(containers(one(synthesis, kind, "zmage", name))[0])
        assert {k: env[k] for k in refs} == refs
    assert "AWS_ACCESS_KEY_ID" not in env_of(containers(_job(synthesis, "zmage", "db-migrate"))[0])
    backup = one(synthesis, "CronJob", "zmage", "postgres-backup")
    uploader = env_of(containers(backup)[-1])
    assert uploader["AWS_ACCESS_KEY_ID"] == {
        "secretKeyRef": {"name": "backup-storage-credentials", "key": "AWS_ACCESS_KEY_ID"}}
    assert "AWS_ACCESS_KEY_ID" not in env_of(containers(backup)[0])  # pg_dump holds no storage key
    assert _env_secret_keys(synthesis, "zmage", "object-storage-credentials") == [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    assert _env_secret_keys(synthesis, "zmage", "backup-storage-credentials") == [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    # Elizabeth's keys are unset: no Secret, no key, in its namespace; zmage's never cross over.
    assert not [s for s in objects(synthesis, "Secret", "elizabeth") if "storage" in s["metadata"]["name"]]
    backend = env_of(containers(one(synthesis, "StatefulSet", "elizabeth", "backend"))[0])
    assert "AWS_ACCESS_KEY_ID" not in backend and backend["AWS_ENDPOINT_URL_S3"]
    text = str([r.masked() for r in synthesis.resources])
    assert "AKIAZMAGE" not in text and "zmage-app-key" not in text


def _identity_stack(provider: str, role: str, backup: str, target: str = "pvc"):
    from tests.conftest import synth_config

    return synth_config(
        platform="kubernetes", apps={"zmage": {}},
        extra={"kubernetes": {"backups": {"target": target}, "postgres": {"mode": "operator"}, "object_storage": {
            "credentials": "workload-identity",
            "workload_identity": {"provider": provider, "app_role": role, "backup_role": backup}}}},
    )


def test_gke_and_eks_pod_identity_open_only_their_node_local_credential_endpoint():
    gke = _identity_stack("gke", "{app}-media@acme-prod.iam.gserviceaccount.com",
                          "{app}-backup@acme-prod.iam.gserviceaccount.com")
    assert _sa_annotations(gke, "zmage", "web") == {
        "iam.gke.io/gcp-service-account": "zmage-media@acme-prod.iam.gserviceaccount.com"}
    policy = one(gke, "NetworkPolicy", "zmage", "allow-workload-identity")["spec"]
    assert policy["podSelector"] == {"matchLabels": {"appstack.dev/object-storage": "true"}}
    assert policy["egress"] == [
        {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [{"protocol": "TCP", "port": 80}]},
        {"to": [{"ipBlock": {"cidr": "169.254.169.252/32"}}], "ports": [{"protocol": "TCP", "port": 988}]},
    ]
    labels = one(gke, "Deployment", "zmage", "web")["spec"]["template"]["metadata"]["labels"]
    assert labels["appstack.dev/object-storage"] == "true"
    migrate = _job(gke, "zmage", "db-migrate")["spec"]["template"]["metadata"]["labels"]
    assert "appstack.dev/object-storage" not in migrate

    pod_identity = _identity_stack("eks-pod-identity", "arn:aws:iam::123456789012:role/{namespace}-media",
                                   "arn:aws:iam::123456789012:role/{namespace}-backups", target="s3")
    assert _sa_annotations(pod_identity, "zmage", "web") == {}  # associations are made on the EKS side
    assert one(pod_identity, "NetworkPolicy", "zmage", "allow-workload-identity")["spec"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]},
        {"to": [{"ipBlock": {"cidr": "fd00:ec2::23/128"}}], "ports": [{"protocol": "TCP", "port": 80}]}]
    cluster = one(pod_identity, "Cluster", "zmage", "postgres")["spec"]
    assert "serviceAccountTemplate" not in cluster
    assert cluster["inheritedMetadata"]["labels"]["appstack.dev/object-storage"] == "true"


def test_object_storage_credentials_must_be_stated_and_identities_well_formed():
    from tests.foundation.helpers import problems

    def found(storage, **settings):
        kubernetes = {"object_storage": storage, **settings}
        return {p.path: p.message for p in problems({"zmage": {}}, kubernetes=kubernetes)}

    assert found({"credentials": None}) == {"appstack:kubernetes.object_storage.credentials": (
        "apps zmage use object storage: set workload-identity (preferred, with workload_identity) or static")}
    assert found({"credentials": "workload-identity"}) == {"appstack:kubernetes.object_storage": (
        "credentials workload-identity needs workload_identity (provider, app_role, backup_role)")}
    role = "arn:aws:iam::123456789012:role/{app}-storage"
    bad = found({"credentials": "workload-identity", "workload_identity": {
        "provider": "eks-irsa", "app_role": role, "backup_role": role}})
    assert bad == {"appstack:kubernetes.object_storage.workload_identity": (
        "backup_role must differ from app_role: backups get their own identity")}
    shared = found({"credentials": "workload-identity", "workload_identity": {
        "provider": "eks-irsa", "app_role": "arn:aws:iam::123456789012:role/shared",
        "backup_role": "arn:aws:iam::12345:role/{app}-{bucket}"}})
    assert shared == {"appstack:kubernetes.object_storage.workload_identity": (
        "app_role: must contain {app} or {namespace} so each app has its own identity; "
        "backup_role: unknown placeholder {bucket} (use {app}, {namespace})")}
    gke_as_arn = found({"credentials": "workload-identity", "workload_identity": {
        "provider": "gke", "app_role": role, "backup_role": "{app}-b@p-1234.iam.gserviceaccount.com"}})
    assert gke_as_arn == {"appstack:kubernetes.object_storage.workload_identity": (
        f"app_role: '{role}' does not make a Google service account email")}
    gke_s3 = found({"credentials": "workload-identity", "workload_identity": {
        "provider": "gke", "app_role": "{app}-a@proj-1.iam.gserviceaccount.com",
        "backup_role": "{app}-b@proj-1.iam.gserviceaccount.com"}}, backups={"target": "s3"})
    assert list(gke_s3) == ["appstack:kubernetes.backups.target"]


def _pod_labels(obj: dict) -> dict:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return obj["spec"]["template"]["metadata"]["labels"]


PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]


def test_data_clients_reach_only_the_stores_they_bind_on_their_ports():
    synthesis = prod()
    ns = "prod-claude-relay"
    exporter = _pod_labels(one(synthesis, "Deployment", ns, "postgres-exporter"))
    assert exporter.get("appstack.dev/postgres-client") == "true" and "appstack.dev/redis-client" not in exporter
    app = _pod_labels(one(synthesis, "Deployment", ns, "app"))
    assert app["appstack.dev/postgres-client"] == app["appstack.dev/redis-client"] == "true"
    assert "appstack.dev/redis-client" not in _pod_labels(_job(synthesis, "prod-zmage", "db-migrate"))
    assert one(synthesis, "NetworkPolicy", ns, "allow-redis-client-egress")["spec"] == {
        "podSelector": {"matchLabels": {"appstack.dev/redis-client": "true"}}, "policyTypes": ["Egress"],
        "egress": [{"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "claude-relay",
                                                           "app.kubernetes.io/name": "redis"}}}],
                    "ports": [{"protocol": "TCP", "port": 6379}]}]}
    redis_in = one(synthesis, "NetworkPolicy", ns, "allow-redis")["spec"]["ingress"]
    assert redis_in == [{"from": [{"podSelector": {"matchLabels": {"appstack.dev/redis-client": "true"}}}],
                         "ports": [{"protocol": "TCP", "port": 6379}]}]


def test_cloudnativepg_and_backups_reach_only_the_object_store():
    synthesis = prod()
    ns = "prod-zmage"
    labels = one(synthesis, "Cluster", ns, "postgres")["spec"]["inheritedMetadata"]["labels"]
    assert labels["appstack.dev/backup-egress"] == "true" and "appstack.dev/external-egress" not in labels
    assert one(synthesis, "NetworkPolicy", ns, "allow-backup-egress")["spec"] == {
        "podSelector": {"matchLabels": {"appstack.dev/backup-egress": "true"}}, "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE}}],
                    "ports": [{"protocol": "TCP", "port": 443}]}]}
    sqlite = _pod_labels(one(synthesis, "CronJob", "prod-elizabeth", "backend-sqlite-backup"))
    assert sqlite["appstack.dev/backup-egress"] == "true" and "appstack.dev/external-egress" not in sqlite

    from tests.conftest import synth_config

    pinned = synth_config(platform="kubernetes", apps={"zmage": {}}, extra={"kubernetes": {
        "backups": {"target": "s3"}, "postgres": {"mode": "in-cluster"}, "api_server_cidrs": ["172.20.0.1/32"],
        "object_storage": {"credentials": "static", "cidrs": ["52.95.128.0/21", "3.5.64.0/21"]}}})
    assert one(pinned, "NetworkPolicy", "zmage", "allow-backup-egress")["spec"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "52.95.128.0/21"}}, {"ipBlock": {"cidr": "3.5.64.0/21"}}],
         "ports": [{"protocol": "TCP", "port": 443}]}]
    backup = _pod_labels(one(pinned, "CronJob", "zmage", "postgres-backup"))
    assert backup["appstack.dev/postgres-client"] == backup["appstack.dev/backup-egress"] == "true"
    assert "appstack.dev/external-egress" not in backup
    operator = synth_config(platform="kubernetes", apps={"zmage": {}}, extra={"kubernetes": {
        "postgres": {"mode": "operator"}, "api_server_cidrs": ["172.20.0.1/32"]}})
    egress = one(operator, "NetworkPolicy", "zmage", "allow-postgres")["spec"]["egress"]
    assert egress[-1] == {"to": [{"ipBlock": {"cidr": "172.20.0.1/32"}}],
                          "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]}


def test_monitoring_namespace_has_pod_security_default_deny_and_a_generated_grafana_password():
    from appstack.synth import Secret

    from .helpers import objects

    synthesis = prod()
    ns = objects(synthesis, "Namespace", "monitoring")[0]["metadata"]["labels"]
    psa = {k.removeprefix("pod-security.kubernetes.io/"): v for k, v in ns.items() if k.startswith("pod-security")}
    assert psa == {"enforce": "baseline", "enforce-version": "latest", "audit": "restricted",
                   "audit-version": "latest", "warn": "restricted", "warn-version": "latest"}
    policies = {p["metadata"]["name"]: p["spec"] for p in objects(synthesis, "NetworkPolicy", "monitoring")}
    assert sorted(policies) == ["allow-alertmanager-receivers", "allow-api-server", "allow-dns", "allow-same-namespace",
                                "allow-scrape", "allow-webhook", "default-deny"]
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert policies["allow-scrape"]["egress"] == [
        {"to": [{"namespaceSelector": {}}]},
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 10250}]}]
    assert policies["allow-alertmanager-receivers"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 443}]
    release = synthesis.by_type("kubernetes:helm.sh/v3:Release")[0]
    values = release.inputs["values"]
    assert values["grafana"]["admin"] == {"existingSecret": "grafana-admin", "userKey": "admin-user",
                                          "passwordKey": "admin-password"}
    assert "adminPassword" not in values["grafana"] and values["nodeExporter"] == {"enabled": False}
    assert release.inputs["namespace"] == "monitoring" and release.inputs["createNamespace"] is False
    secret = resource_of(synthesis, "Secret", "monitoring", "grafana-admin")
    assert isinstance(secret.inputs["stringData"], Secret)
    assert sorted(secret.inputs["stringData"].value) == ["admin-password", "admin-user"]
    password = synthesis.named("kubernetes-monitoring-grafana-admin-password", "random:index/randomPassword:RandomPassword")
    assert password.inputs["length"] == 32 and password.options["protect"] is True
    # The release kept its identity when it moved under the Monitoring component.
    assert release.options["aliases"]


def test_every_image_the_stack_chooses_is_pinned_by_digest():
    from appstack import images
    from appstack.stackconfig import validate_blueprint

    from .helpers import WORKLOAD_KINDS
    from .schemas import kubernetes_objects, manifest

    # The only rows of the table whose digest could not be verified offline (see appstack/images.py).
    unverified = {"postgres-13", "postgres-14", "redis-6", *(f"cloudnative-pg-{m}" for m in ("13", "14", "15", "16"))}
    assert images.TABLE["cloudnative-pg-17"].reference == (
        "ghcr.io/cloudnative-pg/postgresql:17.6@sha256:30b304a2e300ed80b6d1b740e4369e9b0f25599fb518de78c01fd9f25531791b"
    )
    assert {k for k, i in images.TABLE.items() if i.digest is None} == unverified
    for image in images.TABLE.values():
        assert image.digest is None or (image.digest.startswith("sha256:") and len(image.digest) == 71)
    allowed_tag_only = {images.TABLE[k].reference for k in unverified}
    built = {f"{app}-{name}" for app in ("small-squaretable", "claude-relay", "sparkle", "elizabeth", "zmage")
             for name, image in validate_blueprint(app).images.items() if image.build}
    chosen = set()
    for synthesis in (dev(), prod()):
        for resource in kubernetes_objects(synthesis.resources):
            obj = manifest(resource)
            if obj["kind"] in WORKLOAD_KINDS:
                chosen |= {c["image"] for c in containers(obj)}
            elif obj["kind"] == "Cluster":
                chosen.add(obj["spec"]["imageName"])
    chosen = {i for i in chosen if i.split("/")[-1].split(":")[0] not in built}
    assert {i for i in chosen if "@sha256:" not in i} == {
        "ghcr.io/cloudnative-pg/postgresql:15.14", "ghcr.io/cloudnative-pg/postgresql:16.10"} <= allowed_tag_only
    assert {i.split("@")[0] for i in chosen if "@sha256:" in i} == {
        "postgres:15.14-bookworm", "postgres:16.10-bookworm", "redis:7.4.5-bookworm", "amazon/aws-cli:2.22.35",
        "python:3.12.11-slim-bookworm", "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
        "quay.io/oliver006/redis_exporter:v1.67.0"}


def test_cloudnativepg_clients_verify_the_server_with_the_cluster_ca_only():
    from appstack.synth import Secret

    synthesis = prod()
    ns = "prod-zmage"
    url = resource_of(synthesis, "Secret", ns, "web-env").inputs["stringData"]
    assert isinstance(url, Secret)
    assert url.value["DATABASE_URL"].endswith(
        "@postgres-rw.prod-zmage.svc.cluster.local:5432/zmage?sslmode=verify-full&sslrootcert=/etc/postgres-ca/ca.crt")
    ca = {"name": "postgres-ca", "secret": {"secretName": "postgres-ca", "defaultMode": 0o444,
                                            "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
    mount = {"name": "postgres-ca", "mountPath": "/etc/postgres-ca", "readOnly": True}
    for obj in (one(synthesis, "Deployment", ns, "web"), one(synthesis, "Deployment", ns, "worker"),
                _job(synthesis, ns, "db-migrate"),
                one(synthesis, "Deployment", "prod-claude-relay", "postgres-exporter")):
        assert ca in obj["spec"]["template"]["spec"]["volumes"], obj["metadata"]["name"]
        assert mount in containers(obj)[0]["volumeMounts"]
    backend = one(synthesis, "StatefulSet", "prod-elizabeth", "backend")  # SQLite: no database CA
    assert all(v["name"] != "postgres-ca" for v in backend["spec"]["template"]["spec"]["volumes"])
    dev_web = one(dev(), "Deployment", "dev-zmage", "web")  # in-cluster Postgres speaks plain TCP in dev
    assert all(v["name"] != "postgres-ca" for v in dev_web["spec"]["template"]["spec"]["volumes"])
