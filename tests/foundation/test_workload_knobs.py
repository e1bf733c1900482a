"""Kubernetes-only knobs (labels, annotations, node selector, tolerations, affinity) and sidecars, rendered
exactly on both platforms, refused before any resource when hostile."""

from __future__ import annotations

import json
from functools import cache

import pytest

from appstack.policy_check import run_policies
from appstack.provider_checks import check
from tests.conftest import synth_config
from tests.foundation.helpers import load, problems
from tests.kubernetes.helpers import one, pod_spec

PROXY = {
    "image": "proxy",
    "args": ["--upstream=http://127.0.0.1:3000"],
    "env": {"UPSTREAM": "${services.web.url}", "TOKEN": "${secrets.GEMINI_API_KEY}", "MODE": "strict"},
    "ports": [{"name": "proxy", "port": 4180}],
    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
    "health": {"command": ["/bin/auth-proxy", "check"]},
}
TOLERATIONS = [
    {"key": "dedicated", "value": "web", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "toleration_seconds": 30},
    {"operator": "Exists"},
]
AFFINITY = {
    "node": {"preferred": [{"weight": 40, "match_expressions": [{"key": "pool", "operator": "In", "values": ["fast"]}]}],
             "required": [{"match_expressions": [{"key": "cpu-gen", "operator": "Gt", "values": ["3"]}]}]},
    "pod_anti": {"required": [{"match_labels": {"team": "batch"}, "topology_key": "kubernetes.io/hostname"}]},
}
APP = {
    "images": {"proxy": {"repository": "ghcr.io/example/auth-proxy", "tag": "2.1.0"}},
    "kubernetes": {"ingress": {"labels": {"team": "media"},
                               "annotations": {"nginx.ingress.kubernetes.io/limit-rps": "50"}}},
    "services": {"web": {
        # Only the sidecar takes GEMINI_API_KEY: the execution role must grant it for the sidecar alone.
        "app_env": ["NODE_ENV", "NEXTAUTH_URL"],
        "kubernetes": {"pod": {"labels": {"team": "media"}, "annotations": {"example.com/owner": "media-team"}},
                       "service": {"labels": {"tier": "front"}, "annotations": {"example.com/scrape": "true"}},
                       "node_selector": {"kubernetes.io/arch": "arm64"},
                       "tolerations": TOLERATIONS, "affinity": AFFINITY},
        "sidecars": {"auth-proxy": PROXY}}},
    "jobs": {"db-migrate": {"kubernetes": {"node_selector": {"pool": "batch"}}}},
}
SECRETS = {"zmage:GEMINI_API_KEY": "g", "zmage:SENTRY_DSN": "https://k@sentry.example.com/1"}
SANDBOX = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "privileged": False,
           "readOnlyRootFilesystem": True, "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
           "seccompProfile": {"type": "RuntimeDefault"}}


@cache
def synth(platform: str, tier: str):
    return synth_config(platform=platform, tier=tier, apps={"zmage": APP}, secrets=SECRETS)


def test_kubernetes_pod_takes_labels_annotations_and_scheduling_beside_the_topology_spread():
    template = one(synth("kubernetes", "dev"), "Deployment", "zmage", "web")["spec"]["template"]
    labels, spec = template["metadata"]["labels"], template["spec"]
    assert labels["team"] == "media" and labels["app.kubernetes.io/name"] == "web"
    assert template["metadata"]["annotations"]["example.com/owner"] == "media-team"
    assert "appstack.io/env-secret-checksum" in template["metadata"]["annotations"]  # the sidecar's secret
    assert spec["nodeSelector"] == {"kubernetes.io/arch": "arm64"}
    assert spec["tolerations"] == [
        {"operator": "Equal", "key": "dedicated", "value": "web", "effect": "NoSchedule"},
        {"operator": "Exists", "key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "tolerationSeconds": 30},
        {"operator": "Exists"},
    ]
    assert spec["affinity"] == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "cpu-gen", "operator": "Gt", "values": ["3"]}]}]},
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 40, "preference": {"matchExpressions": [{"key": "pool", "operator": "In",
                                                                   "values": ["fast"]}]}}]},
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"team": "batch"}}, "topologyKey": "kubernetes.io/hostname"}]},
    }
    assert [c["topologyKey"] for c in spec["topologySpreadConstraints"]] == [
        "topology.kubernetes.io/zone", "kubernetes.io/hostname"]


