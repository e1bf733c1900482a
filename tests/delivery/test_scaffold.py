"""`appstack init`, `appstack new app` and `appstack validate` on projects outside the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from appstack import cli
from appstack.scaffold import policy_config_dir

REPO = Path(__file__).resolve().parents[2]
USES = re.compile(r"^\s*-?\s*uses:\s*(\S+)(.*)$", re.MULTILINE)


def _init(tmp_path: Path, capsys, *args: str) -> Path:
    assert cli.main(["init", str(tmp_path / "acme"), *args]) == 0
    capsys.readouterr()
    return tmp_path / "acme"


def test_init_writes_a_complete_project(tmp_path, capsys):
    root = _init(tmp_path, capsys)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [
        ".github/workflows/ci.yml", ".github/workflows/plan-diff.yml", ".gitignore", "Pulumi.dev.yaml",
        "Pulumi.prod.yaml", "Pulumi.yaml", "README.md", "__main__.py", "apps/hello.yaml",
        "policies/PulumiPolicy.yaml", "policies/__main__.py", "policies/config/dev.json",
        "policies/config/prod.json", "pyproject.toml",
    ]
    project = yaml.safe_load((root / "Pulumi.yaml").read_text())
    assert project == {
        "name": "acme",
        "description": "Apps deployed with appstack (one typed app spec per app, on AWS or Kubernetes)",
        "runtime": {"name": "python", "options": {"toolchain": "uv", "virtualenv": ".venv"}},
        "config": {"appstack:blueprints": "apps"},
    }
    assert (root / "__main__.py").read_text().splitlines() == ["from appstack.program import main", "main()"]
    dev = yaml.safe_load((root / "Pulumi.dev.yaml").read_text())["config"]
    prod = yaml.safe_load((root / "Pulumi.prod.yaml").read_text())
    assert (dev["appstack:platform"], dev["appstack:tier"], dev["appstack:apps"]) == ("kubernetes", "dev", {"hello": {}})
    assert (prod["config"]["appstack:platform"], prod["config"]["appstack:tier"]) == ("aws", "prod")
    assert prod["secretsprovider"] == "awskms://alias/acme-prod-secrets?region=us-east-1"  # never a passphrase
    assert 'dependencies = ["appstack[check]==0.1.0"]' in (root / "pyproject.toml").read_text()
    # the policy pack: appstack's rules from the project's environment, appstack's own per-stack configs
    assert yaml.safe_load((root / "policies" / "PulumiPolicy.yaml").read_text())["runtime"] == {
        "name": "python", "options": {"virtualenv": "../.venv"}}
    assert "from appstack_policies.pulumi_adapter import serve" in (root / "policies" / "__main__.py").read_text()
    for stack in ("dev", "prod"):
        config = (root / "policies" / "config" / f"{stack}.json").read_text()
        assert config == (REPO / "policies" / "config" / f"{stack}.json").read_text()
        assert json.loads(config)
    assert policy_config_dir() == REPO / "policies" / "config"  # a source checkout reads them in place


def test_scaffolded_workflows_pin_the_actions_we_pin(tmp_path, capsys):
    root = _init(tmp_path, capsys)
    ours = {m.group(1) for f in (REPO / ".github" / "workflows").glob("*.yml") for m in USES.finditer(f.read_text())}
    theirs = [m for f in (root / ".github" / "workflows").glob("*.yml") for m in USES.finditer(f.read_text())]
    assert len(theirs) == 6
    for match in theirs:
        action, comment = match.group(1), match.group(2)
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action  # a full commit SHA
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), comment  # with the version it is
        assert action in ours
    ci = yaml.safe_load((root / ".github" / "workflows" / "ci.yml").read_text())
    assert ci["permissions"] == {}
    steps = [s.get("run") for s in ci["jobs"]["plan"]["steps"]]
    assert steps[-3:] == ["uv sync --frozen", 'uv run --frozen appstack validate "$STACK"',
                          'uv run --frozen appstack plan "$STACK" --policy']


def test_init_refuses_bad_names_and_existing_projects(tmp_path, capsys):
    for args in (["--name", "Acme"], ["--name", "a--b"], ["--app", "x" * 41], ["--app", "9lives"]):
        assert cli.main(["init", str(tmp_path / "bad"), *args]) == 2
    assert "use 1-40 lower-case letters, digits and single hyphens" in capsys.readouterr().err
    assert not (tmp_path / "bad" / "Pulumi.yaml").exists()
    root = _init(tmp_path, capsys)
    assert cli.main(["init", str(root)]) == 2
    assert "Pulumi.yaml exists; `appstack init` starts new projects only" in capsys.readouterr().err
    other = tmp_path / "other"
    (other / "apps").mkdir(parents=True)
    (other / "apps" / "hello.yaml").write_text("mine\n")
    assert cli.main(["init", str(other)]) == 2
    assert "would overwrite apps/hello.yaml" in capsys.readouterr().err
    assert (other / "apps" / "hello.yaml").read_text() == "mine\n" and not (other / "Pulumi.yaml").exists()


def test_init_keeps_the_pyproject_readme_and_gitignore_of_an_existing_directory(tmp_path, capsys):
    (tmp_path / "p").mkdir()
    for name in ("pyproject.toml", "README.md", ".gitignore"):
        (tmp_path / "p" / name).write_text(f"own {name}\n")
    assert cli.main(["init", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    for name in ("pyproject.toml", "README.md", ".gitignore"):
        assert (tmp_path / "p" / name).read_text() == f"own {name}\n"
        assert f"kept existing {name}" in out
    assert (tmp_path / "p" / "Pulumi.yaml").is_file() and (tmp_path / "p" / "apps" / "hello.yaml").is_file()


def test_new_app_writes_a_blueprint_and_adds_it_to_stacks_keeping_comments(tmp_path, capsys, monkeypatch):
    root = _init(tmp_path, capsys)
    monkeypatch.chdir(root / "apps")
    assert cli.main(["new", "app", "billing-api", "--stack", "prod"]) == 0
    blueprint = yaml.safe_load((root / "apps" / "billing-api.yaml").read_text())
    assert (blueprint["name"], blueprint["database"]["database"]) == ("billing-api", "billing_api")
    prod = (root / "Pulumi.prod.yaml").read_text()
    assert "  appstack:apps:\n    billing-api: {}\n    hello: {}\n" in prod
    assert prod.startswith("# Production on AWS")  # a text edit: comments stay
    assert "billing-api" not in (root / "Pulumi.dev.yaml").read_text()
    assert cli.main(["new", "app", "billing-api"]) == 2
    assert "billing-api.yaml exists" in capsys.readouterr().err
    assert cli.main(["new", "app", "hello2", "--stack", "staging"]) == 2
    assert "no stack file Pulumi.staging.yaml; stacks: dev, prod" in capsys.readouterr().err
    assert not (root / "apps" / "hello2.yaml").exists()  # nothing written when a stack is wrong
    (root / "Pulumi.dev.yaml").write_text("config:\n  appstack:platform: kubernetes\n  appstack:apps: {hello: {}}\n")
    assert cli.main(["new", "app", "hello3", "--stack", "dev"]) == 2
    assert "no block-style `appstack:apps:` mapping; add hello3 by hand" in capsys.readouterr().err
    assert cli.main(["new", "app", "Hello_4"]) == 2


def test_validate_reports_every_problem_without_planning(tmp_path, capsys):
    root = _init(tmp_path, capsys)
    assert cli.main(["validate", "--project-dir", str(root)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "blueprint hello: ok", "stack dev: ok (kubernetes, tier dev, apps: hello)",
        "stack prod: ok (aws, tier prod, apps: hello)",
    ]
    hello = root / "apps" / "hello.yaml"
    hello.write_text(hello.read_text().replace("port: 8000", "port: 70000"))
    prod = root / "Pulumi.prod.yaml"
    prod.write_text(prod.read_text().replace("appstack:tier: prod", "appstack:tier: production"))
    assert cli.main(["validate", "--project-dir", str(root)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "apps.hello.services.web.port: input should be less than or equal to 65535 (got 70000)" in err
    assert "Invalid configuration for stack 'prod'" in err and "tier: input should be 'dev' or 'prod'" in err
    assert "Traceback" not in err
    assert cli.main(["validate", "nope", "--project-dir", str(root)]) == 2
    assert "no stack file Pulumi.nope.yaml; stacks: dev, prod" in capsys.readouterr().err
