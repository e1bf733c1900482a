"""Random edits of the shipped stacks and blueprints, planned: a config error or a clean plan, nothing else.

A mutation starts from one shipped stack (dev, prod, prod-k8s) running one of its apps, and applies one
to three edits to that app's blueprint or to the stack's settings and overrides (or, one time in ten,
one edit to the blueprint file's bytes: a duplicated line, a tab, a second document, a random byte, an
alias, a truncation, a key YAML reads as a number, null or boolean): a value replaced by
another type, an out-of-range number, a hostile string or a value taken from elsewhere in the same
document; a key deleted, renamed to another spec key or added; a list element duplicated. The outcome
is classified as in the issue: rejected (the stack's ConfigError before any resource, exit 2), planned
(0 provider findings), findings (planned but AWS or Kubernetes would refuse it) or crash (any other
exception, or a config error that a component raises mid-deployment).
"""

from __future__ import annotations

import copy
import json
import random
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml

from appstack.errors import ConfigError
from appstack.project import load_project
from appstack.provider_checks import check
from appstack.stackconfig import available_blueprints
from appstack.synth import stack_config, synthesize
from appstack.yamlfile import load_mapping

PROJECT = load_project(Path(__file__).resolve().parents[2])  # this repository: its stacks and apps/
BLUEPRINTS_DIR = PROJECT.blueprints_dir()
STACKS = ("dev", "prod", "prod-k8s")
HOSTILE = [
    -1, 0, 1, 2, 7, 65536, 2**31, 10**20, 0.5, -0.0, 1e308, True, False, None, "", " ", "0", "1", "-1", "0.5",
    "abc", "ABC", "a" * 300, "café", "a b", "a\nb", "../..", "/", "//x", "/a b", "${x}", "${app.url}", "'", '"',
    "\\", "%", "*", "?", "#", "&", "_", "-", "--", "a--b", "_x", "x_", "1.2.3.4", "::1", "10.0.0.0/8",
    "10.0.0.1/33", "999.1.1.1/8", "0.0.0.0/0", "60 * * * *", "* * * * *", "*/0 * * * *", "0 0 31 2 *",
    "@daily", "0 0 * * 7", "0 0 * * MON", "100m", "0m", "4096", "1Gi", "0Mi", "1Ti", "99999", "12", "20", "13.1",
    "7", "8.0", "postgres", "rdsadmin", "pg_x", "kube-system", "default", "nginx", "gp3", "Z", "us-east-2",
    "us-east-1z", "eu-west-1a", "subnet-0123456789abcdef0", "example.com", "localhost", "a.b", "[::1]",
    "http://x", "https://", "latest", "sha256:" + "0" * 64, "SELECT 1; DROP TABLE x", "a'b", "pg_stat_statements",
    "uuid-ossp", "\"quoted\"", "x" * 64, "0 3 * * *", "/health", "/api/*", "/a?b", "/é", "/%41", [], {},
    ["a"], {"a": 1}, [1, 2], {"engine": "postgres"}, {"engine": "redis"}, {"engine": "external"}, {"x": None},
]
SPEC_KEYS = [
    "name", "domain", "tls", "images", "env", "services", "workers", "jobs", "database", "cache", "storage",
    "secrets", "alerts", "edge", "port", "routes", "path", "host", "replicas", "autoscale", "health", "http",
    "command", "resources", "requests", "limits", "cpu", "memory", "version", "engine", "username", "extensions",
    "parameters", "schedule", "backup", "volumes", "mount_path", "writable_paths", "run_as_user", "source",
    "required", "length", "url_secret", "protocol", "image", "tag", "repository", "region", "zone_names",
    "vpc_cidr", "ingress_class", "storage_class", "egress_cidrs", "namespace_prefix", "spot_workers", "mode",
    "max_body_size_mb", "access", "cors", "min", "max", "storage_gb", "instance_class", "phase", "unknown_key",
]


@dataclass
class Mutant:
    stack: str
    app: str
    config: dict[str, str]
    blueprint: dict[str, Any]
    edits: list[str] = field(default_factory=list)
    raw: bytes | None = None  # the blueprint file's bytes, when the edit is to the text itself


@dataclass
class Result:
    kind: str  # rejected | planned | findings | crash
    detail: str = ""


def _shipped(stack: str) -> tuple[dict[str, str], list[str]]:
    return stack_config(stack, PROJECT)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in a JSON-like tree (the root excluded)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((*prefix, index))
            found += _paths(value, (*prefix, index))
    return found


