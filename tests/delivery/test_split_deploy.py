"""The splits (environments/prod-split, environments/prod-k8s-split) in the workflows: deploy order, one job
per app, the same guards, and never both layouts of the same physical resources.

The matrices of app stacks are written out in deploy.yml so a reviewer sees which stacks deploy; these tests
derive the expected stacks from the stack files (stacks.py), so an app stack file without a matrix entry (or
an entry without a file), or a split directory without deploy jobs, fails here.
"""

from __future__ import annotations

import copy
import itertools
import re

import pytest

from .workflow_rules import (
    MAIN_GUARD,
    ROOT,
    STACK_ENVIRONMENT,
    check_workflow,
    environment_of,
    load,
    secrets_of,
    stacks_script,
)

WORKFLOWS = ROOT / ".github" / "workflows"
stacks = stacks_script()
SPLITS = stacks.splits(ROOT)  # the root stack a split replaces -> its directory
# root stack -> (environment stack job, app stacks job, the verify output saying the split is live)
SPLIT_JOBS = {
    "prod": ("deploy-split-env", "deploy-split-apps", "split"),
    "prod-k8s": ("deploy-k8s-split-env", "deploy-k8s-split-apps", "k8s_split"),
}
PLATFORM = {"prod": "aws", "prod-k8s": "kubernetes"}
EVERY = stacks.layout(ROOT)["all_layouts"]


def _split_stacks(name: str) -> list[dict]:
    directory = SPLITS[name].relative_to(ROOT).as_posix()
    return [e for e in EVERY if e["project_dir"] == directory]


def _env_stack(name: str) -> str:
    return f"{name}-env"


def _app_stacks(name: str) -> list[str]:
    return [e["stack"] for e in _split_stacks(name) if e["mode"] == "app"]


def _layout_var(name: str) -> str:
    return f"APPSTACK_{name.upper().replace('-', '_')}_LAYOUT"


def _deploy() -> dict:
    return load(WORKFLOWS / "deploy.yml")


def test_every_split_has_its_deploy_jobs_and_one_environment_and_five_app_stacks():
    assert set(SPLITS) == set(SPLIT_JOBS) == {"prod", "prod-k8s"}
    for name in SPLITS:
        entries = _split_stacks(name)
        assert [e["stack"] for e in entries if e["mode"] == "environment"] == [_env_stack(name)]
        assert _app_stacks(name) == [f"{name}-{app}" for app in
                                     ("claude-relay", "elizabeth", "small-squaretable", "sparkle", "zmage")]
        assert {(e["platform"], e["tier"]) for e in entries} == {(PLATFORM[name], "prod")}


@pytest.mark.parametrize("name", sorted(SPLIT_JOBS))
def test_the_environment_stack_deploys_before_the_app_matrix(name):
    env_job, apps_job, flag = SPLIT_JOBS[name]
    jobs = _deploy()["jobs"]
    env, apps = jobs[env_job], jobs[apps_job]
    assert env["strategy"]["matrix"] == {"stack": [_env_stack(name)]}
    assert env["needs"] == ["verify", "deploy-dev"]
    assert apps["needs"] == ["verify", env_job]
    # a failed or skipped environment deploy stops every app (they read its outputs)
    assert f"needs.{env_job}.result == 'success'" in apps["if"] and "!cancelled()" in apps["if"]
    assert f"needs.verify.outputs.{flag} == 'true'" in env["if"]


@pytest.mark.parametrize("name", sorted(SPLIT_JOBS))
def test_the_app_matrix_lists_exactly_the_app_stack_files(name):
    apps = _deploy()["jobs"][SPLIT_JOBS[name][1]]
    assert apps["strategy"]["matrix"] == {"stack": _app_stacks(name)}
    assert apps["strategy"]["fail-fast"] is False  # one app's failed migration never cancels another's


def test_each_split_stack_has_a_policy_config_the_deploy_passes():
    for name, directory in SPLITS.items():
        for entry in _split_stacks(name):
            assert entry["policy_config"] == f"policies/config/{entry['stack']}.json"
            assert (directory / entry["policy_config"]).is_file()


@pytest.mark.parametrize("name", sorted(SPLIT_JOBS))
def test_split_jobs_keep_the_prod_guards_and_run_the_shared_release_flow(name):
    jobs = _deploy()["jobs"]
    env_job, apps_job, _ = SPLIT_JOBS[name]
    platform = PLATFORM[name]
    assert jobs[env_job]["steps"] == jobs[apps_job]["steps"]  # one step list (YAML anchor)
    for job_id in (env_job, apps_job):
        job = jobs[job_id]
        assert MAIN_GUARD in job["if"]
        assert environment_of(job) == STACK_ENVIRONMENT  # the stack's own protected environment and role
        assert job["concurrency"] == {"group": "pulumi-up-${{ matrix.stack }}", "cancel-in-progress": False}
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        # never the dev passphrase; the kubeconfig only for the Kubernetes split
        kubeconfig = {"KUBECONFIG"} if platform == "kubernetes" else set()
        assert secrets_of(job) == {"PULUMI_ACCESS_TOKEN"} | kubeconfig
        [up] = [s for s in job["steps"] if "run" in s]
        assert up["working-directory"] == SPLITS[name].relative_to(ROOT).as_posix()
        assert up["run"] == f'bash ../../.github/scripts/pulumi-up.sh "$STACK" {platform} "policies/config/$STACK.json"'
        setup = next(s for s in job["steps"] if s.get("uses") == "./.github/actions/stack-setup")
        assert setup["with"]["aws-role-arn"] == "${{ vars.AWS_ROLE_ARN }}"
        assert setup["with"]["platform"] == platform and setup["with"]["needs-aws"] == "true"  # the KMS key
        assert setup["with"]["kubeconfig"] == ("${{ secrets.KUBECONFIG }}" if kubeconfig else "")


