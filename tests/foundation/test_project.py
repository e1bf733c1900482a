"""The project is the directory holding Pulumi.yaml, found from the working directory; blueprints are its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pulumi
import pytest

from appstack import cli
from appstack.errors import ConfigError
from appstack.program import main as program_main
from appstack.project import ProjectNotFound, find_project, load_project
from appstack.stackconfig import load_stack
from appstack.synth import stack_config, synthesize

REPO = Path(__file__).resolve().parents[2]
BLUEPRINT = (REPO / "appstack" / "scaffold" / "templates" / "app.yaml").read_text()


def _project(root: Path, *, name: str = "acme", project_config: str = "", blueprints: str = "apps") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n{project_config}")
    (root / "Pulumi.dev.yaml").write_text(
        "config:\n  appstack:platform: kubernetes\n  appstack:tier: dev\n  appstack:domain: example.test\n"
        "  appstack:apps:\n    shop: {}\n"
    )
    (root / blueprints).mkdir(parents=True, exist_ok=True)
    (root / blueprints / "shop.yaml").write_text(
        BLUEPRINT.replace("{{app}}", "shop").replace("{{database}}", "shop")
    )
    return root


def test_found_upward_from_a_subdirectory_like_the_pulumi_cli(tmp_path):
    root = _project(tmp_path / "acme")
    (root / "apps" / "deep" / "er").mkdir(parents=True)
    project = find_project(root / "apps" / "deep" / "er")
    assert (project.root, project.name, project.stacks()) == (root.resolve(), "acme", ["dev"])
    assert project.blueprints_dir() == root.resolve() / "apps"
    assert project.policy_config_dir == root.resolve() / "policies" / "config"


def test_no_project_anywhere_up_is_a_readable_error(tmp_path, monkeypatch, capsys):
    if any((d / "Pulumi.yaml").exists() for d in tmp_path.resolve().parents):
        pytest.skip("a Pulumi.yaml above the temporary directory")
    with pytest.raises(ProjectNotFound, match="run `appstack init` or pass --project-dir"):
        find_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["plan", "dev"]) == 2
    assert cli.main(["validate"]) == 2
    assert cli.main(["plan", "dev", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("appstack: no Pulumi.yaml in") == 3 and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [("name: [unclosed\n", "Pulumi.yaml:2:1: while parsing a flow sequence did not find expected ',' or ']'"),
     ("runtime: python\n", "must be a mapping with a `name`"),
     ("- a list\n", "Pulumi.yaml:1:1: the document must be a mapping of keys to values, not a list")],
)
def test_broken_pulumi_yaml_is_reported(tmp_path, content, message):
    (tmp_path / "Pulumi.yaml").write_text(content)
    with pytest.raises(ProjectNotFound) as caught:
        load_project(tmp_path)
    assert str(caught.value).endswith(message)


def test_blueprints_directory_from_project_config_and_stack_override(tmp_path):
    # Pulumi.yaml `config:` sets defaults for every stack; objects and schemas nest the value.
    root = _project(tmp_path / "p", project_config="config:\n  appstack:blueprints: infra/apps\n",
                    blueprints="infra/apps")
    project = load_project(root)
    config, _ = stack_config("dev", project)
    assert config["appstack:blueprints"] == "infra/apps"
    assert project.blueprints_dir(config.get) == root.resolve() / "infra" / "apps"
    stack = load_stack("dev", config.get, all_keys=sorted(config), blueprints_dir=project.blueprints_dir(config.get))
    assert sorted(stack.apps) == ["shop"]  # appstack:blueprints is not an unknown setting
    (root / "Pulumi.yaml").write_text("name: p\nruntime: python\nconfig:\n  appstack:blueprints:\n    default: x\n")
    assert load_project(root).blueprints_dir() == root.resolve() / "x"
    # a stack may point elsewhere: the stack file wins over Pulumi.yaml
    assert load_project(root).blueprints_dir({"appstack:blueprints": "y"}.get) == root.resolve() / "y"


def test_a_misspelt_project_key_is_still_an_unknown_setting(tmp_path):
    root = _project(tmp_path / "p", project_config="config:\n  appstack:blueprint: apps\n")
    config, _ = stack_config("dev", load_project(root))
    with pytest.raises(ConfigError) as error:
        load_stack("dev", config.get, all_keys=sorted(config), blueprints_dir=root / "apps")
    assert [(p.path, p.message.split(";")[0]) for p in error.value.problems] == [
        ("appstack:blueprint", "unknown setting")
    ]


def test_missing_blueprints_directory_names_it(tmp_path):
    root = _project(tmp_path / "p")
    shutil.rmtree(root / "apps")
    config, _ = stack_config("dev", load_project(root))
    with pytest.raises(ConfigError) as error:
        load_stack("dev", config.get, blueprints_dir=root / "apps")
    assert error.value.problems[0].path == "apps.shop"
    assert f"blueprints in {root / 'apps'} (no such directory): none" in error.value.problems[0].message


def test_bare_config_keys_and_urns_take_the_project_name(tmp_path):
    root = _project(tmp_path / "p", name="acme-platform")
    (root / "Pulumi.dev.yaml").write_text((root / "Pulumi.dev.yaml").read_text() + "  owner: team-a\n")
    config, _ = stack_config("dev", load_project(root))
    assert config["acme-platform:owner"] == "team-a"
    synthesis = synthesize("dev", config={**config}, project=root)
    assert {r.urn.split("::")[1] for r in synthesis.resources} == {"acme-platform"}
    assert synthesis.named("shop", "appstack:app:Application").urn == (
        "urn:pulumi:dev::acme-platform::pulumi:pulumi:Stack$appstack:app:Application::shop"
    )


def test_the_pulumi_program_reads_the_blueprints_of_the_project_it_runs_in(tmp_path, monkeypatch):
    # Under the Pulumi CLI the program runs in the project directory; nothing comes from appstack's own tree.
    root = _project(tmp_path / "p")
    config, _ = stack_config("dev", load_project(root))
    monkeypatch.chdir(root / "apps")
    synthesis = synthesize("dev", config=config, program=lambda: program_main(placeholders_for_missing=True))
    assert [r.name for r in synthesis.by_type("appstack:app:Application")] == ["shop"]
    monkeypatch.chdir(tmp_path)  # outside any project: one readable error, no traceback
    if not any((d / "Pulumi.yaml").exists() for d in tmp_path.resolve().parents):
        with pytest.raises(pulumi.RunError, match="no Pulumi.yaml in"):
            synthesize("dev", config=config, program=lambda: program_main(placeholders_for_missing=True))
