"""The real Pulumi engine on the Kubernetes stacks (dev, prod-k8s).

scripts/build-engine.sh builds the Pulumi CLI, the Python language host and the Kubernetes provider from
the Go module proxy; this test drives them on a copy of the project against a local file backend, with
the provider rendering YAML instead of calling a cluster: stack init, config set --secret, preview --diff,
up, preview --expect-no-changes, stack output, preview with the policy pack (and with an injected
mandatory violation that must block), destroy. The rendered manifests are validated against the official
Kubernetes schemas and compared, object by object, with the offline plan's inputs.

The test never builds the engine (a cold build takes over an hour). Marked `real_engine` and left out of
the default run (it takes minutes): `pytest -m real_engine` runs it whenever the binaries are present
(.engine/bin, or APPSTACK_ENGINE_DIR/bin) and skips it, saying how to build them, otherwise.
"""

from __future__ import annotations

import base64
import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from appstack.synth import reveal, synthesize
from tests.kubernetes.schemas import K8S_VERSIONS, is_custom, kubernetes_objects, validate_builtin, validate_custom

from .realengine import (
    Cli,
    copy_project,
    dump,
    engine_config,
    engine_dir,
    engine_secrets,
    engine_settings,
    missing_binaries,
    object_key,
    policy_analyzer,
    python_env,
    rendered_manifests,
)

pytestmark = [
    pytest.mark.real_engine,  # minutes per stack: `pytest -m real_engine`, not part of the default run
    pytest.mark.skipif(
        bool(missing_binaries()),
        reason=f"real engine not built (no {', '.join(missing_binaries())} in {engine_dir() / 'bin'}): run "
        "scripts/build-engine.sh (needs Go; over an hour cold) or set APPSTACK_ENGINE_DIR to a built engine",
    ),
]

STACKS = ("dev", "prod-k8s")

# Normalisation (engine/README.md "Offline plan vs the real provider"): the provider's Check rewrites an
# object the way the API server would store it, without changing what it means. Everything else must match.
#  1. Secret stringData moves into data, base64-encoded.
#  2. Built-in kinds round-trip through the Kubernetes Go types, whose omitempty drops 0 and false.
#  3. Resource quantities take their canonical form ("1000m" -> "1", "2048Mi" -> "2Gi").
#  4. (Ours) the mock runtime carries every number as a float.
_SUFFIXES = {"m": Fraction(1, 1000), "": Fraction(1), "k": Fraction(10**3), "M": Fraction(10**6),
             "G": Fraction(10**9), "T": Fraction(10**12), "Ki": Fraction(2**10), "Mi": Fraction(2**20),
             "Gi": Fraction(2**30), "Ti": Fraction(2**40)}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti|)$")


def quantity(value: Any) -> Fraction | None:
    match = _QUANTITY.match(value) if isinstance(value, str) else None
    return Fraction(match[1]) * _SUFFIXES[match[2]] if match else None


@pytest.fixture(scope="module")
def engine_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    engine_bin = engine_dir() / "bin"
    python_bin = python_env(tmp_path_factory.mktemp("python") / "venv")
    return f"{python_bin}:{engine_bin}:/usr/bin:/bin"


def normalise_planned(obj: dict[str, Any]) -> dict[str, Any]:
    def ints(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, dict):
            return {k: ints(v) for k, v in value.items()}
        if isinstance(value, list):
            return [ints(v) for v in value]
        return value

    obj = ints(obj)
    if obj["kind"] == "Secret" and obj["apiVersion"] == "v1" and "stringData" in obj:
        data = obj.setdefault("data", {})
        for key, value in obj.pop("stringData").items():
            data[key] = base64.b64encode(value.encode()).decode()
    return obj


def differences(planned: Any, rendered: Any, path: str = "") -> list[str]:
    if isinstance(planned, dict) and isinstance(rendered, dict):
        found = []
        for key in sorted(set(planned) | set(rendered)):
            found += differences(planned.get(key), rendered.get(key), f"{path}.{key}")
        return found
    if isinstance(planned, list) and isinstance(rendered, list) and len(planned) == len(rendered):
        return [d for i, (a, b) in enumerate(zip(planned, rendered, strict=True))
                for d in differences(a, b, f"{path}[{i}]")]
    if rendered is None and type(planned) in (int, bool) and not planned:
        return []  # 2: a zero value omitted
    if (".resources." in path or path.endswith((".sizeLimit", ".storage"))) and \
            quantity(planned) is not None and quantity(planned) == quantity(rendered):
        return []  # 3: the same quantity, canonical
    return [] if planned == rendered else [f"{path}: plan {dump(planned)[:200]} != rendered {dump(rendered)[:200]}"]


