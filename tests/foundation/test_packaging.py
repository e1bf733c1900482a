"""The library claims one import root: appstack (plus appstack_policies), never a bare `components`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_components_import_as_appstack_components_only() -> None:
    # A fresh interpreter: plan a stack, then check which top-level modules appstack pulled in.
    code = (
        "import sys\n"
        "from appstack.synth import synthesize\n"
        "synthesize('dev')\n"
        "print(sorted(n for n in sys.modules if n == 'components' or n.startswith('components.')))\n"
        "import appstack.components.aws, appstack.components.kubernetes\n"
        "print(appstack.components.__file__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    bare, location = result.stdout.strip().splitlines()[-2:]
    assert bare == "[]"
    assert Path(location) == REPO / "components" / "__init__.py"


def test_wheel_config_maps_components_under_appstack() -> None:
    import tomllib

    wheel = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "components" not in wheel["packages"]
    assert wheel["force-include"] == {
        "components": "appstack/components",
        "policies/config/dev.json": "appstack/scaffold/policy-config/dev.json",
        "policies/config/prod.json": "appstack/scaffold/policy-config/prod.json",
    }
