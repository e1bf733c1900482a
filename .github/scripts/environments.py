"""Refuse to deploy into a GitHub environment that is not protected as docs/delivery.md says.

    GH_TOKEN=... python .github/scripts/environments.py --repo OWNER/REPO [--layout prod=split ...]

For every stack of the live layout (.github/scripts/stacks.py: the root stacks, a live split's stacks in
place of the root stack it replaces; `--layout` as stacks.py takes it) the environment named like the
stack must exist and deploy from `main` only (a custom branch policy naming exactly `main`); a prod-tier
environment must also require a reviewer, forbid self-review and give admins no bypass. GitHub creates a
missing environment on first use with no protection at all, so the deploy checks before it starts.
Reads the REST API with `gh api` (the job's read-only token, `actions: read`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stacks import ROOT, add_layout_argument, layout  # noqa: E402

DEFAULT_BRANCH = "main"


def environment_problems(entry: dict, environment: dict | None, branch_policies: list[dict]) -> list[str]:
    """What is wrong with the environment of one stack (empty: it may be deployed to)."""
    name = entry["stack"]
    if environment is None:
        return [f"environment {name}: missing; create it (Settings > Environments) before the first deploy"]
    problems = []
    policy = environment.get("deployment_branch_policy") or {}
    names = sorted((p.get("name"), p.get("type", "branch")) for p in branch_policies)
    if not policy.get("custom_branch_policies") or policy.get("protected_branches") \
            or names != [(DEFAULT_BRANCH, "branch")]:
        problems.append(f"environment {name}: deployment branches must be exactly `{DEFAULT_BRANCH}` "
                        f"(selected branches), got {policy or 'all branches'} {names}")
    if entry["tier"] == "prod":
        reviewers = [rule for rule in environment.get("protection_rules") or []
                     if rule.get("type") == "required_reviewers" and rule.get("reviewers")]
        if not reviewers:
            problems.append(f"environment {name}: a prod-tier stack needs required reviewers")
        elif not all(rule.get("prevent_self_review") for rule in reviewers):
            problems.append(f"environment {name}: turn on 'Prevent self-review'")
        if environment.get("can_admins_bypass", True):
            problems.append(f"environment {name}: turn off 'Allow administrators to bypass'")
    return problems


def _api(path: str) -> dict | None:
    result = subprocess.run(["gh", "api", path], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        if "404" in result.stderr or "Not Found" in result.stdout + result.stderr:
            return None
        raise RuntimeError(f"gh api {path}: {result.stderr.strip()}")
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="OWNER/REPO")
    parser.add_argument("--root", type=Path, default=ROOT)
    add_layout_argument(parser)
    args = parser.parse_args(argv)
    problems = []
    for entry in layout(args.root, dict(args.layout))["all"]:
        base = f"repos/{args.repo}/environments/{entry['stack']}"
        environment = _api(base)
        custom = ((environment or {}).get("deployment_branch_policy") or {}).get("custom_branch_policies")
        policies = (_api(f"{base}/deployment-branch-policies") or {}).get("branch_policies", []) if custom else []
        problems += environment_problems(entry, environment, policies)
    for problem in problems:
        print(f"::error::{problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
