"""Driving the real Pulumi CLI (built by scripts/build-engine.sh, never by the tests) on a copy of the project.

The copy runs against a local file backend with the passphrase secrets provider; the Kubernetes
provider renders YAML (appstack:kubernetes.render_yaml_to_directory) instead of calling a cluster, and
generated secrets come from config (appstack:generated_secrets: config) because the pulumi-random
provider is not served by the Go module proxy (engine/README.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# appstack (and with it the Pulumi SDKs) is imported in the functions that plan: the root conftest reads
# missing_binaries() at the end of every run, in the xdist controller, which plans nothing.

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "appstack-engine-test"  # a throwaway local backend; nothing leaves the temp directory
# What the copy needs to run the program and the policy pack (tests, docs and the venv stay behind).
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "pyproject.toml")
PROJECT_DIRS = ("apps", "appstack", "components", "policies")
ENGINE_BINARIES = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-kubernetes")


def engine_dir() -> Path:
    """Where scripts/build-engine.sh put the engine: APPSTACK_ENGINE_DIR (its ENGINE_DIR), else .engine."""
    return Path(os.environ.get("APPSTACK_ENGINE_DIR") or ROOT / ".engine")


def missing_binaries() -> list[str]:
    return [name for name in ENGINE_BINARIES if not os.access(engine_dir() / "bin" / name, os.X_OK)]


def python_env(where: Path) -> Path:
    """A venv with pip that sees the project's venv: the language host lists packages with `pip list`
    (uv venvs have no pip) and runs `python` from PATH. Returns its bin directory."""
    subprocess.run([sys._base_executable, "-m", "venv", str(where)], check=True, timeout=300)  # type: ignore[attr-defined]
    site = Path(subprocess.run(
        [str(where / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    project_site = sysconfig.get_paths()["purelib"]
    (site / "appstack-project.pth").write_text(f"import site; site.addsitedir({project_site!r})\n")
    return where / "bin"


def secret_value(key: str, length: int, charset: str) -> str:
    """A deterministic value of the right shape (hex, or letters and digits of every class)."""
    digest = ""
    while len(digest) < length:
        digest += hashlib.sha256(f"{key}{len(digest)}".encode()).hexdigest()
    if charset == "hex":
        return digest[:length]
    return ("Aa1" + digest)[:length]


def engine_secrets(stack_name: str) -> dict[str, str]:
    """Every secret the stack reads, as `config set --secret` sets it: the provided app secrets, the object
    storage credentials, and (appstack:generated_secrets: config) one value per pulumi-random resource of
    the shipped stack's offline plan, of that resource's length."""
    from appstack.components.generated import GENERATED_CONFIG
    from appstack.components.kubernetes.storage import CONFIG_KEYS as STATIC_KEYS

    from appstack.program import secret_config_key
    from appstack.stackconfig import load_stack
    from appstack.synth import stack_config
    from tests.conftest import synth_stack

    config, _ = stack_config(stack_name)
    stack = load_stack(stack_name, config.get, all_keys=sorted(config))
    values: dict[str, str] = {}
    for app, spec in stack.apps.items():
        for name, secret in spec.secrets.items():
            if secret.source == "provided":
                key = secret_config_key(app, name)
                values[key] = secret_value(key, max(secret.min_length or 0, 40), "alphanumeric")
    if stack.settings.kubernetes.object_storage.credentials == "static":  # each app's own key pairs
        for app in stack.apps:
            for role in STATIC_KEYS.values():
                for name in role.values():
                    values[f"{app}:{name}"] = secret_value(f"{app}:{name}", 40, "alphanumeric")
    for resource in synth_stack(stack_name).resources:  # the shipped stack, planned once per session
        key = f"{GENERATED_CONFIG}:{resource.name}"
        if resource.type == "random:index/randomBytes:RandomBytes":
            values[key] = secret_value(key, 2 * int(resource.inputs["length"]), "hex")
        elif resource.type == "random:index/randomPassword:RandomPassword":
            values[key] = secret_value(key, int(resource.inputs["length"]), "alphanumeric")
    return values


def engine_settings(stack_name: str, render_dir: Path) -> dict[str, Any]:
    """The engine-run switches, as `config set --path` sets them: the provider renders YAML; generated values
    come from config (no pulumi-random); the kube-prometheus-stack chart is not installed (its Helm Release
    fetches the chart from the internet, out of reach here)."""
    from appstack.synth import stack_config

    settings: dict[str, Any] = {
        "appstack:kubernetes.render_yaml_to_directory": str(render_dir), "appstack:generated_secrets": "config"}
    config, _ = stack_config(stack_name)
    if json.loads(config["appstack:kubernetes"]).get("observability", {}).get("install_stack"):
        settings["appstack:kubernetes.observability.install_stack"] = False
    return settings


def engine_config(stack_name: str, render_dir: Path) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """The stack's config as the engine run sets it (for the offline plan of the same run): config, secret
    keys, and the secrets `engine_secrets` adds."""
    from appstack.synth import stack_config

    config, secret_keys = stack_config(stack_name)
    for key, value in engine_settings(stack_name, render_dir).items():
        top, _, path = key.partition(".")
        if not path:
            config[key] = value
            continue
        document = json.loads(config[top])
        *parents, leaf = path.split(".")
        node = document
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
        config[top] = json.dumps(document)
    secrets = engine_secrets(stack_name)
    config.update(secrets)
    return config, sorted(set(secret_keys) | set(secrets)), secrets


def copy_project(stack_name: str, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, dest / name)
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    # The shipped stack names its cloud KMS key; the copy uses the passphrase provider set at stack init.
    document = yaml.safe_load((ROOT / f"Pulumi.{stack_name}.yaml").read_text())
    document.pop("secretsprovider", None)
    document.pop("encryptionsalt", None)
    (dest / f"Pulumi.{stack_name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return dest


# The v3.68.0 language host cannot start a Python policy pack for the v3.274.0 CLI (engine/README.md), but
# the CLI launches an executable given as --policy-pack as an analyzer plugin, with the engine's address as
# its one argument: this does what the SDK's pulumi-analyzer-policy-python shim does for a pack directory.
ANALYZER = """#!/bin/sh
exec python -u -m pulumi.policy "$1" "$(dirname "$0")"
"""


def policy_analyzer(project: Path) -> Path:
    """The copy's policy pack as an executable analyzer (next to its PulumiPolicy.yaml)."""
    path = project / "policies" / "analyzer"
    path.write_text(ANALYZER)
    path.chmod(0o755)
    return path


@dataclass
class Cli:
    """`pulumi` in one project directory with an isolated home and backend."""

    project: Path
    home: Path
    path: str
    stack: str

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "VIRTUAL_ENV", "PYTHON"))}
        return {
            **keep,
            "PATH": self.path,
            "PULUMI_HOME": str(self.home),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "NO_COLOR": "1",
        }

    def run(self, *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["pulumi", *args, "--non-interactive"] if args[0] not in {"login"} else ["pulumi", *args],
            cwd=self.project, env=self.env(), capture_output=True, text=True, timeout=timeout,
        )
        if check:
            assert result.returncode == 0, f"pulumi {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        return result


def rendered_manifests(render_dir: Path) -> list[dict[str, Any]]:
    objects = []
    for path in sorted(render_dir.rglob("*.yaml")):
        objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return objects


def object_key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    return obj["apiVersion"], obj["kind"], meta.get("namespace") or "", meta["name"]


def dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
