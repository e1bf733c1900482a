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
        assert {"DATABASE_URL", "NODE_ENV"} <= set(zmage) and "GEMINI_API_KEY" not in zmage
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
