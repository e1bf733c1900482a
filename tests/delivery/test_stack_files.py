"""One secrets provider per stack: prod-tier stacks encrypt with their own cloud KMS key, never a passphrase.

.github/scripts/stacks.py reads the stack files for the workflows' matrices and refuses a file that
breaks the rule, on pull requests (plan-diff) and before any deploy asks for a credential.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from appstack.synth import stack_config

from .workflow_rules import stacks_script

ROOT = Path(__file__).resolve().parents[2]
stacks = stacks_script()


def _shipped() -> dict[str, dict]:
    return {entry["stack"]: entry for entry in stacks.read_stacks(ROOT)}


def test_shipped_stacks_have_one_provider_each():
    entries = _shipped()
    assert {s: (e["tier"], e["secrets_provider"], e["passphrase"], e["aws"]) for s, e in entries.items()} == {
        "dev": ("dev", "default", True, False),
        "prod": ("prod", "awskms", False, True),
        "prod-k8s": ("prod", "awskms", False, True),
    }
    assert entries["prod"]["secrets_provider_url"] == "awskms://alias/appstack-prod-secrets?region=us-east-1"
    assert entries["prod-k8s"]["secrets_provider_url"] == "awskms://alias/appstack-prod-k8s-secrets?region=eu-west-1"


def test_the_aws_stack_key_lives_in_the_stack_region():
    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    [region] = parse_qs(urlsplit(document["secretsprovider"]).query)["region"]
    assert region == document["config"]["aws:region"]


def test_the_offline_plan_reads_only_the_config_of_a_stack_file():
    config, secret_keys = stack_config("prod")
    assert not any("secretsprovider" in key or "encryptedkey" in key for key in config)
    assert config["appstack:tier"] == "prod" and secret_keys == []


def test_matrices_put_dev_tier_first():
    result = stacks.matrices(stacks.read_stacks(ROOT))
    assert [e["stack"] for e in result["dev"]] == ["dev"]
    assert [e["stack"] for e in result["prod"]] == ["prod", "prod-k8s"]
    assert [e["stack"] for e in result["all"]] == ["dev", "prod", "prod-k8s"]


def test_github_output_lines(tmp_path):
    out = tmp_path / "out"
    assert stacks.main(["--github-output", str(out)]) == 0
    lines = dict(line.split("=", 1) for line in out.read_text().splitlines())
    # the keys of old stay, with the same lists when no split is live; the split keys come after them
    assert list(lines) == ["dev", "prod", "all", "split", "layouts", "all_layouts"]
    assert [e["stack"] for e in json.loads(lines["prod"])] == ["prod", "prod-k8s"]
    assert [e["stack"] for e in json.loads(lines["all"])] == ["dev", "prod", "prod-k8s"]
    assert json.loads(lines["split"]) == [] and json.loads(lines["layouts"]) == {"prod": "single", "prod-k8s": "single"}
    assert {e["project_dir"] for e in json.loads(lines["all"])} == {"."}


def test_a_live_split_replaces_its_root_stack(tmp_path):
    out = tmp_path / "out"
    assert stacks.main(["--github-output", str(out), "--layout", "prod-k8s=split", "--layout", "prod="]) == 0
    lines = {k: json.loads(v) for k, v in (line.split("=", 1) for line in out.read_text().splitlines())}
    assert [e["stack"] for e in lines["prod"]] == ["prod"]
    assert [(e["stack"], e["mode"]) for e in lines["split"]][:2] == [("prod-k8s-env", "environment"),
                                                                     ("prod-k8s-claude-relay", "app")]
    assert {e["project_dir"] for e in lines["split"]} == {"environments/prod-k8s-split"}
    assert [e["stack"] for e in lines["all"]] == ["dev", "prod"] + [e["stack"] for e in lines["split"]]
    assert lines["layouts"] == {"prod": "single", "prod-k8s": "split"}
    assert len(lines["all_layouts"]) == 3 + 6 + 6


def _copy_split(root: Path, name: str = "prod-split") -> Path:
    split = root / "environments" / name
    shutil.copytree(ROOT / "environments" / name, split, ignore=shutil.ignore_patterns("__pycache__"))
    return split


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: _edit(s, "prod-env", secretsprovider="awskms://alias/appstack-prod-secrets?region=us-east-1"),
     "secretsprovider key awskms://alias/appstack-prod-secrets is also the key of stack prod"),
    (lambda s: (s / "Pulumi.prod-env.yaml").rename(s / "Pulumi.prod.yaml"),
     "stack prod is in . and environments/prod-split"),
    (lambda s: (s / "Pulumi.prod-env.yaml").rename(s / "Pulumi.prod-shared.yaml"),
     "one environment stack, named prod-env"),
    (lambda s: (s / "Pulumi.prod-zmage.yaml").rename(s / "Pulumi.zmage.yaml"), "app stack zmage must be named prod-<app>"),
    (lambda s: _edit(s, "prod-zmage", config={"appstack:tier": "dev", "appstack:platform": "aws",
                                              "appstack:mode": "app"}),
     "stack prod-zmage is aws/dev, the stack it replaces aws/prod"),
    (lambda s: _edit(s, "prod-zmage", config={"appstack:tier": "prod", "appstack:mode": "shared"}),
     "appstack:mode must be one of single, environment, app"),
])
def test_a_split_that_breaks_the_rules_is_refused(tmp_path, edit, message):
    root = _copy(tmp_path)
    edit(_copy_split(root))
    with pytest.raises(stacks.StackFileError) as error:
        stacks.layout(root)
    assert message in str(error.value)


def test_once_the_root_stack_file_is_gone_its_split_is_the_only_layout(tmp_path):
    root = _copy(tmp_path)
    _copy_split(root)
    assert stacks.layout(root)["layouts"] == {"prod": "single"}
    (root / "Pulumi.prod.yaml").unlink()
    result = stacks.layout(root, {"prod": ""})
    assert result["layouts"] == {"prod": "split"} and [e["stack"] for e in result["prod"]] == ["prod-k8s"]
    assert result["split"][0]["stack"] == "prod-env"
    with pytest.raises(stacks.StackFileError, match="there is no Pulumi.prod.yaml any more"):
        stacks.layout(root, {"prod": "single"})


def _copy(tmp_path: Path) -> Path:
    for path in ROOT.glob("Pulumi.*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "policies" / "config").mkdir(parents=True)
    return tmp_path


def _edit(root: Path, stack: str, **top):
    path = root / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text())
    for key, value in top.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    path.write_text(yaml.safe_dump(document))


@pytest.mark.parametrize(("stack", "edit", "message"), [
    ("prod", {"secretsprovider": None},
     "Pulumi.prod.yaml: a prod-tier stack declares `secretsprovider:` with a cloud KMS key"),
    ("prod", {"secretsprovider": "passphrase"}, "got 'passphrase'"),
    ("prod-k8s", {"secretsprovider": "default"}, "Pulumi.prod-k8s.yaml: a prod-tier stack declares"),
    ("prod", {"secretsprovider": "awskms://alias/appstack-prod-secrets"}, "names no region"),
    ("prod", {"secretsprovider": "awskms://alias/appstack-prod-k8s-secrets?region=eu-west-1"},
     "is also the key of stack"),
    ("prod", {"secretsprovider": "vaultkms://x"}, "allowed are passphrase or a cloud KMS URL"),
    ("prod", {"secretsprovider": 42}, "must be a URL string"),
])
def test_a_stack_file_that_breaks_the_rules_is_refused(tmp_path, stack, edit, message):
    root = _copy(tmp_path)
    _edit(root, stack, **edit)
    with pytest.raises(stacks.StackFileError) as error:
        stacks.read_stacks(root)
    assert message in str(error.value)


@pytest.mark.parametrize("url", [
    "gcpkms://projects/acme/locations/global/keyRings/appstack/cryptoKeys/prod",
    "azurekeyvault://acme-vault.vault.azure.net/keys/appstack-prod",
    "hashivault://appstack-prod",
])
def test_other_clouds_keys_are_accepted_for_prod(tmp_path, url):
    root = _copy(tmp_path)
    _edit(root, "prod", secretsprovider=url)
    entry = {e["stack"]: e for e in stacks.read_stacks(root)}["prod"]
    assert entry["secrets_provider"] == url.split("://")[0] and entry["passphrase"] is False
    assert entry["aws"] is True  # the prod stack itself still runs on AWS


def test_every_problem_is_reported_at_once_and_the_cli_exits_1(tmp_path, capsys):
    root = _copy(tmp_path)
    _edit(root, "prod", secretsprovider=None)
    _edit(root, "prod-k8s", secretsprovider="passphrase")
    (root / "Pulumi.Staging.yaml").write_text("config: {appstack:tier: dev}\n")
    assert stacks.main(["--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "Pulumi.prod.yaml" in err and "Pulumi.prod-k8s.yaml" in err and "Pulumi.Staging.yaml" in err


def test_a_dev_stack_keeps_the_passphrase_but_a_cloud_key_drops_it(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "dev", secretsprovider="passphrase")
    assert {e["stack"]: e for e in stacks.read_stacks(root)}["dev"]["passphrase"] is True
    _edit(root, "dev", secretsprovider="awskms://alias/appstack-dev-secrets?region=us-east-1")
    dev = {e["stack"]: e for e in stacks.read_stacks(root)}["dev"]
    assert dev["passphrase"] is False and dev["aws"] is True
