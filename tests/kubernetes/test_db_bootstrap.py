"""The Kubernetes db-bootstrap Job: its exact pod, credential, SQL, order and network reach."""

from __future__ import annotations

import json

from appstack.components.kubernetes.common import POSTGRES_IMAGES

from tests.conftest import synth_config, synth_stack

from .helpers import containers, objects, one, pod_spec, resource_of, spec_jobs

SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "privileged": False,
            "readOnlyRootFilesystem": True, "runAsNonRoot": True, "runAsUser": 999, "runAsGroup": 999,
            "seccompProfile": {"type": "RuntimeDefault"}}


def dev():
    return synth_stack("dev")


def prod():
    return synth_stack("prod-k8s")


def bootstrap_job(synthesis, namespace: str) -> dict:
    (job,) = [o for o in objects(synthesis, "Job", namespace) if o["metadata"]["labels"]["appstack.dev/job"] == "db-bootstrap"]
    return job


def test_in_cluster_runs_psql_as_the_superuser_with_that_password_only():
    ns = "dev-claude-relay"
    job = bootstrap_job(dev(), ns)
    assert job["metadata"]["name"].startswith("db-bootstrap-")
    assert job["metadata"]["labels"]["appstack.dev/phase"] == "before_rollout"
    assert (job["spec"]["backoffLimit"], job["spec"]["activeDeadlineSeconds"]) == (0, 600)
    assert job["metadata"]["annotations"]["pulumi.com/timeoutSeconds"] == "900"
    pod = pod_spec(job)
    assert (pod["serviceAccountName"], pod["automountServiceAccountToken"], pod["restartPolicy"]) == (
        "job-db-bootstrap", False, "Never")
    assert pod["securityContext"]["runAsUser"] == 999 and pod["securityContext"]["runAsNonRoot"] is True
    (container,) = containers(job)
    assert container["image"] == POSTGRES_IMAGES["15"]
    assert container["securityContext"] == SECURITY
    assert container["command"] == ["/bin/sh", "-c"]
    assert container["env"] == [
        {"name": "PGHOST", "value": "postgres.dev-claude-relay.svc.cluster.local"},
        {"name": "PGPORT", "value": "5432"}, {"name": "PGDATABASE", "value": "claude_relay"},
        {"name": "PGAPPNAME", "value": "appstack-db-bootstrap"}, {"name": "PGCONNECT_TIMEOUT", "value": "30"},
        {"name": "PGUSER", "value": "postgres"},
        {"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": "postgres-credentials",
                                                              "key": "superuser-password"}}},
    ]
    assert "envFrom" not in container  # no app env, no app secrets
    (script,) = container["args"]
    assert script.startswith("set -eu\npsql --no-psqlrc --set=ON_ERROR_STOP=1 --single-transaction --set=app_role=claude_app ")
    for variable in ("--set=ext_1=uuid-ossp", "--set=ext_2=pg_stat_statements", "--set=ext_3=pgcrypto",
                     "--set=schema_1=claude_data", "--set=schema_1_owner=claude_app", "--set=grant_3_schema=claude_data"):
        assert f" {variable} " in script
    declarations = script.split("<<'SQL'\n")[1].split("\nSQL\n")[0]
    assert "claude_data" not in declarations and "claude_app" not in declarations  # names only as variables
    assert "SELECT format('CREATE SCHEMA %I AUTHORIZATION %I', :'schema_1', :'schema_1_owner')" in declarations
    assert 'CREATE EXTENSION IF NOT EXISTS :"ext_3";' in declarations
    # Then the scripts, each its own transaction, as the application role.
    scripts = script.split("\nSQL\n")[1]
    assert scripts.startswith("exec psql --no-psqlrc --set=ON_ERROR_STOP=1 --set=app_role=claude_app "
                              "--set=script_1=001-functions --set=script_1_sha256=")
    assert "--single-transaction" not in scripts
    assert 'SET ROLE :"app_role";\nCREATE SCHEMA IF NOT EXISTS appstack;' in scripts
    assert scripts.count("LOCK TABLE appstack.applied_scripts IN EXCLUSIVE MODE;") == 2