def test_kubernetes_service_ingress_and_job_take_their_own_settings_only():
    synthesis = synth("kubernetes", "dev")
    service = one(synthesis, "Service", "zmage", "web")["metadata"]
    assert service["annotations"] == {"example.com/scrape": "true"}
    assert service["labels"] == {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/name": "web",
                                 "app.kubernetes.io/part-of": "zmage", "appstack.dev/stack": "test", "tier": "front"}
    ingress = one(synthesis, "Ingress", "zmage", "zmage")["metadata"]
    assert ingress["labels"]["team"] == "media"
    assert ingress["annotations"]["nginx.ingress.kubernetes.io/limit-rps"] == "50"
    assert ingress["annotations"]["nginx.ingress.kubernetes.io/ssl-redirect"] == "true"
    jobs = [o for o in synthesis.by_type("kubernetes:batch/v1:Job") if "db-migrate" in o.name]
    assert len(jobs) == 1 and jobs[0].inputs["spec"]["template"]["spec"]["nodeSelector"] == {"pool": "batch"}
    worker = pod_spec(one(synthesis, "Deployment", "zmage", "worker"))
    assert not {"nodeSelector", "tolerations", "affinity", "initContainers"} & set(worker)


def test_kubernetes_sidecar_is_a_native_sidecar_in_the_restricted_sandbox():
    synthesis = synth("kubernetes", "dev")
    spec = pod_spec(one(synthesis, "Deployment", "zmage", "web"))
    assert spec["initContainers"] == [{
        "name": "auth-proxy",
        "image": "ghcr.io/example/auth-proxy:2.1.0",
        "imagePullPolicy": "IfNotPresent",
        "restartPolicy": "Always",
        "securityContext": SANDBOX,
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
        "volumeMounts": [{"name": "auth-proxy-tmp", "mountPath": "/tmp"}],
        "args": ["--upstream=http://127.0.0.1:3000"],
        "env": [{"name": "MODE", "value": "strict"},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "web-env", "key": "auth-proxy.TOKEN"}}},
                {"name": "UPSTREAM", "value": "http://web.zmage.svc.cluster.local:3000"}],
        "ports": [{"name": "proxy", "containerPort": 4180, "protocol": "TCP"}],
        "livenessProbe": {"exec": {"command": ["/bin/auth-proxy", "check"]}, "initialDelaySeconds": 0,
                          "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3},
    }]
    assert {"name": "auth-proxy-tmp", "emptyDir": {"sizeLimit": "1Gi"}} in spec["volumes"]
    # The main container's scratch space stays its own.
    assert [m["name"] for m in spec["containers"][0]["volumeMounts"]] == ["w-app-frontend-next-cache", "w-tmp"]


@pytest.mark.parametrize(("platform", "tier"), [("kubernetes", "dev"), ("kubernetes", "prod"), ("aws", "prod")])
def test_the_knobs_pass_provider_checks_and_the_policy_pack(platform, tier, capsys):
    synthesis = synth(platform, tier)
    assert check(synthesis) == []
    assert run_policies(synthesis, synthesis.model) == 0, capsys.readouterr().out


def _containers(synthesis, task: str) -> list[dict]:
    definition = next(r for r in synthesis.by_type("aws:ecs/taskDefinition:TaskDefinition") if r.name == task)
    return json.loads(definition.inputs["containerDefinitions"]), definition.inputs


def test_ecs_sidecar_is_an_extra_container_in_the_same_sandbox_and_sizes_the_task():
    synthesis = synth("aws", "prod")
    containers, task = _containers(synthesis, "zmage-web")
    assert [c["name"] for c in containers] == ["web", "prometheus-collector", "auth-proxy"]
    sidecar = containers[2]
    gemini = next(s["valueFrom"] for s in sidecar["secrets"])
    assert gemini.startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:zmage-gemini-api-key-")
    assert sidecar == {
        "name": "auth-proxy", "image": "ghcr.io/example/auth-proxy:2.1.0", "essential": True, "user": "10001:10001",
        "readonlyRootFilesystem": True, "cpu": 103, "memory": 128, "memoryReservation": 64,
        "environment": [{"name": "MODE", "value": "strict"},
                        {"name": "UPSTREAM", "value": "http://web.zmage.test.internal:3000"}],
        "secrets": [{"name": "TOKEN", "valueFrom": gemini}],
        "mountPoints": [],
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}, "tmpfs": [
            {"containerPath": "/tmp", "size": 64,
             "mountOptions": ["rw", "nosuid", "nodev", "uid=10001", "gid=10001", "mode=1777"]}]},
        "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/appstack/test/zmage/web", "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "auth-proxy", "mode": "non-blocking", "max-buffer-size": "25m"}},
        "command": ["--upstream=http://127.0.0.1:3000"],  # ECS's command is the image's CMD: the spec's args
        "portMappings": [{"name": "auth-proxy-proxy", "containerPort": 4180, "protocol": "tcp"}],
        "healthCheck": {"command": ["CMD", "/bin/auth-proxy", "check"], "interval": 10, "timeout": 5,
                        "retries": 3, "startPeriod": 0},
    }
    # 1024 (web's CPU limit) + 205 (the sidecar's 200m) units need a 2-vCPU task; without it, 1 vCPU.
    assert (task["cpu"], task["memory"]) == ("2048", "4096")
    execution = next(r for r in synthesis.by_type("aws:iam/rolePolicy:RolePolicy") if r.name == "zmage-web-execution")
    statement = next(s for s in json.loads(execution.inputs["policy"])["Statement"] if s["Sid"] == "InjectedSecrets")
    assert statement["Resource"] == [gemini]  # web itself takes no secret: the grant is the sidecar's


