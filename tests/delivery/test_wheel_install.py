"""The built wheel, installed into a fresh environment outside the repository, runs a user's own project.

The new environment gets appstack from the wheel only; its dependencies (the Pulumi SDKs, pydantic, the
schema checker) come from this repository's environment through a .pth file, so the test needs no
network and takes seconds. Nothing of the repository's source tree is importable there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _build_wheel(out: Path) -> Path:
    uv = shutil.which("uv")
    assert uv, "uv is needed to build the wheel"
    for offline in (["--offline"], []):  # the build backend from uv's cache when it is there
        result = _run([uv, "build", "--wheel", *offline, "--out-dir", str(out)], REPO, dict(os.environ))
        if result.returncode == 0:
            break
    assert result.returncode == 0, result.stderr
    (wheel,) = out.glob("appstack-*.whl")
    return wheel


def _environment(tmp: Path, wheel: Path) -> tuple[Path, dict[str, str]]:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    # The repository environment's packages, appended after the wheel's own (its .pth files, among them the
    # editable install of this checkout, are not processed: a path listed in a .pth is no site directory).
    (site / "zz_repo_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    uv = shutil.which("uv")
    assert uv
    result = _run([uv, "pip", "install", "--offline", "--no-deps", "--python", str(venv / "bin" / "python"),
                   str(wheel)], tmp, env)
    assert result.returncode == 0, result.stderr
    return venv, env


def test_wheel_scaffolds_and_plans_a_project_outside_the_repository(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    venv, env = installed
    appstack = str(venv / "bin" / "appstack")

    where = _run([str(venv / "bin" / "python"), "-c",
                  "import appstack, appstack.components, appstack_policies, sys; "
                  "print(appstack.__file__); print(appstack.components.__file__); print(appstack_policies.__file__); "
                  "print('components' in sys.modules)"], tmp_path, env)
    assert where.returncode == 0, where.stderr
    locations = where.stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in locations[:3]), locations
    assert locations[3] == "False"

    init = _run([appstack, "init", "platform"], tmp_path, env)
    assert init.returncode == 0, init.stderr
    project = tmp_path / "platform"
    assert (project / "__main__.py").read_text() == "from appstack.program import main\nmain()\n"

    work = project / "apps"  # any directory inside the project: found upward, as the Pulumi CLI does
    new = _run([appstack, "new", "app", "shop", "--stack", "dev", "--stack", "prod"], work, env)
    assert new.returncode == 0, new.stderr
    for stack in ("dev", "prod"):
        apps = yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())["config"]["appstack:apps"]
        assert apps == {"hello": {}, "shop": {}}

    validate = _run([appstack, "validate"], work, env)
    assert (validate.returncode, validate.stderr) == (0, "")
    assert validate.stdout.splitlines() == [
        "blueprint hello: ok",
        "blueprint shop: ok",
        "stack dev: ok (kubernetes, tier dev, apps: hello, shop)",
        "stack prod: ok (aws, tier prod, apps: hello, shop)",
    ]

    for stack, platform in (("dev", "kubernetes"), ("prod", "aws")):
        # exit 0: zero provider-check findings and no mandatory policy violation (the project's policy config)
        plan = _run([appstack, "plan", stack, "--policy", "--json", "-"], tmp_path / "platform", env)
        assert plan.returncode == 0, plan.stderr[-3000:]
        document = json.loads(plan.stdout)
        assert (document["stack"], document["platform"], document["apps"]) == (stack, platform, ["hello", "shop"])
        assert {r["urn"].split("::")[1] for r in document["resources"]} == {"platform"}  # the project's name
        assert sum(r["type"] == "appstack:app:Application" for r in document["resources"]) == 2
        assert f"appstack policies: stack {stack} (tier {stack}): 0 mandatory" in plan.stderr
