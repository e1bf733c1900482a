"""Generated stacks with adversarial names for the property tests (hypothesis strategies).

Names come from a vocabulary of the words the platforms build names from (postgres, redis, job-...,
dns, sg-..., kube-system...), from prefixes of one another (`zz`, `zz-a`), at the 40-character maximum,
and from random DNS labels. Every generated stack is planned on its platform; the outcome is either a
config error (one readable message) or a plan the provider checks accept.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml
from hypothesis import strategies as st

from appstack.errors import ConfigError
from appstack.provider_checks import Finding, check
from appstack.synth import PlanResource, synthesize

WORDS = [
    "a", "zz", "web", "api", "app", "worker", "postgres", "redis", "dns", "app-egress", "external-egress",
    "job-migrate", "migrate", "env", "sg", "sg-x", "kube-system", "default", "ingress-nginx", "monitoring",
    "a-b", "a-b-c", "postgres-exporter", "sqlite-backup", "internal", "m" * 40, "a" * 24, "b" * 25, "w" * 33,
]
LABEL = st.from_regex(r"[a-z](-?[a-z0-9]){0,14}", fullmatch=True)
NAME = st.one_of(st.sampled_from(WORDS), LABEL, st.integers(20, 40).map(lambda n: ("n" * n)[:n]))
SECRET = st.sampled_from(["API_KEY", "ENV_DATABASE_URL", "DATABASE_ADMIN_URL", "ROLLOUT_KEY", "X" * 60, "A_B"])
TIME_ZONES = ["Etc/UTC", "Europe/Berlin", "America/Argentina/ComodRivadavia", "Asia/Kathmandu"]
# Values that pass a type check but that a platform may refuse (issue 11's semantics).
VERSION = st.sampled_from(["13", "15", "16", "17", "18", "19", "16.4"])
CRON = st.sampled_from(["0 2 * * *", "30 23 * * 0-6", "*/15 * * * *", "60 2 * * *", "0 2 * * 7", "@daily"])
ROUTE = st.sampled_from(["/api", "/a.b_c~d", "/a:b", "/a(b)", "/a$b", "/" + "r" * 130])
PARAMETERS = st.dictionaries(st.sampled_from(["max_connections", "work_mem", "log_statement", "search_path"]),
                             st.one_of(st.integers(0, 10**6), st.sampled_from(["all", "many", "a'b"])), max_size=2)
PATH = st.sampled_from(["/tmp", "/a-b", "/a/b", "/app/.next/cache", "/var/" + "c" * 60, "/var/" + "c" * 61, "/x_y"])


@st.composite
def app_spec(draw: st.DrawFn, name: str, platform: str) -> dict[str, Any]:
    services = draw(st.lists(NAME, min_size=1, max_size=3, unique=True))
    workers = draw(st.lists(NAME, max_size=2, unique=True))
    jobs = draw(st.lists(NAME, max_size=2, unique=True))
    schedules = draw(st.lists(NAME, max_size=2, unique=True))
    buckets = draw(st.lists(NAME, max_size=2, unique=True))
    secrets = draw(st.lists(SECRET, max_size=2, unique=True))
    database = draw(st.sampled_from(["none", "postgres", "sqlite"]))
    cache = draw(st.booleans())
    image = {"repository": "ghcr.io/acme/app", "tag": "1.0.0"}
    spec: dict[str, Any] = {"name": name, "images": {"main": image}, "services": {}, "workers": {}, "jobs": {},
                            "schedules": {}, "storage": {}, "secrets": {}, "env": {}}
    for index, service in enumerate(services):
        definition: dict[str, Any] = {"image": "main", "port": 8000 + index,
                                      "writable_paths": draw(st.lists(PATH, max_size=3))}
        if index == 0:
            definition["routes"] = [{"path": "/"}]
            definition["health"] = {"readiness": {"http": "/health"}}
        elif draw(st.booleans()):
            definition["routes"] = [{"path": draw(st.one_of(st.just(f"/{service}"), ROUTE))}]
            definition["health"] = {"readiness": {"http": "/health"}}
        spec["services"][service] = definition
    for worker in workers:
        spec["workers"][worker] = {"image": "main", "writable_paths": draw(st.lists(PATH, max_size=2))}
    for job in jobs:
        spec["jobs"][job] = {"image": "main", "command": ["migrate"]}
    for schedule in schedules:
        spec["schedules"][schedule] = {"image": "main", "command": ["report"], "cron": "*/30 * * * *",
                                       "timeout_seconds": 600, "time_zone": draw(st.sampled_from(TIME_ZONES))}
    for bucket in buckets:
        spec["storage"][bucket] = {"purpose": "files"}
        spec["env"][f"BUCKET_{len(spec['env'])}"] = f"${{storage.{bucket}.bucket}}"
    for secret in secrets:
        spec["secrets"][secret] = {"source": "generated"}
        spec["env"][secret[:40]] = f"${{secrets.{secret}}}"
    if database == "postgres":
        # cpu, memory and username left to their defaults, which pass the same validators as input.
        spec["database"] = {"engine": "postgres", "version": draw(VERSION), "database": "app",
                            "parameters": draw(PARAMETERS)}
        if draw(st.booleans()):
            spec["database"]["backup"] = {"schedule": draw(CRON)}
        spec["env"]["DATABASE_URL"] = "${database.url}"
    elif database == "sqlite":
        first = services[0]
        spec["services"][first].update(replicas=1, volumes={draw(NAME): {"mount_path": "/data"}})
        spec["database"] = {"engine": "sqlite", "service": first, "path": "/data/app.db"}
    if cache:
        spec["cache"] = {"engine": "redis"}
        spec["env"]["REDIS_URL"] = "${redis.url}"
    return spec


@st.composite
def stacks(draw: st.DrawFn) -> dict[str, Any]:
    platform = draw(st.sampled_from(["aws", "kubernetes"]))
    first = draw(NAME)
    names = [first]
    if draw(st.booleans()):  # an app whose name extends another's: zz and zz-a
        names.append(f"{first}-{draw(NAME)}"[:40].rstrip("-"))
    if draw(st.booleans()):
        names.append(draw(NAME))
    names = list(dict.fromkeys(names))
    apps = {name: draw(app_spec(name, platform)) for name in names}
    settings: dict[str, Any] = {}
    if platform == "kubernetes":
        settings["kubernetes"] = {"namespace_prefix": draw(st.sampled_from(["", "dev-", "p" * 30 + "-"]))}
    return {"platform": platform, "tier": draw(st.sampled_from(["dev", "prod"])), "apps": apps,
            "stack": draw(st.sampled_from(["dev", "prod", "s" * 70, "qa_1.eu"])), "settings": settings}


@dataclass
class Outcome:
    kind: str  # "rejected" (config error) or "planned"
    message: str = ""
    findings: list[Finding] | None = None
    resources: list[PlanResource] | None = None


def plan(generated: dict[str, Any]) -> Outcome:
    """Plan a generated stack from blueprints written to a temporary directory."""
    with tempfile.TemporaryDirectory() as directory:
        for name, spec in generated["apps"].items():
            (Path(directory) / f"{name}.yaml").write_text(yaml.safe_dump(spec))
        config = {"appstack:platform": generated["platform"], "appstack:tier": generated["tier"],
                  "appstack:domain": "example.com", "appstack:apps": json.dumps({n: {} for n in generated["apps"]})}
        for key, value in generated["settings"].items():
            config[f"appstack:{key}"] = json.dumps(value)
        try:
            synthesis = synthesize(generated["stack"], config=config, secret_keys=[], blueprints_dir=Path(directory))
        except (pulumi.RunError, ConfigError) as error:
            return Outcome("rejected", str(error))
    return Outcome("planned", findings=check(synthesis), resources=synthesis.resources)
