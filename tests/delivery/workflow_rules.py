"""The delivery rules every GitHub workflow must keep, as a checker that returns readable violations.

The threat: a pull request's code (a fork's, or a branch of someone with push rights) must never run
with a secret, an OIDC token, or a write-scoped GITHUB_TOKEN, and nothing may reach production but
main's reviewed code, through the stack's protected environment. The workflows of a pull request's
own branch are out of reach of any check here (GitHub runs the PR's copy of them); what keeps those
away from credentials is set in GitHub and described in docs/delivery.md: secrets live only in
environments that deploy from main, and each AWS role trusts exactly one environment. These rules keep
the shipped workflows from opening a path themselves.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BRANCH = "main"
MAIN_GUARD = f"github.ref == 'refs/heads/{DEFAULT_BRANCH}'"
STACK_ENVIRONMENT = "${{ matrix.stack }}"
# Events that run a pull request's (or an outsider's) input with the base repository's secrets and a
# write token (pull_request_target, workflow_run, issue_comment, ...) are not in this list on purpose.
ALLOWED_TRIGGERS = {"push", "pull_request", "workflow_dispatch", "schedule"}
CREDENTIAL_TRIGGERS = {"push", "workflow_dispatch", "schedule"}
# The only write scopes a GITHUB_TOKEN gets, and where: (workflow, job) -> scopes.
WRITE_GRANTS = {
    ("plan-diff.yml", "comment"): {"pull-requests"},  # runs no PR code: posts the report as text
    ("drift.yml", "drift"): {"issues"},  # main's code in the stack's environment
}
# Actions a write-token job of a pull request workflow may use: none of them runs repository code.
PR_WRITER_ACTIONS = ("actions/github-script@",)
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")
SECRET_REF = re.compile(r"\bsecrets(?:\.([A-Za-z_][A-Za-z0-9_]*)|\s*\[)")
# The dev passphrase reaches a job only for the stacks stacks.py marks (dev tier, no cloud key).
UNGATED_PASSPHRASE = re.compile(r"(?<!matrix\.passphrase && )secrets\.PULUMI_CONFIG_PASSPHRASE")
VAR_REF = re.compile(r"\bvars\.([A-Za-z_][A-Za-z0-9_]*)")


@functools.cache
def stacks_script() -> ModuleType:
    """.github/scripts/stacks.py (the workflows' matrices and layouts), loaded once."""
    spec = importlib.util.spec_from_file_location("delivery_stacks", ROOT / ".github" / "scripts" / "stacks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(path: Path) -> dict:
    """A workflow or action file; YAML 1.1 reads the `on:` key as True, put it back."""
    doc = yaml.safe_load(path.read_text())
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def triggers(doc: dict) -> dict:
    on = doc.get("on") or {}
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on)


def _text(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10**6)


def secrets_of(job: dict) -> set[str]:
    """Secret names a job can read ('*' for a computed name); GITHUB_TOKEN is not a stored secret."""
    names = {m.group(1) or "*" for m in SECRET_REF.finditer(_text(job))}
    return names - {"GITHUB_TOKEN"}


def vars_of(job: dict) -> set[str]:
    return set(VAR_REF.findall(_text(job)))


def permissions_of(job: dict) -> dict:
    perms = job.get("permissions")
    return perms if isinstance(perms, dict) else {}


def environment_of(job: dict) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def is_credential_job(job: dict) -> bool:
    """A job that can hold a credential: a stored secret, or an OIDC token for a cloud role."""
    return bool(secrets_of(job)) or permissions_of(job).get("id-token") == "write"


def local_action(uses: str, root: Path) -> dict | None:
    if not uses.startswith("./"):
        return None
    base = root / uses.removeprefix("./")
    for name in ("action.yml", "action.yaml"):
        if (base / name).is_file():
            return load(base / name)
    return {}


def steps_of(job: dict, root: Path) -> Iterator[dict]:
    """The job's steps, with the steps of local composite actions in place (they run in the job)."""
    for step in job.get("steps", []):
        yield step
        action = local_action(step.get("uses", ""), root)
        if action:
            yield from action.get("runs", {}).get("steps", [])


def _runs_code(step: dict) -> bool:
    uses = step.get("uses", "")
    return "run" in step or uses.startswith("./") or (bool(uses) and not uses.startswith(PR_WRITER_ACTIONS))


def check_pins(path: Path) -> list[str]:
    """Every `uses:` of a workflow or action file is a full commit SHA with a `# vX.Y.Z` comment."""
    problems, lines = [], path.read_text().splitlines()
    doc = load(path)
    steps = [s for job in (doc.get("jobs") or {}).values() for s in job.get("steps", [])]
    steps += (doc.get("runs") or {}).get("steps", [])
    for step in steps:
        uses = step.get("uses")
        if not uses or uses.startswith("./"):
            continue
        if not SHA_PIN.match(uses):
            problems.append(f"{path.name}: {uses} is not pinned by a full 40-hex commit SHA")
            continue
        line = next((ln for ln in lines if f"uses: {uses}" in ln), "")
        if not VERSION_COMMENT.search(line):
            problems.append(f"{path.name}: {uses} lacks the `# vX.Y.Z` comment naming its release")
    return problems


def check_workflow(name: str, doc: dict, root: Path = ROOT) -> list[str]:
    """Every delivery-rule violation of one workflow, each naming file, job and what is allowed."""
    problems: list[str] = []
    on = triggers(doc)
    for trigger in sorted(set(on) - ALLOWED_TRIGGERS):
        problems.append(f"{name}: trigger {trigger} is not allowed (allowed: {', '.join(sorted(ALLOWED_TRIGGERS))}); "
                        "pull_request_target, workflow_run and comment triggers run untrusted input with "
                        "the base repository's secrets and a write token")
    pr_workflow = "pull_request" in on
    if doc.get("permissions") != {}:
        problems.append(f"{name}: top-level permissions must be {{}} (each job grants what it needs)")
    for job_id, job in (doc.get("jobs") or {}).items():
        where = f"{name}:{job_id}"
        if "uses" in job or "secrets" in job:
            problems.append(f"{where}: reusable workflow calls (and `secrets: inherit`) are not allowed: "
                            "their jobs escape these checks")
            continue
        perms = job.get("permissions")
        if not isinstance(perms, dict):
            problems.append(f"{where}: needs an explicit permission map (got {perms!r})")
            perms = {}
        writes = {scope for scope, level in perms.items() if level == "write" and scope != "id-token"}
        allowed = WRITE_GRANTS.get((name, job_id), set())
        if writes - allowed:
            problems.append(f"{where}: write scopes {sorted(writes - allowed)} are not granted to this job "
                            f"(write grants: {sorted((w, j) for w, j in WRITE_GRANTS)})")
        steps = list(steps_of(job, root))
        if is_credential_job(job):
            problems += _credential_job_problems(where, job, on, steps)
        if pr_workflow:
            if environment_of(job) is not None:
                problems.append(f"{where}: a pull request job must not use an environment")
            if writes and any(_runs_code(s) for s in steps):
                problems.append(f"{where}: a pull request job with a write token must run no code of the "
                                f"PR: no checkout, no run step, no action but {', '.join(PR_WRITER_ACTIONS)}")
        for step in steps:
            for expr in re.findall(r"\$\{\{(.*?)\}\}", step.get("run", "")):
                if any(r in expr for r in ("github.event.", "github.head_ref", "steps.", "inputs.", "needs.")):
                    problems.append(f"{where}: ${{{{{expr}}}}} is interpolated into a run script (pass it "
                                    "through env:)")
    return problems


def _credential_job_problems(where: str, job: dict, on: dict, steps: list[dict]) -> list[str]:
    problems = []
    bad = sorted(set(on) - CREDENTIAL_TRIGGERS)
    if bad:
        problems.append(f"{where}: holds credentials ({sorted(secrets_of(job)) or 'id-token'}) in a workflow "
                        f"triggered by {bad}: credentials only on {sorted(CREDENTIAL_TRIGGERS)}")
    push = on.get("push")
    if "push" in on and (not isinstance(push, dict) or list(push.get("branches") or []) != [DEFAULT_BRANCH]
                         or set(push) - {"branches"}):
        problems.append(f"{where}: holds credentials: push must be limited to branches: [{DEFAULT_BRANCH}]")
    if environment_of(job) != STACK_ENVIRONMENT:
        problems.append(f"{where}: holds credentials outside the stack's environment: use environment "
                        f"{STACK_ENVIRONMENT} (secrets and roles are scoped to it, main only, reviewers for prod)")
    if MAIN_GUARD not in str(job.get("if", "")):
        problems.append(f"{where}: holds credentials: its `if:` must include {MAIN_GUARD} (no dispatch from "
                        "another branch)")
    for step in steps:
        uses = step.get("uses", "")
        inputs = step.get("with") or {}
        if uses.startswith(("actions/cache", "actions/download-artifact")):
            problems.append(f"{where}: holds credentials: no {uses.split('@')[0]} (its content comes from other runs)")
        if uses.startswith("astral-sh/setup-uv@"):
            if str(inputs.get("enable-cache")).lower() != "false":
                problems.append(f"{where}: holds credentials: setup-uv needs enable-cache: false (the default "
                                "restores a cache other runs wrote)")
            if not re.fullmatch(r"\d+\.\d+\.\d+", str(inputs.get("version", ""))):
                problems.append(f"{where}: holds credentials: setup-uv needs an exact uv version (the default "
                                "installs whatever release is newest)")
        if uses.startswith("actions/checkout@"):
            if "ref" in inputs or "repository" in inputs:
                problems.append(f"{where}: holds credentials: checkout only the triggering commit (no ref:/repository:)")
            if inputs.get("persist-credentials") is not False:
                problems.append(f"{where}: checkout needs persist-credentials: false")
        for key in ("role-to-assume", "aws-role-arn"):
            if "||" in str(inputs.get(key, "")):
                problems.append(f"{where}: {key} {inputs[key]} falls back to another role: one role per stack")
    if UNGATED_PASSPHRASE.search(_text(job)):
        problems.append(f"{where}: PULUMI_CONFIG_PASSPHRASE only as `${{{{ matrix.passphrase && "
                        "secrets.PULUMI_CONFIG_PASSPHRASE || '' }}` (dev-tier stacks without a cloud key)")
    return problems


def workflow_paths(root: Path = ROOT) -> list[Path]:
    return sorted((root / ".github" / "workflows").glob("*.y*ml"))


def action_paths(root: Path = ROOT) -> list[Path]:
    return sorted((root / ".github" / "actions").glob("*/action.y*ml"))


def check_repository(root: Path = ROOT) -> list[str]:
    problems = []
    for path in workflow_paths(root):
        problems += check_workflow(path.name, load(path), root) + check_pins(path)
    for path in action_paths(root):
        problems += check_pins(path)
    return problems
