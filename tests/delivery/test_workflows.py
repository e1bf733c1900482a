"""Static checks of .github/workflows: schema, pinning, permissions, deploy safety."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
STACKS = ("dev", "prod", "prod-k8s")
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
TAG_PIN = re.compile(r"^[\w.-]+/[\w./-]+@v\d+\.\d+\.\d+$")
# inputs of pulumi/actions v6 (src/config.ts of the action)
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "work-dir", "cloud-url", "secrets-provider", "github-token", "comment-on-pr",
    "comment-on-pr-number", "comment-on-summary", "edit-pr-comment", "upsert", "remove", "config-map",
    "parallel", "message", "expect-no-changes", "diff", "refresh", "replace", "target",
    "target-dependents", "policyPacks", "policyPackConfigs", "color", "exclude-protected", "plan",
    "suppress-outputs", "suppress-progress", "always-include-summary", "pulumi-version",
    "pulumi-version-file",
}


def _load(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text())
    if True in doc:  # YAML 1.1 reads the `on:` key as a boolean
        doc["on"] = doc.pop(True)
    return doc


def _schema() -> dict:
    import check_jsonschema

    vendor = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / "github-workflows.json"
    return json.loads(vendor.read_text())


def _steps(doc: dict):
    for job_id, job in doc["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, job, step


def _by_name(name: str) -> dict:
    return _load(ROOT / ".github" / "workflows" / name)


def test_workflows_exist():
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "plan-diff.yml", "preview.yml", "deploy.yml", "drift.yml"} <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_schema_valid(path):
    schema = _schema()
    validator_cls = jsonschema.validators.validator_for(schema)
    errors = sorted(validator_cls(schema).iter_errors(_load(path)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.mark.parametrize(("ref", "pinned"), [
    ("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", True), ("pulumi/actions@v6.6.1", True),
    ("actions/checkout@v4", False), ("actions/checkout@v4.2", False), ("actions/checkout@main", False),
    ("pulumi/actions@11bd719", False)])
def test_pin_patterns(ref, pinned):
    assert bool(SHA_PIN.match(ref) or TAG_PIN.match(ref)) is pinned


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned(path):
    lines = path.read_text().splitlines()
    for _, _, step in _steps(_load(path)):
        uses = step.get("uses")
        if not uses or uses.startswith("./"):
            continue
        assert SHA_PIN.match(uses) or TAG_PIN.match(uses), f"{path.name}: {uses} is not pinned exactly"
        if SHA_PIN.match(uses):  # a SHA pin says which release it is
            [line] = {ln for ln in lines if f"uses: {uses}" in ln}
            assert re.search(r"#\s*v\d+\.\d+\.\d+\s*$", line), f"{path.name}: {uses} lacks a # vX.Y.Z comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_permissions(path):
    doc = _load(path)
    top = doc.get("permissions")
    assert top is not None, f"{path.name}: no top-level permissions"
    assert top in ({}, {"contents": "read"}), f"{path.name}: top-level permissions must be minimal"
    for job_id, job in doc["jobs"].items():
        perms = job.get("permissions", top)
        assert isinstance(perms, dict), f"{path.name}:{job_id}: use an explicit permission map"
        uses = [s.get("uses", "") for s in job.get("steps", [])]
        if perms.get("id-token") == "write":
            assert any(u.startswith(("aws-actions/configure-aws-credentials@", "pulumi/actions@"))
                       for u in uses), f"{path.name}:{job_id}: id-token without an OIDC consumer"
        if "issues" in perms or "pull-requests" in perms:
            assert any(u.startswith(("actions/github-script@", "pulumi/actions@")) for u in uses)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_python_setup_uses_uv_frozen(path):
    for job_id, job in _load(path)["jobs"].items():
        steps = job.get("steps", [])
        if not any(s.get("uses", "").startswith("actions/checkout@") for s in steps):
            continue
        assert any(s.get("uses", "").startswith("astral-sh/setup-uv@") for s in steps), job_id
        assert any("uv sync --frozen" in s.get("run", "") for s in steps), job_id
    assert _load(path).get("env", {}).get("UV_PYTHON") == "3.11"


def _pulumi_steps(doc: dict, command: str | None = None):
    for job_id, job, step in _steps(doc):
        if step.get("uses", "").startswith("pulumi/actions@") and (
                command is None or step.get("with", {}).get("command") == command):
            yield job_id, job, step


def test_pulumi_action_inputs_are_real():
    for path in WORKFLOWS:
        for job_id, _, step in _pulumi_steps(_load(path)):
            unknown = set(step.get("with", {})) - PULUMI_ACTION_INPUTS
            assert not unknown, f"{path.name}:{job_id}: unknown pulumi/actions inputs {unknown}"


def test_prod_deploys_are_gated_and_serialised_per_stack():
    doc = _by_name("deploy.yml")
    assert list(doc["on"]["push"]["branches"]) == ["main"]
    ups = {step["with"]["stack-name"]: (job_id, job) for job_id, job, step in _pulumi_steps(doc, "up")}
    assert set(ups) == set(STACKS)
    groups = set()
    for stack, (job_id, job) in ups.items():
        env = job.get("environment")
        env_name = env.get("name") if isinstance(env, dict) else env
        if stack.startswith("prod"):
            assert env_name == "production", f"{job_id} must use the protected production environment"
            assert "deploy-dev" in ([job["needs"]] if isinstance(job["needs"], str) else job["needs"])
        else:
            assert env_name != "production"  # dev deploys automatically
        conc = job["concurrency"]
        assert conc["cancel-in-progress"] is False
        assert stack in conc["group"] and conc["group"] not in groups
        groups.add(conc["group"])
        assert job["permissions"].get("id-token") == "write"
        assert ups[stack][1] is job


def test_pr_workflow_runs_the_readme_commands():
    doc = _by_name("ci.yml")
    assert "pull_request" in doc["on"]
    runs = [s.get("run", "") for _, _, s in _steps(doc)]
    assert "bash .ci/run" in runs
    policy = [r for r in runs if "--policy" in r]
    assert policy and "appstack plan" in policy[0]
    assert list(doc["jobs"]["policy"]["strategy"]["matrix"]["stack"]) == list(STACKS)
    ci_run, readme = ROOT / ".ci" / "run", ROOT / "README.md"
    if not ci_run.exists():
        pytest.skip(".ci/run (owned by the lead) does not exist yet")
    script = ci_run.read_text()
    commands = ("uv run --frozen ruff check .", "uv run --frozen pytest")
    for cmd in commands:
        assert cmd in script, f".ci/run must run `{cmd}`"
    assert script.index(commands[0]) < script.index(commands[1]), "lint runs before tests"
    text = readme.read_text() if readme.exists() else ""
    for cmd in commands:
        if cmd in text or "bash .ci/run" in text:
            continue
        pytest.skip("README does not document the test command yet")


def test_pr_plan_diff_comment():
    doc = _by_name("plan-diff.yml")
    assert "pull_request" in doc["on"]
    runs = "\n".join(s.get("run", "") for _, _, s in _steps(doc))
    assert "appstack plan diff --stack" in runs and "--format markdown" in runs
    assert "--base-ref \"$BASE_REF\"" in runs
    job = doc["jobs"]["plan-diff"]
    assert job["steps"][0]["with"]["fetch-depth"] == 0
    assert any(s.get("env", {}).get("BASE_REF") == "origin/${{ github.base_ref }}" for s in job["steps"])
    scripts = [s["with"]["script"] for s in job["steps"]
               if s.get("uses", "").startswith("actions/github-script@")]
    assert scripts and "updateComment" in scripts[0] and "appstack-plan-diff" in scripts[0]


def test_cloud_preview_only_with_credentials():
    doc = _by_name("preview.yml")
    assert "pull_request" in doc["on"]
    gate_env = doc["jobs"]["gate"]["steps"][0]["env"]
    assert "vars.AWS_ROLE_ARN != ''" in gate_env["HAS_AWS"]
    assert "secrets.PULUMI_ACCESS_TOKEN" in gate_env["HAS_BACKEND"]
    job = doc["jobs"]["preview"]
    assert job["if"] == "needs.gate.outputs.matrix != '[]'"
    assert job["permissions"]["id-token"] == "write"
    [(_, _, step)] = list(_pulumi_steps(doc, "preview"))
    w = step["with"]
    assert w["comment-on-pr"] is True and w["diff"] is True and w["policyPacks"] == "policies"
    aws = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert aws and aws[0]["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert any("KUBECONFIG" in s.get("run", "") for s in job["steps"])


def test_drift_check_opens_an_issue():
    doc = _by_name("drift.yml")
    assert doc["on"]["schedule"] and "workflow_dispatch" in doc["on"]
    job = doc["jobs"]["drift"]
    assert job["permissions"]["issues"] == "write"
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "--expect-no-changes" in runs and "--refresh" in runs
    scripts = [s["with"]["script"] for s in job["steps"]
               if s.get("uses", "").startswith("actions/github-script@")]
    assert scripts and "issues.create" in scripts[0] and "issues.update" in scripts[0]


def test_no_untrusted_expressions_in_run_scripts():
    risky = ("github.event.pull_request.title", "github.event.pull_request.body", "github.head_ref",
             "github.event.head_commit.message", "steps.")
    for path in WORKFLOWS:
        for job_id, _, step in _steps(_load(path)):
            for expr in re.findall(r"\$\{\{(.*?)\}\}", step.get("run", "")):
                assert not any(r in expr for r in risky), f"{path.name}:{job_id}: {expr} in a run script"