def test_aws_warns_about_every_kubernetes_only_block():
    stack = load({"zmage": APP}, platform="aws", tier="prod")
    ignored = "Kubernetes-only (labels, annotations, node selector, tolerations, affinity); the aws platform ignores it"
    assert [w for w in stack.warnings if "Kubernetes-only" in w] == [
        f"apps.zmage.kubernetes: {ignored}",
        f"apps.zmage.services.web.kubernetes: {ignored}",
        f"apps.zmage.jobs.db-migrate.kubernetes: {ignored}",
    ]
    assert not [w for w in load({"zmage": APP}, platform="kubernetes").warnings if "Kubernetes-only" in w]


def _web(**fields):
    return {"zmage": {**APP, "services": {"web": {**APP["services"]["web"], **fields}}}}


def _pod(**pod):
    return _web(kubernetes={"pod": pod})


@pytest.mark.parametrize(("apps", "path", "message"), [
    (_pod(labels={"app.kubernetes.io/name": "evil"}), "kubernetes.pod.labels.app.kubernetes.io/name",
     "appstack sets it itself (selectors, network policy reach, rollouts)"),
    (_pod(labels={"appstack.dev/postgres-client": "true"}), "kubernetes.pod.labels.appstack.dev/postgres-client",
     "appstack sets it itself"),
    (_pod(annotations={"appstack.io/env-secret-checksum": "0"}),
     "kubernetes.pod.annotations.appstack.io/env-secret-checksum", "appstack sets it itself"),
    (_pod(labels={"node-role.kubernetes.io/control-plane": "x"}),
     "kubernetes.pod.labels.node-role.kubernetes.io/control-plane",
     "the kubernetes.io and k8s.io prefixes are reserved for Kubernetes components"),
    (_pod(annotations={"x.k8s.io/y": "z"}), "kubernetes.pod.annotations.x.k8s.io/y",
     "reserved for Kubernetes components"),
    (_pod(labels={"Team Name": "x"}), "kubernetes.pod.labels.Team Name",
     "name 'Team Name' must be 1-63 letters"),
    (_pod(labels={"team": "x" * 64}), "kubernetes.pod.labels.team", "must be at most 63 letters"),
    (_pod(labels={"-team": "x"}), "kubernetes.pod.labels.-team", "name '-team' must be 1-63"),
    (_pod(labels={"Example.com/team": "x"}), "kubernetes.pod.labels.Example.com/team",
     "prefix 'Example.com' must be a lowercase DNS subdomain"),
    (_pod(labels={"a" * 254 + "/team": "x"}), "kubernetes.pod.labels.aaaa", "of at most 253 characters"),
    (_pod(annotations={"example.com/blob": "x" * (256 * 1024)}), "kubernetes.pod.annotations",
     "hold 262160 bytes; at most 262144 fit one object"),
    (_web(kubernetes={"tolerations": [{"operator": "Exists", "value": "v"}]}), "kubernetes.tolerations[0]",
     "operator Exists matches any value: remove value"),
    (_web(kubernetes={"tolerations": [{"key": "a", "effect": "NoSchedule", "toleration_seconds": 5}]}),
     "kubernetes.tolerations[0]", "toleration_seconds applies to effect NoExecute only"),
    (_web(kubernetes={"tolerations": [{"value": "v"}]}), "kubernetes.tolerations[0]",
     "a toleration without a key needs operator Exists"),
    (_web(kubernetes={"tolerations": [{"key": "a", "operator": "In"}]}), "kubernetes.tolerations[0].operator",
     "Equal"),
    (_web(kubernetes={"affinity": {"node": {"required": [{"match_expressions": [
        {"key": "gen", "operator": "Gt", "values": ["three"]}]}]}}}),
     "kubernetes.affinity.node.required[0].match_expressions[0]", "operator Gt takes exactly one integer value"),
    (_web(kubernetes={"affinity": {"pod": {"required": [{"topology_key": "kubernetes.io/hostname"}]}}}),
     "kubernetes.affinity.pod.required[0]", "set match_labels or match_expressions"),
    (_web(kubernetes={"affinity": {"pod_anti": {"preferred": [{"weight": 0, "match_labels": {"a": "b"},
                                                              "topology_key": "zone"}]}}}),
     "kubernetes.affinity.pod_anti.preferred[0].weight", "greater than or equal to 1"),
    (_web(kubernetes={"affinity": {"node": {"required": [{"match_expressions": [
        {"key": "a", "operator": "In"}]}]}}}),
     "kubernetes.affinity.node.required[0].match_expressions[0]", "operator In needs at least one value"),
])
def test_hostile_kubernetes_settings_fail_before_any_resource(apps, path, message):
    found = problems(apps)
    assert any(p.path.startswith(f"apps.zmage.services.web.{path}") and message in p.message for p in found), found