def test_cloudnativepg_runs_as_the_database_owner_over_verified_tls_and_leaves_roles_to_the_operator():
    ns = "prod-claude-relay"
    job = bootstrap_job(prod(), ns)
    (container,) = containers(job)
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}
    assert env["PGHOST"] == "postgres-rw.prod-claude-relay.svc.cluster.local"
    assert env["PGUSER"] == "claude_app"
    assert env["PGPASSWORD"] == {"secretKeyRef": {"name": "postgres-credentials", "key": "password"}}
    assert (env["PGSSLMODE"], env["PGSSLROOTCERT"]) == ("verify-full", "/etc/postgres-ca/ca.crt")
    assert container["volumeMounts"][0] == {"name": "postgres-ca", "mountPath": "/etc/postgres-ca", "readOnly": True}
    assert pod_spec(job)["volumes"][0]["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]
    cluster = one(prod(), "Cluster", ns, "postgres")["spec"]
    assert cluster["enableSuperuserAccess"] is False  # the Job needs no superuser


def test_roles_are_the_operators_on_cloudnativepg_and_the_jobs_in_cluster():
    apps = {"claude-relay": {"database": {"bootstrap": {"roles": [{"name": "reporting"}]}}}}
    script = {}
    for mode in ("in-cluster", "operator"):
        synthesis = synth_config(platform="kubernetes", apps=apps,
                                 extra={"kubernetes": {"postgres": {"mode": mode}}})
        (container,) = containers(bootstrap_job(synthesis, "claude-relay"))
        script[mode] = container["args"][0]
    assert "--set=role_1=reporting" in script["in-cluster"] and "CREATE ROLE %I" in script["in-cluster"]
    assert "role_1" not in script["operator"] and "CREATE ROLE" not in script["operator"]
    managed = one(synthesis, "Cluster", "claude-relay", "postgres")["spec"]["managed"]["roles"]
    assert [r["name"] for r in managed] == ["reporting"]


def test_it_runs_before_the_apps_migrations_workloads_and_schedules_and_after_the_database():
    synthesis = dev()
    ns = "dev-small-squaretable"
    job = resource_of(synthesis, "Job", ns, bootstrap_job(synthesis, ns)["metadata"]["name"])
    assert resource_of(synthesis, "StatefulSet", ns, "postgres").urn in job.dependencies
    (migrate,) = spec_jobs(synthesis, ns)
    assert job.urn in resource_of(synthesis, "Job", ns, migrate["metadata"]["name"]).dependencies
    assert job.urn in resource_of(synthesis, "Deployment", ns, "app").dependencies
    relay = bootstrap_job(synthesis, "dev-claude-relay")["metadata"]["name"]
    (after,) = spec_jobs(synthesis, "dev-claude-relay")  # data-migration: after the rollout, after db-bootstrap too
    urn = resource_of(synthesis, "Job", "dev-claude-relay", relay).urn
    assert urn in resource_of(synthesis, "Deployment", "dev-claude-relay", "app").dependencies
    assert after["metadata"]["labels"]["appstack.dev/phase"] == "after_rollout"


def test_network_policies_let_it_reach_postgres_only():
    synthesis = dev()
    ns = "dev-claude-relay"
    labels = bootstrap_job(synthesis, ns)["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "db-bootstrap"
    assert labels["appstack.dev/postgres-client"] == "true"
    assert "appstack.dev/external-egress" not in labels and "appstack.dev/redis-client" not in labels
    selecting = []
    for policy in objects(synthesis, "NetworkPolicy", ns):
        selector = policy["spec"]["podSelector"]
        matches = all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()) and all(
            labels.get(e["key"]) in e["values"] for e in selector.get("matchExpressions", []))
        if matches and "Egress" in policy["spec"]["policyTypes"]:
            selecting.append(policy["metadata"]["name"])
    assert sorted(selecting) == ["allow-dns", "allow-postgres-client-egress", "default-deny"]
    ingress = one(synthesis, "NetworkPolicy", ns, "allow-postgres")["spec"]["ingress"][0]
    assert ingress["from"] == [{"podSelector": {"matchLabels": {"appstack.dev/postgres-client": "true"}}}]


def test_the_scripts_hashes_are_on_the_job_and_a_changed_script_is_a_new_job():
    job = bootstrap_job(dev(), "dev-claude-relay")
    hashes = json.loads(job["metadata"]["annotations"]["appstack.dev/bootstrap-scripts"])
    assert list(hashes) == ["001-functions", "002-api-keys"] and all(len(h) == 64 for h in hashes.values())
    plain = synth_config(platform="kubernetes", apps={"claude-relay": {"database": {"bootstrap": {"scripts": [
        {"name": "001-functions", "file": "claude-relay/001-functions.sql"}]}}}})
    one_script = bootstrap_job(plain, "claude-relay")
    assert json.loads(one_script["metadata"]["annotations"]["appstack.dev/bootstrap-scripts"]) == {
        "001-functions": hashes["001-functions"]}
    assert one_script["metadata"]["name"] != job["metadata"]["name"]


def test_no_job_without_postgres():
    synthesis = dev()
    for ns in ("dev-elizabeth",):
        assert not [o for o in objects(synthesis, "Job", ns) if o["metadata"]["labels"]["appstack.dev/job"] == "db-bootstrap"]


def test_a_spec_job_named_db_bootstrap_is_refused_on_kubernetes():
    from tests.foundation.helpers import problems

    job = {"image": "app", "command": ["true"], "run_as_user": 1000}
    found = problems({"claude-relay": {"jobs": {"db-bootstrap": job}}})
    assert [p.message for p in found if p.path == "apps.claude-relay.jobs.db-bootstrap"] == [
        "names the platform's own job that applies database.bootstrap before every release; rename the job"]