def _passes_layouts(job: dict, script: str) -> bool:
    """The job gives each split's layout variable to the script (stacks.py, environments.py) as --layout."""
    runs = "\n".join(s.get("run", "") for s in job["steps"] if script in s.get("run", ""))
    return bool(runs) and all(
        job["env"][_layout_var(name)] == f"${{{{ vars.{_layout_var(name)} }}}}"
        and f'--layout "{name}=${_layout_var(name)}"' in runs for name in SPLITS)


@pytest.mark.parametrize(("workflow", "job_id"), [("deploy.yml", "verify"), ("drift.yml", "stacks")])
def test_the_live_layout_comes_from_one_repository_variable_per_split(workflow, job_id):
    job = load(WORKFLOWS / workflow)["jobs"][job_id]
    assert _passes_layouts(job, "stacks.py") and _passes_layouts(job, "environments.py")
    forgotten = copy.deepcopy(job)
    for step in forgotten["steps"]:
        if "stacks.py" in step.get("run", ""):
            step["run"] = step["run"].replace(' --layout "prod-k8s=$APPSTACK_PROD_K8S_LAYOUT"', "")
    assert not _passes_layouts(forgotten, "stacks.py")


def test_verify_policy_checks_every_stack_of_every_project():
    [policy] = [s for s in _deploy()["jobs"]["verify"]["steps"] if "--policy" in s.get("run", "")]
    assert policy["env"] == {"STACKS": "${{ steps.stacks.outputs.all_layouts }}"}
    assert '(cd "$project" && uv run --frozen appstack plan "$stack" --policy < /dev/null)' in policy["run"]
    assert {e["project_dir"] for e in EVERY} == {".", *(d.relative_to(ROOT).as_posix() for d in SPLITS.values())}


# --- one layout at a time ------------------------------------------------------------------------

OUTPUT = re.compile(r"^\$\{\{ fromJSON\(steps\.stacks\.outputs\.layouts\)(?:\.([a-z0-9_]+)|\['([a-z0-9-]+)'\]) "
                    r"== 'split' \}\}$")


def _verify_output(doc: dict, flag: str, layouts: dict[str, str]) -> bool:
    """The verify job's output `flag` for the layouts stacks.py emitted (only the form deploy.yml uses)."""
    match = OUTPUT.match(doc["jobs"]["verify"]["outputs"][flag])
    assert match, f"verify output {flag}: {doc['jobs']['verify']['outputs'][flag]} is not a layout test"
    return layouts[match.group(1) or match.group(2)] == "split"


def deployed(doc: dict, result: dict) -> dict[str, list[str]]:
    """job -> the stacks it deploys, for one output of stacks.py (only the conditions deploy.yml uses)."""
    jobs = doc["jobs"]
    assert jobs["verify"]["outputs"]["prod"] == "${{ steps.stacks.outputs.prod }}"
    assert jobs["deploy-prod"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.verify.outputs.prod) }}"
    runs = {"deploy-prod": [e["stack"] for e in result["prod"]]}
    for env_job, apps_job, flag in SPLIT_JOBS.values():
        gated = f"needs.verify.outputs.{flag} == 'true'" in jobs[env_job]["if"]
        if gated and not _verify_output(doc, flag, result["layouts"]):
            continue
        runs[env_job] = jobs[env_job]["strategy"]["matrix"]["stack"]
        if f"needs.{env_job}.result == 'success'" in jobs[apps_job]["if"]:
            runs[apps_job] = jobs[apps_job]["strategy"]["matrix"]["stack"]
    return runs


def double_deploys(doc: dict, layouts: dict[str, str]) -> list[str]:
    """Each root stack deployed together with (or instead of nothing but) its split, for these layouts."""
    result = stacks.layout(ROOT, layouts)
    runs = deployed(doc, result)
    stacks_deployed = {s for matrix in runs.values() for s in matrix}
    problems = []
    for name in SPLITS:
        split = {e["stack"] for e in _split_stacks(name)}
        if name in stacks_deployed and split & stacks_deployed:
            problems.append(f"{layouts}: {name} and its split {sorted(split & stacks_deployed)} both deploy")
        if name not in stacks_deployed and split - stacks_deployed:
            problems.append(f"{layouts}: {name} is left out, its split's {sorted(split - stacks_deployed)} too")
    # drift checks exactly what deploys
    if {e["stack"] for e in result["all"]} - {e["stack"] for e in result["dev"]} != stacks_deployed:
        problems.append(f"{layouts}: drift checks {sorted(e['stack'] for e in result['all'])}, deploy {sorted(stacks_deployed)}")
    return problems