def test_pods_may_set_the_annotations_kubernetes_documents_for_users():
    stack = load(_pod(annotations={"kubectl.kubernetes.io/default-container": "web",
                                   "cluster-autoscaler.kubernetes.io/safe-to-evict": "false"}))
    assert stack.apps["zmage"].services["web"].kubernetes.pod.annotations["kubectl.kubernetes.io/default-container"]


def test_the_ingress_keeps_appstacks_settings_and_takes_no_snippet():
    found = problems({"zmage": {**APP, "kubernetes": {"ingress": {"annotations": {
        "nginx.ingress.kubernetes.io/ssl-redirect": "false",
        "nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers 'X: y';",
        "cert-manager.io/cluster-issuer": "other",
        "kubernetes.io/ingress.class": "traefik"}}}}})
    where, owned = "apps.zmage.kubernetes.ingress.annotations", "appstack sets it itself on this object"
    assert [(p.path, p.message) for p in found] == [
        (f"{where}.cert-manager.io/cluster-issuer", owned),
        (f"{where}.kubernetes.io/ingress.class", owned),
        (f"{where}.nginx.ingress.kubernetes.io/configuration-snippet",
         "snippet annotations inject raw nginx configuration and are never taken from an app spec"),
        (f"{where}.nginx.ingress.kubernetes.io/ssl-redirect", owned),
    ]


def test_ingress_settings_need_an_ingress():
    found = problems({"zmage": {**APP, "services": {"web": {**APP["services"]["web"], "routes": []}}}})
    assert [(p.path, p.message) for p in found if "ingress" in p.path] == [
        ("apps.zmage.kubernetes.ingress", "the app has no public routes, so no Ingress to label or annotate")]


def test_a_workers_kubernetes_block_takes_no_service_metadata():
    found = problems({"zmage": {**APP, "workers": {"worker": {"kubernetes": {"service": {"labels": {"a": "b"}}}}}}})
    assert [p.path for p in found] == ["apps.zmage.workers.worker.kubernetes.service"]


def _sidecar(**fields):
    return _web(sidecars={"auth-proxy": {**PROXY, **fields}})


