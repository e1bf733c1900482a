"""`appstack init` and `appstack new app`: a new project, a new blueprint, from the templates next to this file.

Templates hold `{{project}}`, `{{app}}`, `{{database}}` and `{{version}}`; nothing else is substituted,
so GitHub expressions (`${{ ... }}`) and bindings (`${postgres.url}`) pass through unchanged. The
policy configs are appstack's own (policies/config/dev.json and prod.json), shipped in the wheel.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import yaml

from ..project import Project

TEMPLATES = Path(__file__).resolve().parent / "templates"
# In the wheel the policy configs sit next to the templates; in a source checkout, in policies/config.
_PACKAGED_POLICY_CONFIG = Path(__file__).resolve().parent / "policy-config"
_CHECKOUT_POLICY_CONFIG = Path(__file__).resolve().parents[2] / "policies" / "config"
POLICY_STACKS = ("dev", "prod")
_NAME = re.compile(r"^[a-z]([a-z0-9]|-(?=[a-z0-9])){0,39}$")

# template -> path in the new project
PROJECT_FILES = {
    "Pulumi.yaml": "Pulumi.yaml",
    "Pulumi.dev.yaml": "Pulumi.dev.yaml",
    "Pulumi.prod.yaml": "Pulumi.prod.yaml",
    "main.py.in": "__main__.py",
    "pyproject.toml.in": "pyproject.toml",
    "gitignore": ".gitignore",
    "README.md": "README.md",
    "policies/PulumiPolicy.yaml": "policies/PulumiPolicy.yaml",
    "policies/main.py.in": "policies/__main__.py",
    "workflows/ci.yml": ".github/workflows/ci.yml",
    "workflows/plan-diff.yml": ".github/workflows/plan-diff.yml",
}

KEPT_IF_PRESENT = ("pyproject.toml", "README.md", ".gitignore")

DESCRIPTIONS = {
    "init": "Scaffold an appstack project: Pulumi.yaml (uv toolchain), dev (Kubernetes) and prod (AWS) stack "
    "files, a two-line __main__.py, a starter blueprint in apps/, the policy pack in policies/ and CI "
    "workflows (validate, plan with policies, plan diff on pull requests).",
}


class ScaffoldError(ValueError):
    """A name that is not valid, or a file that would be overwritten."""


def appstack_version() -> str:
    try:
        return metadata.version("appstack")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled checkout
        return "0.1.0"


def policy_config_dir() -> Path:
    return _PACKAGED_POLICY_CONFIG if _PACKAGED_POLICY_CONFIG.is_dir() else _CHECKOUT_POLICY_CONFIG


def _check_name(kind: str, name: str) -> None:
    if not _NAME.match(name):
        raise ScaffoldError(
            f"{kind} name {name!r}: use 1-40 lower-case letters, digits and single hyphens, starting with a letter"
        )


def _render(template: str, values: dict[str, str]) -> str:
    text = (TEMPLATES / template).read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def _values(project: str, app: str) -> dict[str, str]:
    return {"project": project, "app": app, "database": app.replace("-", "_"), "version": appstack_version()}


def init_project(directory: Path, *, name: str | None = None, app: str = "hello") -> int:
    """Write a new project into `directory` (created if needed); refuses to touch an existing project."""
    directory = directory.resolve()
    name = name or directory.name
    _check_name("project", name)
    _check_name("app", app)
    if (directory / "Pulumi.yaml").exists():
        raise ScaffoldError(f"{directory / 'Pulumi.yaml'} exists; `appstack init` starts new projects only")
    files = {target: _render(template, _values(name, app)) for template, target in PROJECT_FILES.items()}
    # A directory made with `uv init` or `git init` keeps its own; everything else is never overwritten.
    kept = sorted(target for target in KEPT_IF_PRESENT if (directory / target).exists())
    for target in kept:
        del files[target]
    files[f"apps/{app}.yaml"] = _render("app.yaml", _values(name, app))
    for stack in POLICY_STACKS:
        files[f"policies/config/{stack}.json"] = (policy_config_dir() / f"{stack}.json").read_text()
    existing = [target for target in files if (directory / target).exists()]
    if existing:
        raise ScaffoldError(f"would overwrite {', '.join(sorted(existing))} in {directory}")
    for target, text in sorted(files.items()):
        path = directory / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"created {target}")
    for target in kept:
        print(f"kept existing {target}")
    print(f"\nProject {name} in {directory}. Next: `uv lock && uv sync`, then `uv run appstack plan dev`.")
    return 0


def new_app(project: Project, name: str, *, stacks: list[str]) -> int:
    """Write apps/<name>.yaml (the project's blueprints directory) and add the app to the given stacks."""
    _check_name("app", name)
    directory = project.blueprints_dir()
    path = directory / f"{name}.yaml"
    if path.exists():
        raise ScaffoldError(f"{path} exists")
    stack_files = [project.stack_file(stack) for stack in stacks]
    missing = [p.name for p in stack_files if not p.is_file()]
    if missing:
        raise ScaffoldError(f"no stack file {', '.join(missing)}; stacks: {', '.join(project.stacks())}")
    edits = {p: _with_app(p, name) for p in stack_files}  # all checked before anything is written
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(_render("app.yaml", _values(project.name, name)))
    print(f"created {path.relative_to(project.root)}")
    for stack_file, text in edits.items():
        stack_file.write_text(text)
        print(f"added {name} to {stack_file.name}")
    return 0


def _stack_apps(text: str) -> dict:
    return ((yaml.safe_load(text) or {}).get("config") or {}).get("appstack:apps") or {}


def _with_app(stack_file: Path, app: str) -> str:
    """The stack file with `app: {}` added under `appstack:apps:` (a text edit: comments stay)."""
    original = stack_file.read_text()
    if app in _stack_apps(original):
        raise ScaffoldError(f"{app} is already in {stack_file.name}")
    lines = original.splitlines(keepends=True)
    header = next((i for i, line in enumerate(lines) if re.match(r"^\s*appstack:apps:\s*(#.*)?$", line)), None)
    if header is None:
        raise ScaffoldError(f"{stack_file.name} has no block-style `appstack:apps:` mapping; add {app} by hand")
    base = len(lines[header]) - len(lines[header].lstrip())
    entries = [line for line in lines[header + 1:] if line.strip() and not line.lstrip().startswith("#")]
    indent = len(entries[0]) - len(entries[0].lstrip()) if entries else 0
    indent = indent if indent > base else base + 2
    lines.insert(header + 1, " " * indent + f"{app}: {{}}\n")
    text = "".join(lines)
    if app not in _stack_apps(text):
        raise ScaffoldError(f"could not add {app} to {stack_file.name}; add it by hand")
    return text
