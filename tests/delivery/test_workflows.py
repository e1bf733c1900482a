"""Static checks of .github/workflows: schema, SHA pins, who sees which credential, deploy safety.

The delivery rules live in workflow_rules.py; the shipped workflows pass them, and each negative
case below edits a copy of a shipped workflow the way a careless change would, and must be refused.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from .workflow_rules import (
    ROOT,
    action_paths,
    check_pins,
    check_repository,
    check_workflow,
    environment_of,
    is_credential_job,
    load,
    permissions_of,
    secrets_of,
    steps_of,
    vars_of,
    workflow_paths,
)

WORKFLOWS = workflow_paths()
STACKS = tuple(sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml")))
# inputs of pulumi/actions v6 (action.yml of the pinned release)
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "work-dir", "cloud-url", "secrets-provider", "github-token", "comment-on-pr",
    "comment-on-pr-number", "comment-on-summary", "edit-pr-comment", "upsert", "remove", "config-map",
    "parallel", "message", "expect-no-changes", "diff", "refresh", "replace", "target",
    "target-dependents", "policyPacks", "policyPackConfigs", "color", "exclude-protected", "plan",
    "suppress-outputs", "suppress-progress", "always-include-summary", "pulumi-version",
    "pulumi-version-file",
}
STACK_CREDENTIALS = {"PULUMI_ACCESS_TOKEN", "KUBECONFIG"}
STACK_VARS = {"AWS_ROLE_ARN", "AWS_REGION", "PULUMI_BACKEND_URL"}
# the repository variables that say which layout of a split is live (stacks.py --layout)
LAYOUT_VARS = {"APPSTACK_PROD_LAYOUT", "APPSTACK_PROD_K8S_LAYOUT"}
# (workflow, job) -> (secrets, vars, OIDC id-token, environment). Everything else sees nothing.
ACCESS = {
    ("ci.yml", "checks"): (set(), set(), False, None),
    ("ci.yml", "policy"): (set(), set(), False, None),
    ("plan-diff.yml", "plan-diff"): (set(), set(), False, None),
    ("plan-diff.yml", "comment"): (set(), set(), False, None),
    ("deploy.yml", "verify"): (set(), {"PULUMI_BACKEND_URL"} | LAYOUT_VARS, False, None),
    ("deploy.yml", "deploy-dev"): (STACK_CREDENTIALS | {"PULUMI_CONFIG_PASSPHRASE"}, STACK_VARS, True, "${{ matrix.stack }}"),
    ("deploy.yml", "deploy-prod"): (STACK_CREDENTIALS, STACK_VARS, True, "${{ matrix.stack }}"),
    # the prod split's stacks: AWS only, so no kubeconfig; never the dev passphrase
    ("deploy.yml", "deploy-split-env"): ({"PULUMI_ACCESS_TOKEN"}, STACK_VARS, True, "${{ matrix.stack }}"),
    ("deploy.yml", "deploy-split-apps"): ({"PULUMI_ACCESS_TOKEN"}, STACK_VARS, True, "${{ matrix.stack }}"),
    # the prod-k8s split's stacks: the cluster's kubeconfig, the role for their key and state; no passphrase
    ("deploy.yml", "deploy-k8s-split-env"): (STACK_CREDENTIALS, STACK_VARS, True, "${{ matrix.stack }}"),
    ("deploy.yml", "deploy-k8s-split-apps"): (STACK_CREDENTIALS, STACK_VARS, True, "${{ matrix.stack }}"),
    ("drift.yml", "stacks"): (set(), {"PULUMI_BACKEND_URL"} | LAYOUT_VARS, False, None),
    ("drift.yml", "drift"): (STACK_CREDENTIALS | {"PULUMI_CONFIG_PASSPHRASE"}, STACK_VARS, True, "${{ matrix.stack }}"),
}


def _by_name(name: str) -> dict:
    return load(ROOT / ".github" / "workflows" / name)


def _steps(doc: dict):
    for job_id, job in doc["jobs"].items():
        for step in steps_of(job, ROOT):
            yield job_id, job, step


def _schema(name: str) -> dict:
    import check_jsonschema

    vendor = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / name
    return json.loads(vendor.read_text())


def test_workflows_exist():
    assert {p.name for p in WORKFLOWS} == {"ci.yml", "plan-diff.yml", "deploy.yml", "drift.yml"}


@pytest.mark.parametrize("path", WORKFLOWS + action_paths(), ids=lambda p: p.parent.name + "/" + p.name)
def test_schema_valid(path):
    schema = _schema("github-workflows.json" if path.parent.name == "workflows" else "github-actions.json")
    validator_cls = jsonschema.validators.validator_for(schema)
    errors = sorted(validator_cls(schema).iter_errors(load(path)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_shipped_workflows_keep_every_delivery_rule():
    assert check_repository() == []


def test_who_sees_which_secret_variable_oidc_token_and_environment():
    seen = {}
    for path in WORKFLOWS:
        for job_id, job in load(path)["jobs"].items():
            seen[(path.name, job_id)] = (secrets_of(job), vars_of(job),
                                         permissions_of(job).get("id-token") == "write", environment_of(job))
    assert seen == ACCESS
    # the prod tier never gets the dev passphrase, whatever the matrix says
    assert "PULUMI_CONFIG_PASSPHRASE" not in str(_by_name("deploy.yml")["jobs"]["deploy-prod"])


def test_pull_requests_run_no_job_with_a_credential_or_a_write_token_next_to_their_code():
    for path in WORKFLOWS:
        doc = load(path)
        if "pull_request" not in doc["on"]:
            continue
        for job_id, job in doc["jobs"].items():
            assert not is_credential_job(job), (path.name, job_id)
            writes = {k for k, v in permissions_of(job).items() if v == "write"}
            checks_out = any(s.get("uses", "").startswith("actions/checkout@") for s in steps_of(job, ROOT))
            assert not (writes and checks_out), (path.name, job_id)
    assert not any("pulumi" in s.get("run", "").split() for p in WORKFLOWS if "pull_request" in load(p)["on"]
                   for _, _, s in _steps(load(p)))


def test_deploys_go_dev_tier_first_then_prod_tier_each_in_its_own_environment():
    doc = _by_name("deploy.yml")
    assert doc["on"]["push"] == {"branches": ["main"]} and "workflow_dispatch" in doc["on"]
    jobs = doc["jobs"]
    assert jobs["deploy-dev"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.verify.outputs.dev) }}"
    assert jobs["deploy-prod"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.verify.outputs.prod) }}"
    assert jobs["deploy-prod"]["needs"] == ["verify", "deploy-dev"]
    assert "needs.deploy-dev.result" in jobs["deploy-prod"]["if"] and "!cancelled()" in jobs["deploy-prod"]["if"]
    for job_id in ("deploy-dev", "deploy-prod"):
        job = jobs[job_id]
        assert environment_of(job) == "${{ matrix.stack }}"
        assert job["concurrency"] == {"group": "pulumi-up-${{ matrix.stack }}", "cancel-in-progress": False}
        assert job["strategy"]["fail-fast"] is False
        runs = [s["run"] for s in job["steps"] if "run" in s]
        assert runs == ['bash .github/scripts/pulumi-up.sh "$STACK" "$PLATFORM" "$POLICY_CONFIG"']
        setup = next(s for s in job["steps"] if s.get("uses") == "./.github/actions/stack-setup")
        assert setup["with"]["aws-role-arn"] == "${{ vars.AWS_ROLE_ARN }}"  # the environment's own role
    assert {"dev", "prod"} <= set(jobs["verify"]["outputs"])


def test_the_stack_setup_action_takes_one_role_and_restores_no_cache():
    [path] = action_paths()
    action = load(path)
    steps = action["runs"]["steps"]
    [aws] = [s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert aws["with"]["role-to-assume"] == "${{ inputs.aws-role-arn }}"
    [uv] = [s for s in steps if s.get("uses", "").startswith("astral-sh/setup-uv@")]
    assert uv["with"]["enable-cache"] is False and uv["with"]["version"] == "0.13.9"
    assert any("uv sync --frozen" in s.get("run", "") for s in steps)


def test_every_action_is_pinned_by_a_full_commit_sha_with_its_release():
    assert [p for path in WORKFLOWS + action_paths() for p in check_pins(path)] == []
    pulumi = {s["uses"] for path in WORKFLOWS for _, _, s in _steps(load(path)) if s.get("uses", "").startswith("pulumi/")}
    assert pulumi == {"pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58"}  # v6.6.1


@pytest.mark.parametrize("line, ok", [
    ("uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", True),
    ("uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", False),  # no release comment
    ("uses: pulumi/actions@v6.6.1", False),  # a tag moves
    ("uses: actions/checkout@v4", False),
    ("uses: actions/checkout@main", False),
    ("uses: pulumi/actions@8582a9e # v6.6.1", False),  # short SHA
])
def test_pin_rule(tmp_path, line, ok):
    path = tmp_path / "w.yml"
    path.write_text(f"jobs:\n  j:\n    steps:\n      - {line}\n")
    assert (check_pins(path) == []) is ok


def test_pulumi_action_inputs_are_real():
    for path in WORKFLOWS + action_paths():
        doc = load(path)
        steps = [s for job in (doc.get("jobs") or {}).values() for s in job.get("steps", [])]
        for step in steps + (doc.get("runs") or {}).get("steps", []):
            if step.get("uses", "").startswith("pulumi/actions@"):
                assert not set(step.get("with", {})) - PULUMI_ACTION_INPUTS, path.name


def _job(doc, job_id):
    return doc["jobs"][job_id]


def _add_step(job_id, step):
    return lambda doc: _job(doc, job_id)["steps"].append(step)


def _set(job_id, key, value):
    return lambda doc: _job(doc, job_id).__setitem__(key, value)


def _setup_with(job_id, key, value):
    def mutate(doc):
        next(s for s in _job(doc, job_id)["steps"] if s.get("uses", "").startswith("./"))["with"][key] = value
    return mutate


def _checkout_with(job_id, key, value):
    def mutate(doc):
        next(s for s in _job(doc, job_id)["steps"] if s.get("uses", "").startswith("actions/checkout@"))["with"][key] = value
    return mutate


# Each: (workflow, edit, a phrase of the refusal). The edits reopen a path the rules close.
REOPENINGS = {
    "pull_request_target trigger": ("ci.yml", lambda d: d["on"].__setitem__("pull_request_target", None),
                                    "trigger pull_request_target is not allowed"),
    "workflow_run trigger": ("drift.yml", lambda d: d["on"].__setitem__("workflow_run", {"workflows": ["ci"]}),
                             "trigger workflow_run is not allowed"),
    "deploy on pull requests": ("deploy.yml", lambda d: d["on"].__setitem__("pull_request", None),
                                "in a workflow triggered by ['pull_request']"),
    "deploy from any branch": ("deploy.yml", lambda d: d["on"].__setitem__("push", {"branches": ["**"]}),
                               "push must be limited to branches: [main]"),
    "deploy on tags": ("deploy.yml", lambda d: d["on"]["push"].__setitem__("tags", ["v*"]),
                       "push must be limited to branches: [main]"),
    "dispatch from another branch": ("deploy.yml", _set("deploy-prod", "if", "needs.verify.outputs.prod != '[]'"),
                                     "must include github.ref == 'refs/heads/main'"),
    "prod without its environment": ("deploy.yml", lambda d: _job(d, "deploy-prod").pop("environment"),
                                     "outside the stack's environment"),
    "prod in a shared environment": ("deploy.yml", _set("deploy-prod", "environment", "production"),
                                     "outside the stack's environment"),
    "dev falls back to another role": ("deploy.yml", _setup_with("deploy-dev", "aws-role-arn",
                                                                 "${{ vars.AWS_ROLE_ARN || vars.AWS_PREVIEW_ROLE_ARN }}"),
                                       "falls back to another role"),
    "secret in the PR plan job": ("plan-diff.yml", lambda d: _job(d, "plan-diff").__setitem__(
        "env", {"PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}"}), "in a workflow triggered by ['pull_request']"),
    "OIDC token in CI": ("ci.yml", lambda d: _job(d, "checks")["permissions"].__setitem__("id-token", "write"),
                         "holds credentials"),
    "write token next to PR code": ("plan-diff.yml", lambda d: _job(d, "plan-diff")["permissions"].__setitem__(
        "pull-requests", "write"), "write scopes ['pull-requests'] are not granted"),
    "PR code in the commenting job": ("plan-diff.yml", _add_step("comment", {"run": "uv run appstack plan dev"}),
                                      "must run no code of the PR"),
    "checkout in the commenting job": ("plan-diff.yml", lambda d: _job(d, "comment")["steps"].insert(
        0, {"uses": "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"}), "must run no code of the PR"),
    "environment on a PR job": ("plan-diff.yml", _set("plan-diff", "environment", "dev"),
                                "must not use an environment"),
    "write-all token": ("ci.yml", lambda d: d.__setitem__("permissions", "write-all"), "top-level permissions"),
    "contents write": ("drift.yml", lambda d: _job(d, "drift")["permissions"].__setitem__("contents", "write"),
                       "write scopes ['contents'] are not granted"),
    "implicit job permissions": ("ci.yml", lambda d: _job(d, "policy").pop("permissions"),
                                 "needs an explicit permission map"),
    "cache in a deploy job": ("deploy.yml", lambda d: _job(d, "deploy-prod")["steps"].insert(1, {
        "uses": "actions/cache@0400d5f644dc74513175e3cd8d07132dd4860809", "with": {"path": "~/.cache", "key": "k"}}),
        "no actions/cache"),
    "setup-uv cache in a deploy job": ("deploy.yml", _add_step("deploy-dev", {
        "uses": "astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc", "with": {"version": "0.13.9"}}),
        "enable-cache: false"),
    "latest uv in a deploy job": ("deploy.yml", _add_step("deploy-dev", {
        "uses": "astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc", "with": {"enable-cache": False}}),
        "exact uv version"),
    "artifact into a deploy job": ("drift.yml", _add_step("drift", {
        "uses": "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093"}), "no actions/download-artifact"),
    "deploy checks out a PR head": ("deploy.yml", _checkout_with("deploy-prod", "ref", "${{ github.event.inputs.sha }}"),
                                    "checkout only the triggering commit"),
    "checkout keeps its token": ("deploy.yml", _checkout_with("deploy-dev", "persist-credentials", True),
                                 "persist-credentials: false"),
    "passphrase for prod": ("deploy.yml", lambda d: _job(d, "deploy-prod")["env"].__setitem__(
        "PULUMI_CONFIG_PASSPHRASE", "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"), "PULUMI_CONFIG_PASSPHRASE only as"),
    "reusable workflow with inherited secrets": ("deploy.yml", lambda d: d["jobs"].__setitem__(
        "up", {"uses": "octo/deploy/.github/workflows/up.yml@main", "secrets": "inherit"}), "reusable workflow calls"),
    "untrusted text in a script": ("plan-diff.yml", _add_step("plan-diff", {
        "run": "echo ${{ github.event.pull_request.title }}"}), "interpolated into a run script"),
}


@pytest.mark.parametrize("case", sorted(REOPENINGS))
def test_an_edit_that_reopens_a_path_is_refused(case):
    name, mutate, phrase = REOPENINGS[case]
    doc = copy.deepcopy(_by_name(name))
    assert check_workflow(name, doc) == []
    mutate(doc)
    problems = check_workflow(name, doc)
    assert any(phrase in p for p in problems), problems


def test_a_composite_action_that_restores_a_cache_is_refused(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(ROOT / ".github", root / ".github")
    action = root / ".github" / "actions" / "stack-setup" / "action.yml"
    action.write_text(action.read_text().replace("enable-cache: false", "enable-cache: true"))
    problems = check_repository(root)
    assert {p.split(":")[0] + ":" + p.split(":")[1] for p in problems} == {
        "deploy.yml:deploy-dev", "deploy.yml:deploy-prod", "deploy.yml:deploy-split-env",
        "deploy.yml:deploy-split-apps", "deploy.yml:deploy-k8s-split-env", "deploy.yml:deploy-k8s-split-apps",
        "drift.yml:drift"}
    assert all("enable-cache: false" in p for p in problems)


def test_pr_workflow_runs_the_readme_commands():
    doc = _by_name("ci.yml")
    assert "pull_request" in doc["on"]
    runs = [s.get("run", "") for _, _, s in _steps(doc)]
    assert "bash .ci/run" in runs
    policy = [r for r in runs if "--policy" in r]
    assert policy and "appstack plan" in policy[0]
    assert tuple(doc["jobs"]["policy"]["strategy"]["matrix"]["stack"]) == STACKS
    script = (ROOT / ".ci" / "run").read_text()
    commands = ("uv run --frozen ruff check .", "uv run --frozen pytest")
    for cmd in commands:
        assert cmd in script, f".ci/run must run `{cmd}`"
    assert script.index(commands[0]) < script.index(commands[1]), "lint runs before tests"


def test_pr_plan_diff_comment():
    doc = _by_name("plan-diff.yml")
    assert set(doc["on"]) == {"pull_request"}
    runs = "\n".join(s.get("run", "") for _, _, s in _steps(doc))
    assert "appstack plan diff --stack" in runs and "--format markdown" in runs
    assert "--base-ref \"$BASE_REF\"" in runs
    assert "python .github/scripts/stacks.py" in runs  # the stacks come from the stack files
    job = doc["jobs"]["plan-diff"]
    assert job["steps"][0]["with"]["fetch-depth"] == 0
    assert any(s.get("env", {}).get("BASE_REF") == "origin/${{ github.base_ref }}" for s in job["steps"])
    assert job["outputs"]["report"] == "${{ steps.diff.outputs.report }}"
    comment = doc["jobs"]["comment"]
    assert comment["needs"] == "plan-diff" and comment["permissions"] == {"pull-requests": "write"}
    [step] = comment["steps"]
    assert step["env"] == {"REPORT": "${{ needs.plan-diff.outputs.report }}"}
    script = step["with"]["script"]
    assert "updateComment" in script and "appstack-plan-diff" in script and "process.env.REPORT" in script
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]


def test_drift_check_opens_an_issue():
    doc = _by_name("drift.yml")
    assert doc["on"]["schedule"] and "workflow_dispatch" in doc["on"]
    job = doc["jobs"]["drift"]
    assert job["permissions"]["issues"] == "write"
    assert job["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.stacks.outputs.all) }}"
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "--expect-no-changes" in runs and "--refresh" in runs
    scripts = [s["with"]["script"] for s in job["steps"]
               if s.get("uses", "").startswith("actions/github-script@")]
    assert scripts and "issues.create" in scripts[0] and "issues.update" in scripts[0]