@pytest.mark.parametrize(("apps", "path", "message"), [
    (_sidecar(image="missing"), "sidecars.auth-proxy.image", "unknown image 'missing'; declared: proxy, web, worker"),
    (_sidecar(run_as_user=0), "sidecars.auth-proxy.run_as_user", "must not be 0"),
    (_sidecar(env={"DB": "${postgres.url}"}), "sidecars.auth-proxy.env.DB",
     "a sidecar's env may reference app.*, services.* and secrets.* only (no data store)"),
    (_sidecar(env={"TOKEN": "Bearer ${secrets.GEMINI_API_KEY}"}), "sidecars.auth-proxy.env.TOKEN",
     "${secrets.GEMINI_API_KEY} must be the whole value: a sidecar takes a secret by reference only"),
    (_sidecar(env={"X": "${secrets.NOPE}"}), "sidecars.auth-proxy.env.X", "unknown reference ${secrets.NOPE}"),
    (_sidecar(ports=[{"name": "http", "port": 3000}]), "sidecars.auth-proxy.ports[0].port",
     "port 3000 is already the main container's"),
    (_sidecar(ports=[{"name": "http", "port": 3001}]), "sidecars.auth-proxy.ports[0].name",
     "name http is already the main container's"),
    (_sidecar(ports=[{"name": "a", "port": 1}, {"name": "b", "port": 1}]), "sidecars.auth-proxy.ports[1].port",
     "port 1 is already sidecar auth-proxy's"),
    (_sidecar(ports=[{"name": "Proxy_Port", "port": 4180}]), "sidecars.auth-proxy.ports[0].name",
     "an IANA service name"),
    (_sidecar(health={"http": "/healthz"}), "sidecars.auth-proxy.health", "a sidecar's check is a command"),
    (_web(sidecars={"web": PROXY}), "sidecars.web", "'web' is taken"),
    (_web(sidecars={"prometheus-collector": PROXY}), "sidecars.prometheus-collector", "is taken"),
])
def test_hostile_sidecars_fail_before_any_resource(apps, path, message):
    found = problems(apps)
    assert any(p.path == f"apps.zmage.services.web.{path}" and message in p.message for p in found), found


def test_a_sidecar_beyond_fargate_fails_the_aws_stack_naming_the_resources():
    apps = _sidecar(resources={"requests": {"cpu": "8", "memory": "64Gi"}, "limits": {"memory": "125Gi"}})
    found = problems(apps, platform="aws", tier="prod")
    assert [p.path for p in found] == ["apps.zmage.services.web.resources"]
    assert "more than the largest Fargate task" in found[0].message


def test_a_sidecar_check_ecs_cannot_run_fails_the_aws_stack_only():
    apps = _sidecar(health={"command": ["/ok"], "period_seconds": 1, "initial_delay_seconds": 600})
    found = problems(apps, platform="aws", tier="prod")
    where = "apps.zmage.services.web.sidecars.auth-proxy.health"
    assert [(p.path, p.message) for p in found] == [
        (f"{where}.initial_delay_seconds", "ECS health checks take startPeriod 0-300; this initial delay plus the "
                                           "startup probe's budget is 600"),
        (f"{where}.period_seconds", "ECS health checks take interval 5-300; this value is 1"),
    ]
    assert load(apps).apps["zmage"].services["web"].sidecars["auth-proxy"].health.period_seconds == 1


def test_jobs_and_schedules_take_no_sidecars():
    found = problems({"zmage": {**APP, "jobs": {"db-migrate": {"sidecars": {"p": PROXY}}}}})
    assert [p.path for p in found] == ["apps.zmage.jobs.db-migrate.sidecars"]


def test_a_sqlite_backup_follows_its_service_onto_tainted_nodes():
    tolerations = [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]
    synthesis = synth_config(platform="kubernetes", tier="dev", apps={"elizabeth": {"services": {"backend": {
        "kubernetes": {"tolerations": tolerations, "node_selector": {"pool": "db"}}}}}},
        extra={"kubernetes": {"backups": {"enabled": True, "target": "pvc"}}})
    backup = pod_spec(one(synthesis, "CronJob", "elizabeth", "backend-sqlite-backup"))
    assert backup["tolerations"] == [{"operator": "Equal", "key": "dedicated", "value": "db", "effect": "NoSchedule"}]
    assert "nodeSelector" not in backup  # the pod affinity to the service's pod already picks the node
    assert backup["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0][
        "topologyKey"] == "kubernetes.io/hostname"


def test_sidecar_scratch_volumes_never_take_a_name_of_the_pod():
    sidecars = {"w": {**PROXY, "ports": []}, "x": {**PROXY, "ports": [], "writable_paths": ["/tmp", "/a-b", "/a/b"]}}
    synthesis = synth_config(platform="kubernetes", tier="dev", apps={"zmage": _web(sidecars=sidecars)["zmage"]},
                             secrets=SECRETS)
    spec = pod_spec(one(synthesis, "Deployment", "zmage", "web"))
    names = [v["name"] for v in spec["volumes"]]
    assert len(names) == len(set(names)) == 6
    mounts = {c["name"]: [m["name"] for m in c["volumeMounts"]] for c in [*spec["initContainers"], *spec["containers"]]}
    assert mounts["w"] == ["w-tmp"]
    assert mounts["web"][1].startswith("w-tmp-") and mounts["web"][0] == "w-app-frontend-next-cache"
    assert mounts["x"][0].startswith("x-a-b-") and mounts["x"][1].startswith("x-a-b-") and mounts["x"][2] == "x-tmp"
