"""Build stack configs in memory and collect the problems load_stack reports."""

from __future__ import annotations

import json
from typing import Any

from appstack.errors import ConfigError, Problem
from appstack.stackconfig import Stack, load_stack


def with_storage_credentials(platform: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Ad-hoc Kubernetes stacks state how pods reach object storage (static keys) unless the test says
    otherwise; `credentials: None` leaves the setting out, to test that it is required."""
    if platform != "kubernetes":
        return settings
    kubernetes = dict(settings.get("kubernetes") or {})
    storage = dict(kubernetes.get("object_storage") or {})
    storage.setdefault("credentials", "static")
    if storage["credentials"] is None:
        del storage["credentials"]
    return {**settings, "kubernetes": {**kubernetes, "object_storage": storage}}


def config_for(apps: dict[str, Any], **settings: Any) -> dict[str, str]:
    settings = with_storage_credentials(settings.get("platform", "kubernetes"), settings)
    config = {
        "appstack:platform": settings.pop("platform", "kubernetes"),
        "appstack:tier": settings.pop("tier", "dev"),
        "appstack:apps": json.dumps(apps),
    }
    if (domain := settings.pop("domain", "example.com")) is not None:
        config["appstack:domain"] = domain
    for key, value in settings.items():
        config[f"appstack:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return config


def load(apps: dict[str, Any], **settings: Any) -> Stack:
    config = config_for(apps, **settings)
    return load_stack("test", config.get, all_keys=sorted(config))


def problems(
    apps: dict[str, Any], *, drop: tuple[str, ...] = (), extra_keys: dict[str, str] | None = None, **settings: Any
) -> list[Problem]:
    config = config_for(apps, **settings)
    for key in drop:
        config.pop(f"appstack:{key}")
    config.update(extra_keys or {})
    try:
        load_stack("test", config.get, all_keys=sorted(config))
    except ConfigError as error:
        return error.problems
    raise AssertionError("expected a ConfigError")


def paths(found: list[Problem]) -> list[str]:
    return [p.path for p in found]
