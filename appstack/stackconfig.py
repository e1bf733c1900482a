"""A stack's configuration: the environment it is, the platform it targets and the apps it runs.

Stack config lives in Pulumi.<stack>.yaml under the `appstack:` namespace. Each app named under
`appstack:apps` is its blueprint (apps/<name>.yaml) deep-merged with the stack's overrides, then
validated as one AppSpec. Every problem of the whole stack is reported at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from .errors import ConfigError, Problem, join_path, problems_from_validation
from .spec import AppSpec, check_app
from .spec.base import Hostname, Name, Strict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BLUEPRINTS_DIR = PROJECT_ROOT / "apps"
CONFIG_NAMESPACE = "appstack"

Tier = Literal["dev", "prod"]


@dataclass(frozen=True)
class TierDefaults:
    """Every default that differs between a development and a production environment, in one place."""

    high_availability: bool  # Multi-AZ databases, replicas with failover, NAT per AZ
    protect_stateful: bool  # `protect` and deletion protection on data stores, keys and secrets
    backup_retention_days: int
    log_retention_days: int
    availability_zones: int
    secret_recovery_window_days: int


TIER_DEFAULTS: dict[str, TierDefaults] = {
    "dev": TierDefaults(False, False, 1, 14, 2, 0),
    "prod": TierDefaults(True, True, 7, 90, 3, 30),
}


class KubernetesSettings(Strict):
    kubeconfig: str | None = Field(None, description="path to a kubeconfig file; defaults to the ambient one")
    context: str | None = Field(None, description="kubeconfig context to use")
    namespace_prefix: str = Field("", pattern=r"^([a-z0-9][-a-z0-9]*-)?$", description="e.g. 'dev-'")
    ingress_class: str = "nginx"
    cluster_issuer: str = "letsencrypt-prod"


class AwsSettings(Strict):
    region: str = Field("us-east-1", pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")


class StackSettings(Strict):
    platform: Literal["aws", "kubernetes"]
    tier: Tier
    domain: Hostname | None = Field(None, description="base domain; an app without one gets <app>.<domain>")
    kubernetes: KubernetesSettings = KubernetesSettings()
    aws: AwsSettings = AwsSettings()
    apps: dict[Name, dict[str, Any] | None] = Field(min_length=1, description="blueprint name -> overrides")

    @property
    def defaults(self) -> TierDefaults:
        return TIER_DEFAULTS[self.tier]


@dataclass(frozen=True)
class Stack:
    name: str
    settings: StackSettings
    apps: dict[str, AppSpec]

    @property
    def defaults(self) -> TierDefaults:
        return self.settings.defaults


ConfigReader = Callable[[str], str | None]
_SETTINGS_KEYS = tuple(StackSettings.model_fields)


def available_blueprints(directory: Path = BLUEPRINTS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml"))


def load_blueprint(name: str, directory: Path = BLUEPRINTS_DIR) -> dict[str, Any]:
    """The raw blueprint document; raises ConfigError when it is missing or not a YAML mapping."""
    path = directory / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(available_blueprints(directory)) or "none"
        raise ConfigError([Problem(f"apps.{name}", f"unknown app; blueprints in {directory.name}/: {known}")])
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(f"apps.{name}", f"{path.name} is not valid YAML: {exc}")]) from None
    if not isinstance(document, dict):
        raise ConfigError([Problem(f"apps.{name}", f"{path.name} must hold a mapping")])
    # Top-level keys starting with x- hold YAML anchors shared inside the blueprint (as in Compose files).
    return {key: value for key, value in document.items() if not str(key).startswith("x-")}


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides win; mappings merge key by key; lists and scalars replace; null removes a key.

    A mapping that names a different `engine` (database: sqlite -> postgres) replaces the old one whole.
    """
    merged: dict[str, Any] = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif (
            isinstance(value, Mapping)
            and isinstance(merged.get(key), Mapping)
            and value.get("engine", merged[key].get("engine")) == merged[key].get("engine")
        ):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_settings(read: ConfigReader, all_keys: list[str] | None = None) -> dict[str, Any]:
    """Raw stack settings from config; values are JSON for objects and plain strings otherwise."""
    raw: dict[str, Any] = {}
    for key in _SETTINGS_KEYS:
        value = read(f"{CONFIG_NAMESPACE}:{key}")
        if value is None:
            continue
        try:
            raw[key] = json.loads(value)
        except json.JSONDecodeError:
            raw[key] = value
    for key in all_keys or []:
        namespace, _, name = key.partition(":")
        if namespace == CONFIG_NAMESPACE and name not in _SETTINGS_KEYS:
            raw.setdefault("__unknown__", []).append(name)
    return raw


def load_stack(stack_name: str, read: ConfigReader, *, all_keys: list[str] | None = None,
               blueprints_dir: Path = BLUEPRINTS_DIR) -> Stack:
    """Validate the whole stack (settings and every app) or raise one ConfigError naming every problem."""
    raw = read_settings(read, all_keys)
    problems = [
        Problem(f"{CONFIG_NAMESPACE}:{name}", f"unknown setting; allowed: {', '.join(_SETTINGS_KEYS)}")
        for name in raw.pop("__unknown__", [])
    ]
    try:
        settings = StackSettings.model_validate(raw)
    except ValidationError as error:
        problems += problems_from_validation(error, prefix="", model=StackSettings)
        raise ConfigError(problems, title=f"Invalid configuration for stack '{stack_name}'") from None

    apps: dict[str, AppSpec] = {}
    for name, overrides in settings.apps.items():
        try:
            document = load_blueprint(name, blueprints_dir)
        except ConfigError as error:
            problems += error.problems
            continue
        merged = deep_merge(document, overrides or {})
        if merged.get("name") != name:
            problems.append(Problem(f"apps.{name}.name", f"blueprint {name}.yaml must declare name: {name}"))
            continue
        if settings.domain and "domain" not in merged:
            merged["domain"] = f"{name}.{settings.domain}"
        try:
            spec = AppSpec.model_validate(merged)
        except ValidationError as error:
            problems += problems_from_validation(error, prefix=f"apps.{name}", model=AppSpec)
            continue
        problems += [Problem(join_path("apps", name, p.path), p.message) for p in check_app(spec)]
        apps[name] = spec
    if problems:
        raise ConfigError(problems, title=f"Invalid configuration for stack '{stack_name}'")
    return Stack(stack_name, settings, apps)


def validate_blueprint(name: str, blueprints_dir: Path = BLUEPRINTS_DIR) -> AppSpec:
    """Validate one blueprint on its own (no stack overrides); raises ConfigError."""
    document = load_blueprint(name, blueprints_dir)
    document.setdefault("domain", f"{name}.example.com")  # stacks set the real domain
    try:
        spec = AppSpec.model_validate(document)
    except ValidationError as error:
        raise ConfigError(problems_from_validation(error, prefix=f"apps.{name}", model=AppSpec)) from None
    problems = [Problem(join_path("apps", name, p.path), p.message) for p in check_app(spec)]
    if problems:
        raise ConfigError(problems)
    return spec
