"""Supply chain of delivery: hash-locked policy pack dependencies and code owners for every gate."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "policies" / "requirements.txt"
CODEOWNERS = ROOT / ".github" / "CODEOWNERS"
_spec = importlib.util.spec_from_file_location("policy_lock", ROOT / "policies" / "lock.py")
policy_lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(policy_lock)


def _requirements(text: str) -> dict[str, tuple[str, set[str]]]:
    """name -> (version, sha256 hashes), one logical line per requirement."""
    entries = {}
    for logical in re.sub(r"\\\n\s*", " ", text).splitlines():
        line = logical.split("#", 1)[0].strip() if not logical.lstrip().startswith("--hash") else logical
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        assert match, f"not pinned with ==: {line!r}"
        entries[match.group(1)] = (match.group(2), set(re.findall(r"--hash=sha256:([0-9a-f]{64})", line)))
    return entries


def test_every_policy_pack_requirement_is_pinned_with_hashes():
    entries = _requirements(REQUIREMENTS.read_text())
    assert {"pulumi", "pulumi-policy", "grpcio", "protobuf"} <= set(entries)
    for name, (_, hashes) in entries.items():
        assert hashes, f"{name} has no --hash: pip would refuse the whole file in hash-checking mode"


def test_policy_pack_requirements_match_the_project_lock():
    lock = {p["name"]: p for p in tomllib.loads((ROOT / "uv.lock").read_text())["package"]}
    for name, (version, hashes) in _requirements(REQUIREMENTS.read_text()).items():
        recorded = {w["hash"].removeprefix("sha256:") for w in lock[name].get("wheels", [])}
        recorded |= {lock[name]["sdist"]["hash"].removeprefix("sha256:")} if "sdist" in lock[name] else set()
        assert (version, hashes) == (lock[name]["version"], recorded), name
    assert REQUIREMENTS.read_text() == policy_lock.render(), "run `uv run --frozen python policies/lock.py`"
    assert policy_lock.direct_names() == ["pulumi", "pulumi-policy"]


def test_the_lock_follows_markers_and_the_whole_closure(tmp_path):
    lock = tmp_path / "uv.lock"
    one, two, three = "1" * 64, "2" * 64, "3" * 64
    lock.write_text(f"""
version = 1
[[package]]
name = "a"
version = "1.0"
dependencies = [{{ name = "b" }}, {{ name = "c", marker = "sys_platform == 'win32'" }}]
wheels = [{{ url = "https://x/a.whl", hash = "sha256:{one}" }}]
[[package]]
name = "b"
version = "2.0"
sdist = {{ url = "https://x/b.tar.gz", hash = "sha256:{two}" }}
[[package]]
name = "c"
version = "3.0"
dependencies = [{{ name = "d", marker = "platform_machine == 'arm64'" }}]
wheels = [{{ url = "https://x/c.whl", hash = "sha256:{three}" }}]
[[package]]
name = "d"
version = "4.0"
wheels = [{{ url = "https://x/d.whl", hash = "sha256:{one}" }}]
""")
    text = policy_lock.render(lock, ["a"])
    entries = _requirements(text)
    assert {n: v for n, (v, _) in entries.items()} == {"a": "1.0", "b": "2.0", "c": "3.0", "d": "4.0"}
    assert "c==3.0 ; (sys_platform == 'win32')" in text and entries["b"][1] == {two}
    assert "d==4.0 ; ((sys_platform == 'win32') and (platform_machine == 'arm64'))" in text


def _pattern(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS pattern as a regex: `*` stays inside a directory, a trailing `/` owns the subtree,
    a leading `/` anchors at the repository root (otherwise the pattern matches at any depth)."""
    body = re.escape(pattern.strip("/")).replace(r"\*", "[^/]*")
    prefix = "" if pattern.startswith("/") else "(?:.*/)?"
    suffix = "/.*" if pattern.endswith("/") else ""
    return re.compile(prefix + body + suffix)


def _owners(path: str) -> list[str]:
    """Owners of a repository path under CODEOWNERS (the last matching line wins)."""
    owners: list[str] = []
    for line in CODEOWNERS.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            pattern, *names = line.split()
            if _pattern(pattern).fullmatch(path):
                owners = names
    return owners


GATES = [
    ".github/workflows/deploy.yml", ".github/workflows/new-workflow.yml", ".github/actions/stack-setup/action.yml",
    ".github/scripts/stacks.py", ".github/CODEOWNERS", ".ci/run",
    "policies/__main__.py", "policies/config/prod.json", "policies/requirements.txt", "policies/appstack_policies/x.py",
    "Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml",
    "delivery/aws/prod/trust-policy.json", "delivery/aws/state-bucket-policy.json",
    "environments/prod-split/Pulumi.prod-env.yaml", "environments/prod-k8s-split/__main__.py",
    "environments/prod-split/policies/config/prod-zmage.json", "delivery/aws/prod-k8s-zmage/kms-key-policy.json",
    "pyproject.toml", "uv.lock", "tests/delivery/workflow_rules.py", "docs/delivery.md",
]


@pytest.mark.parametrize("path", GATES)
def test_code_owners_cover_every_gate(path):
    owners = _owners(path)
    assert owners and all(re.fullmatch(r"@[\w.-]+(/[\w.-]+)?", o) for o in owners), path


def test_every_existing_gate_file_is_owned():
    files = [p for base in (".github", "policies", "delivery", "environments") for p in (ROOT / base).rglob("*")
             if p.is_file()]
    files += list(ROOT.glob("Pulumi*.yaml"))
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        if "__pycache__" in relative or relative.startswith("policies/venv/"):
            continue
        assert _owners(relative), relative


@pytest.mark.parametrize("path", ["README.md", "apps/zmage/app.yaml", "components/aws/network.py", "Pulumi.prod.yaml.bak/x"])
def test_code_owner_patterns_do_not_swallow_everything(path):
    assert _owners(path) == []
