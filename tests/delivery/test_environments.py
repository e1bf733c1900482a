"""Deploy and drift refuse an environment that is not protected (GitHub creates missing ones unprotected)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / ".github" / "scripts"
_spec = importlib.util.spec_from_file_location("delivery_environments", SCRIPTS / "environments.py")
environments = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(environments)

PROD = {"stack": "prod", "tier": "prod"}
DEV = {"stack": "dev", "tier": "dev"}
MAIN_ONLY = [{"name": "main", "type": "branch"}]


def _environment(*, reviewers=True, self_review=False, bypass=False, custom=True, protected=False) -> dict:
    rules = [{"type": "required_reviewers", "prevent_self_review": not self_review,
              "reviewers": [{"type": "Team", "reviewer": {"slug": "platform"}}]}] if reviewers else []
    return {"name": "prod", "can_admins_bypass": bypass, "protection_rules": rules,
            "deployment_branch_policy": {"protected_branches": protected, "custom_branch_policies": custom}}


def test_a_protected_environment_passes():
    assert environments.environment_problems(PROD, _environment(), MAIN_ONLY) == []
    assert environments.environment_problems(DEV, _environment(reviewers=False), MAIN_ONLY) == []


@pytest.mark.parametrize(("entry", "environment", "policies", "phrase"), [
    (PROD, None, [], "environment prod: missing"),
    (PROD, _environment(reviewers=False), MAIN_ONLY, "needs required reviewers"),
    (PROD, _environment(self_review=True), MAIN_ONLY, "Prevent self-review"),
    (PROD, _environment(bypass=True), MAIN_ONLY, "Allow administrators to bypass"),
    (PROD, {**_environment(), "deployment_branch_policy": None}, [], "deployment branches must be exactly `main`"),
    (DEV, _environment(custom=False, protected=True), [], "deployment branches must be exactly `main`"),
    (DEV, _environment(), [{"name": "*", "type": "branch"}], "deployment branches must be exactly `main`"),
    (DEV, _environment(), MAIN_ONLY + [{"name": "release/*", "type": "branch"}], "must be exactly `main`"),
    (DEV, _environment(), [{"name": "main", "type": "tag"}], "must be exactly `main`"),
])
def test_an_unprotected_environment_is_refused(entry, environment, policies, phrase):
    problems = environments.environment_problems(entry, environment, policies)
    assert any(phrase in p for p in problems), problems


def _fake_gh(tmp_path, monkeypatch, responses: dict) -> None:
    """`gh api PATH` answers from responses, 404 for any other path."""
    (tmp_path / "responses.json").write_text(json.dumps(responses))
    gh = tmp_path / "gh"
    gh.write_text(f"""#!{sys.executable}
import json, sys
responses = json.load(open({str(tmp_path / "responses.json")!r}))
if sys.argv[2] not in responses:
    print("gh: Not Found (HTTP 404)", file=sys.stderr); sys.exit(1)
print(json.dumps(responses[sys.argv[2]]))
""")
    gh.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{Path(sys.executable).parent}:/usr/bin:/bin")


def _protected(*names: str, reviewers=True) -> dict:
    responses = {}
    for name in names:
        responses[f"repos/o/r/environments/{name}"] = _environment(reviewers=reviewers)
        responses[f"repos/o/r/environments/{name}/deployment-branch-policies"] = {"branch_policies": MAIN_ONLY}
    return responses


def test_the_script_reads_every_stack_environment_through_the_api(tmp_path, capsys, monkeypatch):
    _fake_gh(tmp_path, monkeypatch, _protected("dev", reviewers=False) | _protected("prod"))  # prod-k8s: not created yet
    assert environments.main(["--repo", "o/r"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "::error::environment prod-k8s: missing; create it (Settings > Environments) before the first deploy"]


def test_a_live_split_needs_the_environments_of_its_stacks_not_of_the_stack_it_replaces(tmp_path, capsys, monkeypatch):
    split = ["prod-env", "prod-claude-relay", "prod-elizabeth", "prod-small-squaretable", "prod-sparkle"]
    _fake_gh(tmp_path, monkeypatch, _protected("dev", reviewers=False) | _protected("prod-k8s", *split))
    assert environments.main(["--repo", "o/r", "--layout", "prod=split", "--layout", "prod-k8s="]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "::error::environment prod-zmage: missing; create it (Settings > Environments) before the first deploy"]
    _fake_gh(tmp_path, monkeypatch, _protected("dev", reviewers=False) | _protected("prod-k8s", *split, "prod-zmage"))
    assert environments.main(["--repo", "o/r", "--layout", "prod=split"]) == 0  # prod's own environment: not read