def offline_objects(stack_name: str, render_dir: Path) -> tuple[dict, dict]:
    """The offline plan of the same configuration the engine ran: its Kubernetes objects and outputs."""
    config, secret_keys, _ = engine_config(stack_name, render_dir)
    synthesis = synthesize(stack_name, config=config, secret_keys=secret_keys)
    objects = {}
    for resource in kubernetes_objects(synthesis.resources):
        obj = normalise_planned(reveal(resource.inputs))
        objects[object_key(obj)] = obj
    return objects, reveal(synthesis.outputs)


VIOLATION = """
# Injected by tests/engine: a privileged container, which the mandatory k8s-no-privileged-containers
# rule must block. Its own provider renders YAML too, so nothing needs a cluster.
import pulumi
import pulumi_kubernetes as k8s

_render = k8s.Provider("injected-render", render_yaml_to_directory={render_dir!r})
k8s.core.v1.Pod(
    "injected-violation",
    metadata={{"name": "injected-violation", "namespace": "default"}},
    spec={{"containers": [{{"name": "app", "image": "nginx:1.27.3", "securityContext": {{"privileged": True}}}}]}},
    opts=pulumi.ResourceOptions(provider=_render),
)
"""


@pytest.mark.parametrize("stack_name", STACKS)
def test_real_engine_lifecycle(stack_name: str, engine_path: str, tmp_path: Path) -> None:
    project = copy_project(stack_name, tmp_path / "project")
    render_dir = tmp_path / "rendered"
    cli = Cli(project=project, home=tmp_path / "pulumi-home", path=engine_path, stack=stack_name)
    (tmp_path / "state").mkdir()
    cli.run("login", f"file://{tmp_path / 'state'}")
    cli.run("stack", "init", stack_name, "--secrets-provider", "passphrase")
    for key, value in engine_settings(stack_name, render_dir).items():
        cli.run("config", "set", "--path", key, json.dumps(value) if isinstance(value, bool) else value)
    secrets = engine_secrets(stack_name)
    cli.run("config", "set-all", *(arg for key, value in secrets.items() for arg in ("--secret", f"{key}={value}")))

    preview = cli.run("preview", "--diff")
    planned, planned_outputs = offline_objects(stack_name, render_dir)
    assert "to create" in preview.stdout, preview.stdout[-3000:]

    cli.run("up", "--yes", "--skip-preview")
    rendered = {object_key(o): o for o in rendered_manifests(render_dir)}

    # Every rendered object validates against the official schemas (custom resources: the CRD checks).
    problems = []
    for key, obj in sorted(rendered.items()):
        if is_custom(obj):
            problems += [f"{key}: {p}" for p in validate_custom(obj)]
        else:
            for version in K8S_VERSIONS:
                problems += [f"{key} @ {version}: {p}" for p in validate_builtin(obj, version)]
    assert problems == []

    # The offline plan's inputs equal the rendered manifests, object by object.
    assert sorted(rendered) == sorted(planned)
    diffs = [f"{key}: {d}" for key in sorted(planned) for d in differences(planned[key], rendered[key])]
    assert diffs == []

    cli.run("preview", "--expect-no-changes")

    outputs = json.loads(cli.run("stack", "output", "--json", "--show-secrets").stdout)
    assert outputs == planned_outputs

    policy_config = project / "policies" / "config" / f"{stack_name}.json"
    pack = str(policy_analyzer(project))
    passing = cli.run("preview", "--policy-pack", pack, "--policy-pack-config", str(policy_config))
    assert "mandatory" not in passing.stdout, passing.stdout[-3000:]
    program = project / "__main__.py"
    shipped_program = program.read_text()
    program.write_text(shipped_program + VIOLATION.format(render_dir=str(tmp_path / "violation")))
    blocked = cli.run("preview", "--policy-pack", pack, "--policy-pack-config", str(policy_config), check=False)
    program.write_text(shipped_program)
    assert blocked.returncode != 0, blocked.stdout[-3000:]
    assert "k8s-no-privileged-containers" in blocked.stdout
    assert "mandatory" in blocked.stdout

    cli.run("state", "unprotect", "--all", "--yes")
    cli.run("destroy", "--yes", "--skip-preview")
    assert rendered_manifests(render_dir) == []  # render mode deletes the files of deleted objects
    state = json.loads(cli.run("stack", "export").stdout)
    assert state["deployment"].get("resources") in (None, [])
