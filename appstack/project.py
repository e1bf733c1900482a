"""The user's project: the directory holding Pulumi.yaml, found the way the Pulumi CLI finds it.

`appstack` and the Pulumi program both work on the project of the working directory (searched
upward, or given with --project-dir), never on the source tree appstack is installed from. Blueprints
live in the project's `apps/`, or wherever config key `appstack:blueprints` points (set it once in
Pulumi.yaml's `config:` section, or per stack); the policy configs in `policies/config/`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
BLUEPRINTS_KEY = "appstack:blueprints"
DEFAULT_BLUEPRINTS = "apps"

ConfigReader = Callable[[str], str | None]


class ProjectNotFound(FileNotFoundError):
    """No Pulumi.yaml where one was expected; the message says where appstack looked."""


def engine_value(value: Any) -> str:
    """A config value as the engine hands it to a program: JSON for objects, lower-case booleans."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    # Pulumi.yaml `config:` values (defaults for every stack), 'ns:key' -> engine string.
    config: Mapping[str, str] = field(default_factory=dict)

    @property
    def policy_config_dir(self) -> Path:
        return self.root / "policies" / "config"

    def stack_file(self, stack: str) -> Path:
        return self.root / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in self.root.glob("Pulumi.*.yaml"))

    def full_key(self, key: str) -> str:
        """Config keys without a namespace belong to the project, as under the Pulumi CLI."""
        return key if ":" in key else f"{self.name}:{key}"

    def blueprints_dir(self, read: ConfigReader | None = None) -> Path:
        """`appstack:blueprints` (stack config first, then Pulumi.yaml), relative to the project root."""
        value = (read(BLUEPRINTS_KEY) if read else None) or self.config.get(BLUEPRINTS_KEY) or DEFAULT_BLUEPRINTS
        return self.root / value


def load_project(root: Path) -> Project:
    """The project whose Pulumi.yaml is in `root` (an explicit --project-dir); raises ProjectNotFound."""
    root = Path(root).resolve()
    for name in PROJECT_FILES:
        path = root / name
        if path.is_file():
            return _read(root, path)
    raise ProjectNotFound(f"no Pulumi.yaml in {root}")


def find_project(start: Path | None = None) -> Project:
    """The nearest directory at or above `start` (default: the working directory) holding Pulumi.yaml."""
    here = Path(start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if any((directory / name).is_file() for name in PROJECT_FILES):
            return load_project(directory)
    raise ProjectNotFound(
        f"no Pulumi.yaml in {here} or any parent directory; run `appstack init` or pass --project-dir"
    )


def _read(root: Path, path: Path) -> Project:
    from .errors import ConfigError
    from .yamlfile import load_mapping

    try:
        document = load_mapping(path, shown_as=str(path))
    except ConfigError as error:  # the strict reader of every stack and blueprint file
        raise ProjectNotFound("; ".join(str(p) for p in error.problems)) from None
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        raise ProjectNotFound(f"{path} must be a mapping with a `name`")
    name = document["name"]
    config: dict[str, str] = {}
    entries = document.get("config") or {}
    for key, value in (entries if isinstance(entries, dict) else {}).items():
        # Project config: a plain value, or a mapping with `value` (objects must be nested so) or `default`.
        if isinstance(value, dict):
            if "value" in value:
                value = value["value"]
            elif "default" in value:
                value = value["default"]
            else:
                continue
        config[key if ":" in key else f"{name}:{key}"] = engine_value(value)
    return Project(root, name, config)