LAYOUT_CHOICES = [dict(zip(sorted(SPLIT_JOBS), values, strict=True))
                  for values in itertools.product(("", "single", "split"), repeat=len(SPLIT_JOBS))]


@pytest.mark.parametrize("layouts", LAYOUT_CHOICES, ids=lambda d: ",".join(f"{k}={v or 'unset'}" for k, v in d.items()))
def test_a_root_stack_and_its_split_never_both_deploy(layouts):
    assert double_deploys(_deploy(), layouts) == []


@pytest.mark.parametrize("env_job", [jobs[0] for jobs in SPLIT_JOBS.values()])
def test_a_split_job_that_ignores_the_layout_is_caught(env_job):
    doc = _deploy()
    doc["jobs"][env_job]["if"] = doc["jobs"][env_job]["if"].replace(" && needs.verify.outputs.", " || needs.verify.outputs.")
    doc["jobs"][env_job]["if"] = re.sub(r" \|\| needs\.verify\.outputs\.\w+ == 'true'", "", doc["jobs"][env_job]["if"])
    assert check_workflow("deploy.yml", doc) == []  # every other delivery rule still holds
    assert any("both deploy" in p for layouts in LAYOUT_CHOICES for p in double_deploys(doc, layouts))


def test_a_layout_output_or_prod_matrix_of_another_form_is_not_taken_on_trust():
    # the check above evaluates only the forms deploy.yml uses; any other form fails it instead of passing
    doc = _deploy()
    doc["jobs"]["verify"]["outputs"]["split"] = "${{ vars.APPSTACK_PROD_LAYOUT == 'split' }}"
    with pytest.raises(AssertionError, match="is not a layout test"):
        double_deploys(doc, {"prod": "split"})
    doc = _deploy()
    doc["jobs"]["verify"]["outputs"]["prod"] = "${{ steps.stacks.outputs.all_layouts }}"
    with pytest.raises(AssertionError):
        double_deploys(doc, {"prod": "split"})


@pytest.mark.parametrize("value", ["Split", "both", "yes", "split "])
def test_a_layout_that_is_neither_single_nor_split_stops_the_deploy(value):
    # a typo must not fall back to the single stack over a live split's resources
    with pytest.raises(stacks.StackFileError, match=r"the layout is one of single, split"):
        stacks.layout(ROOT, {"prod": value})
    with pytest.raises(stacks.StackFileError, match=r"no split replaces stack dev"):
        stacks.layout(ROOT, {"dev": "split"})


def test_an_edit_that_drops_a_guard_of_a_split_job_is_refused():
    doc = _deploy()
    assert check_workflow("deploy.yml", doc) == []
    for job_id in [job for jobs in SPLIT_JOBS.values() for job in jobs[:2]]:
        unguarded = copy.deepcopy(doc)
        unguarded["jobs"][job_id]["if"] = "needs.verify.outputs.split == 'true'"
        assert any(p.startswith(f"deploy.yml:{job_id}: ") and MAIN_GUARD in p for p in check_workflow("deploy.yml", unguarded))
        shared = copy.deepcopy(doc)
        shared["jobs"][job_id]["environment"] = "production"
        assert any("outside the stack's environment" in p for p in check_workflow("deploy.yml", shared))


# --- drift and the plan diff ---------------------------------------------------------------------

def test_drift_checks_each_stack_of_the_live_layout_in_its_project_directory():
    job = load(WORKFLOWS / "drift.yml")["jobs"]["drift"]
    assert job["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.stacks.outputs.all) }}"
    [preview] = [s for s in job["steps"] if "pulumi preview" in s.get("run", "")]
    assert preview["working-directory"] == "${{ matrix.project_dir }}"
    setup = next(s for s in job["steps"] if s.get("uses") == "./.github/actions/stack-setup")
    assert setup["with"]["platform"] == "${{ matrix.platform }}" and setup["with"]["needs-aws"] == "${{ matrix.aws }}"
    live = stacks.layout(ROOT, {"prod": "split", "prod-k8s": "split"})["all"]
    assert {e["stack"] for e in live} == {"dev", *(e["stack"] for e in EVERY if e["mode"] != "single")}
    for entry in live:
        assert (ROOT / entry["project_dir"] / f"Pulumi.{entry['stack']}.yaml").is_file()
        assert entry["aws"] is True or entry["stack"] == "dev"  # every prod stack's key is on AWS KMS


def test_the_pr_plan_diff_covers_every_project_without_credentials():
    doc = load(WORKFLOWS / "plan-diff.yml")
    job = doc["jobs"]["plan-diff"]
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert 'stacks.py > "$RUNNER_TEMP/stacks.json"' in runs
    assert """jq -r '.all_layouts[] | .project_dir + ":" + .stack'""" in runs
    assert '--project-dir "$project"' in runs and "--allow-missing-base" in runs
    assert secrets_of(job) == set() and environment_of(job) is None
    assert job["permissions"] == {"contents": "read"}
