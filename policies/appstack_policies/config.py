"""Per-stack policy config, in the format `pulumi preview --policy-pack-config` reads.

    {"all": "advisory",                                   # optional default level
     "rds-backup-retention": {"enforcementLevel": "mandatory", "minimumDays": 14},
     "alb-access-logs": "disabled"}

A rule's own entry beats "all", which beats the rule's built-in level. The offline
runner reads policies/config/<stack>.json, the same file given to Pulumi.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .model import Level, Rule

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
LEVEL_KEY = "enforcementLevel"
# Pulumi also knows "remediate"; these rules do not remediate, so it means mandatory.
_LEVEL_ALIASES = {"remediate": Level.MANDATORY}


def parse_level(value: Any) -> Level:
    text = str(value).lower()
    return _LEVEL_ALIASES.get(text) or Level(text)


def load_config_file(path: str | Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: policy config must be a JSON object")
    return data


def stack_config(stack: str, config_dir: str | Path | None = None) -> dict[str, Any]:
    """The policy config of ``stack`` (empty when the stack has no file)."""
    path = Path(config_dir or DEFAULT_CONFIG_DIR) / f"{stack}.json"
    return load_config_file(path) if path.is_file() else {}


def _entry_level(entry: Any) -> Level | None:
    if isinstance(entry, str):
        return parse_level(entry)
    if isinstance(entry, Mapping) and LEVEL_KEY in entry:
        return parse_level(entry[LEVEL_KEY])
    return None


def enforcement_level(rule: Rule, config: Mapping[str, Any] | None) -> Level:
    config = config or {}
    return _entry_level(config.get(rule.id)) or _entry_level(config.get("all")) or rule.level


def rule_settings(rule: Rule, config: Mapping[str, Any] | None, *, tier: str | None = None) -> dict[str, Any]:
    """Schema defaults, then the plan's tier, then explicit config properties."""
    settings = {name: schema.get("default") for name, schema in rule.settings.items()}
    if tier is not None and "tier" in settings:
        settings["tier"] = tier
    entry = (config or {}).get(rule.id)
    if isinstance(entry, Mapping):
        settings.update({k: v for k, v in entry.items() if k != LEVEL_KEY and k in rule.settings})
    for name, schema in rule.settings.items():  # protobuf Struct turns ints into floats
        if schema.get("type") == "integer" and isinstance(settings.get(name), float):
            settings[name] = int(settings[name])
    return settings


def config_problems(config: Mapping[str, Any], rules: Iterable[Rule]) -> list[str]:
    """Mistakes Pulumi would reject or silently ignore (unknown rules, levels, properties)."""
    by_id = {rule.id: rule for rule in rules}
    problems = []
    for key, entry in config.items():
        if key != "all" and key not in by_id:
            problems.append(f"{key}: no such policy")
            continue
        try:
            _entry_level(entry)
        except ValueError:
            problems.append(f"{key}: invalid enforcement level")
        if isinstance(entry, Mapping) and key != "all":
            schema = by_id[key].settings
            for name, value in entry.items():
                if name == LEVEL_KEY:
                    continue
                if name not in schema:
                    problems.append(f"{key}: unknown property {name}")
                elif "enum" in schema[name] and value not in schema[name]["enum"]:
                    problems.append(f"{key}: {name} must be one of {schema[name]['enum']}")
    return problems
