"""The prod split (environments/prod-split) in the workflows: deploy order, one job per app, same guards.

The matrix of app stacks is written out in deploy.yml so a reviewer sees which stacks deploy; these tests
derive the expected stacks from the stack files, so an app stack file without a matrix entry (or an entry
without a file) fails here.
"""

from __future__ import annotations

import copy

from .workflow_rules import MAIN_GUARD, ROOT, STACK_ENVIRONMENT, check_workflow, environment_of, load, secrets_of

SPLIT = ROOT / "environments" / "prod-split"
WORKFLOWS = ROOT / ".github" / "workflows"
ENV_STACK = "prod-env"
APP_STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in SPLIT.glob("Pulumi.*.yaml")
                    if p.name != f"Pulumi.{ENV_STACK}.yaml")


def _deploy() -> dict:
    return load(WORKFLOWS / "deploy.yml")


def test_the_split_has_one_environment_stack_and_five_app_stacks():
    assert (SPLIT / f"Pulumi.{ENV_STACK}.yaml").is_file()
    assert APP_STACKS == ["prod-claude-relay", "prod-elizabeth", "prod-small-squaretable", "prod-sparkle", "prod-zmage"]


def test_the_environment_stack_deploys_before_the_app_matrix():
    jobs = _deploy()["jobs"]
    env, apps = jobs["deploy-split-env"], jobs["deploy-split-apps"]
    assert env["strategy"]["matrix"] == {"stack": [ENV_STACK]}
    assert env["needs"] == ["verify", "deploy-dev"]
    assert "deploy-split-env" in apps["needs"]
    # a failed or skipped environment deploy stops every app (they read its outputs)
    assert "needs.deploy-split-env.result == 'success'" in apps["if"] and "!cancelled()" in apps["if"]
    assert "needs.verify.outputs.split == 'true'" in env["if"]
    assert jobs["verify"]["outputs"]["split"] == "${{ vars.APPSTACK_PROD_LAYOUT == 'split' }}"


def test_the_app_matrix_lists_exactly_the_app_stack_files():
    apps = _deploy()["jobs"]["deploy-split-apps"]
    assert apps["strategy"]["matrix"] == {"stack": APP_STACKS}
    assert apps["strategy"]["fail-fast"] is False  # one app's failed migration never cancels another's


def test_each_split_stack_has_a_policy_config_the_deploy_passes():
    for stack in [ENV_STACK, *APP_STACKS]:
        assert (SPLIT / "policies" / "config" / f"{stack}.json").is_file(), stack


def test_split_jobs_keep_the_prod_guards_and_run_the_shared_release_flow():
    jobs = _deploy()["jobs"]
    assert jobs["deploy-split-env"]["steps"] == jobs["deploy-split-apps"]["steps"]  # one step list (YAML anchor)
    for job_id in ("deploy-split-env", "deploy-split-apps"):
        job = jobs[job_id]
        assert MAIN_GUARD in job["if"]
        assert environment_of(job) == STACK_ENVIRONMENT  # the stack's own protected environment and role
        assert job["concurrency"] == {"group": "pulumi-up-${{ matrix.stack }}", "cancel-in-progress": False}
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert secrets_of(job) == {"PULUMI_ACCESS_TOKEN"}  # no kubeconfig, never the dev passphrase
        [up] = [s for s in job["steps"] if "run" in s]
        assert up["working-directory"] == "environments/prod-split"
        assert up["run"] == 'bash ../../.github/scripts/pulumi-up.sh "$STACK" aws "policies/config/$STACK.json"'
        setup = next(s for s in job["steps"] if s.get("uses") == "./.github/actions/stack-setup")
        assert setup["with"]["aws-role-arn"] == "${{ vars.AWS_ROLE_ARN }}"
        assert setup["with"]["needs-aws"] == "true" and setup["with"]["kubeconfig"] == ""


def test_verify_checks_the_split_stack_files_environments_and_policy():
    runs = "\n".join(s.get("run", "") for s in _deploy()["jobs"]["verify"]["steps"])
    assert "stacks.py --root environments/prod-split" in runs
    assert 'environments.py --repo "$GITHUB_REPOSITORY" --root environments/prod-split' in runs
    [policy] = [s for s in _deploy()["jobs"]["verify"]["steps"] if s.get("working-directory") == "environments/prod-split"]
    assert 'appstack plan "${stack%.yaml}" --policy' in policy["run"]


def test_an_edit_that_drops_a_guard_of_a_split_job_is_refused():
    doc = _deploy()
    assert check_workflow("deploy.yml", doc) == []
    for job_id in ("deploy-split-env", "deploy-split-apps"):
        unguarded = copy.deepcopy(doc)
        unguarded["jobs"][job_id]["if"] = "needs.verify.outputs.split == 'true'"
        assert any(p.startswith(f"deploy.yml:{job_id}: ") and MAIN_GUARD in p for p in check_workflow("deploy.yml", unguarded))
        shared = copy.deepcopy(doc)
        shared["jobs"][job_id]["environment"] = "production"
        assert any("outside the stack's environment" in p for p in check_workflow("deploy.yml", shared))


def test_the_pr_plan_diff_covers_the_split_without_credentials():
    doc = load(WORKFLOWS / "plan-diff.yml")
    job = doc["jobs"]["plan-diff"]
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "stacks.py --root environments/prod-split" in runs
    assert '"environments/prod-split:" + .' in runs and '".:" + .' in runs
    assert '--project-dir "$project"' in runs and "--allow-missing-base" in runs
    assert secrets_of(job) == set() and environment_of(job) is None
    assert job["permissions"] == {"contents": "read"}