def _scalars(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _scalars(v)]
    if isinstance(node, list):
        return [s for v in node for s in _scalars(v)]
    return [node]


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def _tweak(rng: random.Random, value: Any, donors: list[Any]) -> tuple[Any, str]:
    choice = rng.random()
    if choice < 0.45:
        new = copy.deepcopy(rng.choice(HOSTILE))
        return new, f"= {new!r:.40}"
    if choice < 0.65 and donors:
        new = rng.choice(donors)
        return new, f"= {new!r:.40} (from elsewhere)"
    if isinstance(value, bool):
        return (not value), "negated"
    if isinstance(value, int | float):
        new = rng.choice([value + 1, value - 1, value * 1000, -value, value // 2, 0])
        return new, f"= {new!r}"
    if isinstance(value, str):
        new = rng.choice([value + rng.choice(["x", "-", "_", ".", "/", " ", "0", "A", "é"]), value.upper(),
                          value[: max(0, len(value) // 2)], value * 3, value.replace("-", "_"), str(len(value))])
        return new, f"= {new!r:.40}"
    if isinstance(value, list):
        return [*value, *value[:1]], "first element duplicated" if value else "= []"
    if isinstance(value, dict):
        return {}, "= {}"
    return None, "= None"


def mutate_tree(rng: random.Random, tree: dict[str, Any], label: str) -> str:
    """Apply one random edit to `tree` in place; return what was done."""
    paths = _paths(tree)
    if not paths:
        tree[rng.choice(SPEC_KEYS)] = copy.deepcopy(rng.choice(HOSTILE))
        return f"{label}: key added"
    path = rng.choice(paths)
    parent = _get(tree, path[:-1])
    last = path[-1]
    where = f"{label}." + ".".join(str(p) for p in path)
    action = rng.random()
    if isinstance(parent, dict) and action < 0.12:
        del parent[last]
        return f"{where} deleted"
    if isinstance(parent, dict) and action < 0.2:
        new_key = rng.choice(SPEC_KEYS)
        parent[new_key] = parent.pop(last)
        return f"{where} renamed to {new_key}"
    if isinstance(parent, dict) and action < 0.27:
        new_key = rng.choice(SPEC_KEYS)
        parent[new_key] = copy.deepcopy(rng.choice(HOSTILE + [parent[last]]))
        return f"{where}: sibling {new_key} added"
    if isinstance(parent, list) and action < 0.2:
        parent.pop(last)
        return f"{where} removed"
    new, how = _tweak(rng, parent[last], _scalars(tree))
    parent[last] = new
    return f"{where} {how}"


TEXT_EDITS = ("line duplicated", "tab indent", "second document", "random byte", "alias", "truncated", "key unquoted")


def mutate_text(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """One edit of a file's bytes, the kind a hand-edited or mis-saved YAML file has."""
    lines = data.splitlines(keepends=True)
    index = rng.randrange(len(lines))
    edit = rng.choice(TEXT_EDITS)
    if edit == "line duplicated":
        lines.insert(index, lines[index])
    elif edit == "tab indent":
        lines[index] = b"\t" + lines[index].lstrip(b" ")
    elif edit == "second document":
        lines.insert(index, b"---\n")
    elif edit == "random byte":
        line = bytearray(lines[index])
        line[rng.randrange(len(line))] = rng.randrange(256)
        lines[index] = bytes(line)
    elif edit == "alias":
        lines.insert(index, b"x-bomb: &b [*b]\n" if rng.random() < 0.5 else b"x-a: &a [1, 2]\nx-b: [*a, *a]\n")
    elif edit == "truncated":
        return data[: rng.randrange(len(data))], f"{edit} at byte"
    else:
        lines.insert(index, rng.choice([b"123: x\n", b"yes: x\n", b"~: x\n", b"? [a]\n: b\n"]))
    return b"".join(lines), f"{edit} at line {index + 1}"


def mutant(seed: int) -> Mutant:
    """One reproducible mutant of a shipped stack with one of its apps."""
    rng = random.Random(seed)
    stack = rng.choice(STACKS)
    config, _ = _shipped(stack)
    apps = json.loads(config["appstack:apps"])
    app = rng.choice(sorted(apps))
    blueprint = load_mapping(BLUEPRINTS_DIR / f"{app}.yaml")
    settings = {k.split(":", 1)[1]: json.loads(v) if v[:1] in "[{" else v
                for k, v in config.items() if k.startswith("appstack:")}
    settings["apps"] = {app: apps[app] or {}}
    result = Mutant(stack, app, {}, blueprint)
    if rng.random() < 0.1:
        result.raw, edit = mutate_text(rng, (BLUEPRINTS_DIR / f"{app}.yaml").read_bytes())
        result.edits.append(f"apps/{app}.yaml text: {edit}")
    for _ in range(0 if result.raw else rng.choice([1, 1, 2, 3])):
        if rng.random() < 0.65:
            result.edits.append(mutate_tree(rng, blueprint, f"apps/{app}.yaml"))
        else:
            result.edits.append(mutate_tree(rng, settings, "appstack"))
    result.config = {k: v for k, v in config.items() if not k.startswith("appstack:")}
    for key, value in settings.items():
        result.config[f"appstack:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return result


def run(candidate: Mutant) -> Result:
    """Plan a mutant (its blueprints written to a temporary directory) and classify the outcome."""
    with tempfile.TemporaryDirectory() as directory:
        for name in available_blueprints(BLUEPRINTS_DIR):
            source = (BLUEPRINTS_DIR / f"{name}.yaml").read_text()
            (Path(directory) / f"{name}.yaml").write_text(source)
        target = Path(directory) / f"{candidate.app}.yaml"
        if candidate.raw is not None:
            target.write_bytes(candidate.raw)
        else:
            target.write_text(yaml.safe_dump(candidate.blueprint))
        try:
            synthesis = synthesize(candidate.stack, config=candidate.config, secret_keys=[], project=PROJECT,
                                   blueprints_dir=Path(directory))
        except ConfigError as error:  # raised by a component, after validation: resources already registered
            return Result("crash", "late config error: " + error.render())
        except pulumi.RunError as error:
            text = str(error)
            if "Traceback" in text or not text.startswith("Invalid configuration for stack"):
                return Result("crash", text)
            return Result("rejected", text)
        except Exception as error:  # noqa: BLE001 - the fuzzer's whole point is to catch these
            return Result("crash", f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=-3)}")
    findings = check(synthesis)
    if findings:
        return Result("findings", "\n".join(str(f) for f in findings))
    return Result("planned")
