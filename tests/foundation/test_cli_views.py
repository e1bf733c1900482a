"""`appstack plan` output: JSON alone on stdout, --app, --show, --format yaml, colour and progress on a TTY only."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from appstack import cli
from appstack.scaffold import init_project

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def _one_synthesis_per_stack():
    """These tests are about what the CLI prints: plan the scaffolded stack once, render it many times."""
    import appstack.synth

    real, cache = appstack.synth.synthesize, {}

    def cached(stack, **kwargs):
        key = (stack, str(kwargs.get("project").root))
        if key not in cache:
            cache[key] = real(stack, **kwargs)
        return cache[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(appstack.synth, "synthesize", cached)
        yield


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "acme"
    init_project(root, app="hello")
    (root / "apps" / "shop.yaml").write_text((root / "apps" / "hello.yaml").read_text().replace("hello", "shop"))
    dev = root / "Pulumi.dev.yaml"
    dev.write_text(dev.read_text().replace("    hello: {}\n", "    hello: {}\n    shop: {}\n"))
    return root


def _plan(capsys, project: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["plan", "dev", "--project-dir", str(project), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_to_stdout_is_the_only_output(project, capsys):
    code, out, err = _plan(capsys, project, "--json", "-", "--policy")
    assert code == 0
    document = json.loads(out)  # nothing but the document on stdout
    assert (document["stack"], document["apps"], "selection" in document) == ("dev", ["hello", "shop"], False)
    assert sum(r["type"] == "appstack:app:Application" for r in document["resources"]) == 2
    assert err.startswith("appstack policies: stack dev (tier dev): 0 mandatory")  # the report goes to stderr
    assert "Stack dev:" not in out + err  # no table


def test_app_filter_keeps_one_apps_resources_and_says_so(project, capsys):
    code, out, _ = _plan(capsys, project, "--app", "shop", "--json", "-")
    document = json.loads(out)
    assert code == 0 and document["apps"] == ["shop"] and document["selection"] == {"apps": ["shop"]}
    urns = {r["urn"] for r in document["resources"]}
    assert len(urns) == 53
    for resource in document["resources"]:  # every one is the Application shop or under it
        chain, parent = [resource["urn"]], resource["parent"]
        while parent in urns:
            chain.append(parent)
            parent = next(r["parent"] for r in document["resources"] if r["urn"] == parent)
        assert chain[-1].endswith("appstack:app:Application::shop"), chain
    code, out, _ = _plan(capsys, project, "--app", "shop")
    assert out.splitlines()[:2] == [
        "Stack dev: platform kubernetes, tier dev, 1 apps, 53 resources (39 cloud/cluster resources)",
        "Showing apps: shop",
    ]
    assert "\nhello  (" not in out and "\nshop  (52 resources)" in out


def test_unknown_app_and_conflicting_stdout_outputs_are_usage_errors(project, capsys):
    code, out, err = _plan(capsys, project, "--app", "nope")
    assert (code, out) == (2, "")
    assert "--app nope: not in stack dev; apps: hello, shop" in err
    code, out, err = _plan(capsys, project, "--json", "-", "--format", "yaml")
    assert (code, out) == (2, "")
    assert "only one of --json, --format yaml can write to stdout" in err


def test_format_yaml_prints_kubernetes_manifests_with_secrets_masked(project, capsys):
    code, out, _ = _plan(capsys, project, "--app", "hello", "--format", "yaml")
    assert code == 0
    documents = list(yaml.safe_load_all(out))
    assert len(documents) == 39  # the custom resources of hello; components are not manifests
    deployment = next(d for d in documents if d.get("kind") == "Deployment")
    assert (deployment["apiVersion"], deployment["metadata"]) == ("apps/v1", {
        "name": "web", "namespace": "dev-hello",
        # the readiness wait its probes allow: 2 replicas x (120 s start + 180 s startup + 30 s readiness)
        "annotations": {"pulumi.com/timeoutSeconds": "660"}, "labels": {
            "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/name": "web",
            "app.kubernetes.io/part-of": "hello", "appstack.dev/stack": "dev"}})
    assert deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 8000
    env_secret = next(d for d in documents if d.get("kind") == "Secret" and d["metadata"]["name"] == "web-env")
    assert env_secret["stringData"] == "[secret]"
    password = next(d for d in documents if d.get("type") == "random:index/randomPassword:RandomPassword")
    assert (password["name"], password["inputs"]["length"]) == ("hello-secret-key", 50)
    assert ("---\n# kubernetes:apps/v1:Deployment hello-web\n# urn: urn:pulumi:dev::acme::appstack:kubernetes:Workload"
            "$kubernetes:apps/v1:Deployment::hello-web\napiVersion: apps/v1\n") in out


def test_show_one_resource_one_app_and_ambiguous_names(project, capsys):
    code, out, _ = _plan(capsys, project, "--show", "Deployment/hello-web")
    assert code == 0
    (document,) = yaml.safe_load_all(out)
    assert (document["kind"], document["metadata"]["name"]) == ("Deployment", "web")
    code, out, _ = _plan(capsys, project, "--show", "hello")  # an app: all of it, components included
    assert len(list(yaml.safe_load_all(out))) == 52
    code, out, _ = _plan(capsys, project, "--show", "hello-secret-key")
    (document,) = yaml.safe_load_all(out)
    assert document["inputs"]["length"] == 50 and document["parent"].endswith("appstack:app:Secrets::hello")
    code, out, err = _plan(capsys, project, "--show", "hello-web")
    assert (code, out) == (2, "")
    assert "--show hello-web: 5 resources match; give Kind/name or a URN:" in err
    code, out, err = _plan(capsys, project, "--show", "nothing-here")
    assert (code, out) == (2, "")
    assert "--show nothing-here: no app, URN or resource name in stack dev matches" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_and_progress_only_on_a_terminal(project, capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    code, out, err = _plan(capsys, project, "--app", "hello")
    assert code == 0 and "\033[" not in out + err and err == ""  # a pipe gets plain text and no progress
    terminal_out, terminal_err = _Terminal(), _Terminal()
    monkeypatch.setattr("sys.stdout", terminal_out)
    monkeypatch.setattr("sys.stderr", terminal_err)
    assert cli.main(["plan", "dev", "--project-dir", str(project), "--app", "hello"]) == 0
    assert terminal_out.getvalue().startswith("\033[1mStack dev: platform kubernetes")
    assert terminal_err.getvalue() == "\r\033[Kplanning stack dev of project acme...\r\033[K"  # shown, then erased
    monkeypatch.setenv("NO_COLOR", "1")
    terminal_out.seek(0), terminal_out.truncate()
    assert cli.main(["plan", "dev", "--project-dir", str(project), "--app", "hello", "--quiet"]) == 0
    assert terminal_out.getvalue() == ""


def test_uv_run_prints_no_bytecode_compilation_line():
    assert "compile-bytecode" not in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]
    uv = shutil.which("uv")
    assert uv
    result = subprocess.run([uv, "run", "--frozen", "appstack", "--help"], cwd=REPO, capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("usage: appstack")
    assert "Bytecode compiled" not in result.stderr


def test_plan_diff_refuses_plans_of_different_stacks(tmp_path, capsys):
    plans = {}
    for stack in ("dev", "prod"):
        plans[stack] = tmp_path / f"{stack}.json"
        plans[stack].write_text(json.dumps({"format": "appstack.plan/v1", "stack": stack, "resources": [],
                                            "outputs": {}}))
    assert cli.main(["plan", "diff", str(plans["dev"]), str(plans["prod"])]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "the plans are of different stacks (dev and prod); pass --allow-different-stacks" in captured.err
    assert cli.main(["plan", "diff", str(plans["dev"]), str(plans["prod"]), "--allow-different-stacks",
                     "--format", "text"]) == 0
    assert cli.main(["plan", "diff", str(plans["dev"]), str(plans["dev"])]) == 0
