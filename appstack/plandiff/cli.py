"""``appstack plan diff``: compare two plan files, or plan a stack at two git refs."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path as FsPath
from typing import Any

from .engine import PLAN_FORMAT, PlanFormatError, diff_plans
from .render import RENDERERS

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_STATEFUL = 0, 1, 2, 3
PLANNER_ENV = "APPSTACK_PLANNER"


class DiffError(RuntimeError):
    pass


def default_planner() -> list[str]:
    """Command prefix run inside each worktree as ``<prefix> STACK --json FILE``.

    ``$APPSTACK_PLANNER`` (a shell-quoted command line) overrides it, e.g. for tests.
    """
    override = os.environ.get(PLANNER_ENV, "").strip()
    return shlex.split(override) if override else [sys.executable, "-m", "appstack.cli", "plan"]


def _git(repo: FsPath, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise DiffError(f"git {' '.join(args)} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip()


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise DiffError(f"cannot read plan {path}: {exc}") from exc


def plan_at_ref(repo: FsPath, ref: str, stack: str, workdir: FsPath, planner: list[str],
                timeout: float = 900, label: str = "ref", subdir: str = "") -> dict[str, Any]:
    """Check ``ref`` out into a temporary worktree, run the planner there and return its plan.

    ``subdir`` is the project's directory inside the repository (the planner finds Pulumi.yaml there).
    """
    sha = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    tree = workdir / f"{label}-{sha[:12]}"
    out_file = workdir / f"plan-{tree.name}.json"
    _git(repo, "worktree", "add", "--detach", "--force", str(tree), sha)
    try:
        cmd = [*planner, stack, "--json", str(out_file)]
        try:
            proc = subprocess.run(cmd, cwd=tree / subdir, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DiffError(f"planning {stack} at {ref} failed: {exc}") from exc
        if proc.returncode != 0 or not out_file.exists():
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-20:])
            raise DiffError(f"planning {stack} at {ref} ({sha[:12]}) failed with exit code "
                            f"{proc.returncode}:\n{tail}")
        return _load(str(out_file))
    finally:
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)],
                       capture_output=True, check=False)
        subprocess.run(["git", "-C", str(repo), "worktree", "prune"], capture_output=True, check=False)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="appstack plan diff",
        description="Compare two appstack plans and flag replacements/deletions of stateful resources.")
    p.add_argument("plans", nargs="*", metavar="PLAN.json", help="BASE.json HEAD.json")
    p.add_argument("--stack", help="plan this stack at --base-ref and --head-ref instead of reading files")
    p.add_argument("--base-ref", help="git ref of the base (e.g. origin/main)")
    p.add_argument("--head-ref", default="HEAD", help="git ref of the head (default: HEAD)")
    p.add_argument("--repo", default=".", help="git repository (default: current directory)")
    p.add_argument("--project-dir", help="the project inside the repository (default: the directory of the "
                                         "nearest Pulumi.yaml at or above the current directory)")
    p.add_argument("--planner", help=f"planner command prefix (default: ${PLANNER_ENV} or "
                                     "'<python> -m appstack.cli plan')")
    p.add_argument("--allow-missing-base", action="store_true",
                   help="treat a base that cannot be planned as an empty plan (first introduction)")
    p.add_argument("--format", choices=sorted(RENDERERS), default="markdown")
    p.add_argument("--output", "-o", help="write the report here instead of stdout")
    p.add_argument("--allow-different-stacks", action="store_true",
                   help="compare plans of two different stacks (refused by default: every resource would differ)")
    p.add_argument("--fail-on-stateful-replacement", action="store_true",
                   help="exit 3 when a stateful resource would be replaced or deleted, or a data store's "
                        "major version changes without upgrade_from")
    return p


def main_diff(argv: list[str] | None = None) -> int:
    """Entry point for ``appstack plan diff``; ``argv`` excludes ``plan diff`` itself."""
    argv = list(sys.argv[1:] if argv is None else argv)
    while argv[:1] in (["plan"], ["diff"]):
        argv = argv[1:]
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 0 for --help, 2 for usage errors
        return int(exc.code or 0)
    labels: tuple[str | None, str | None] = (None, None)
    try:
        if args.stack:
            if args.plans or not args.base_ref:
                parser.print_usage(sys.stderr)
                print("error: --stack needs --base-ref and no plan files", file=sys.stderr)
                return EXIT_USAGE
            base, head, labels, base_missing = _plans_from_git(args)
        else:
            if len(args.plans) != 2 or args.base_ref:
                parser.print_usage(sys.stderr)
                print("error: give BASE.json HEAD.json, or --stack STACK --base-ref REF", file=sys.stderr)
                return EXIT_USAGE
            base, head = _load(args.plans[0]), _load(args.plans[1])
            base_missing = False
            stacks = (base.get("stack"), head.get("stack"))
            if stacks[0] != stacks[1] and not args.allow_different_stacks:
                print(f"appstack plan diff: the plans are of different stacks ({stacks[0]} and {stacks[1]}); "
                      "pass --allow-different-stacks to compare them anyway", file=sys.stderr)
                return EXIT_USAGE
        diff = diff_plans(base, head)
        if base_missing:
            diff.warnings.insert(0, f"the base ({labels[0]}) could not be planned and is treated as empty: "
                                    "every resource shows as created")
    except (DiffError, PlanFormatError, FileNotFoundError) as exc:
        print(f"appstack plan diff: {exc}", file=sys.stderr)
        return EXIT_ERROR
    report = RENDERERS[args.format](diff, *labels)
    if args.output:
        FsPath(args.output).write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    if args.fail_on_stateful_replacement and (diff.stateful_hazards or diff.unstated_upgrades):
        if diff.stateful_hazards:
            print(f"appstack plan diff: {len(diff.stateful_hazards)} stateful resource(s) would be replaced "
                  "or deleted", file=sys.stderr)
        for upgrade in diff.unstated_upgrades:
            print(f"appstack plan diff: major version upgrade not stated in the spec: {upgrade.line()}",
                  file=sys.stderr)
        return EXIT_STATEFUL
    return EXIT_OK


def _plans_from_git(args: argparse.Namespace) -> tuple[dict, dict, tuple[str, str], bool]:
    repo = FsPath(_git(FsPath(args.repo), "rev-parse", "--show-toplevel"))
    subdir = _project_subdir(repo, args.project_dir)
    planner = shlex.split(args.planner) if args.planner else default_planner()
    labels = (f"{args.base_ref}@{_git(repo, 'rev-parse', '--short', args.base_ref + '^{commit}')}",
              f"{args.head_ref}@{_git(repo, 'rev-parse', '--short', args.head_ref + '^{commit}')}")
    with tempfile.TemporaryDirectory(prefix="appstack-plandiff-") as tmp:
        work = FsPath(tmp)
        missing = False
        try:
            base = plan_at_ref(repo, args.base_ref, args.stack, work, planner, label="base", subdir=subdir)
        except DiffError as exc:
            if not args.allow_missing_base:
                raise
            print(f"appstack plan diff: base treated as empty: {exc}", file=sys.stderr)
            base = {"format": PLAN_FORMAT, "stack": args.stack, "resources": [], "outputs": {}}
            missing = True
        head = plan_at_ref(repo, args.head_ref, args.stack, work, planner, label="head", subdir=subdir)
    return base, head, labels, missing


def _project_subdir(repo: FsPath, project_dir: str | None) -> str:
    """Where the project sits inside the repository, so that each worktree plans the same project.

    Without --project-dir: the nearest Pulumi.yaml at or above the working directory when that is inside
    the repository, else the repository root.
    """
    from ..project import ProjectNotFound, find_project, load_project

    top = repo.resolve()
    if project_dir:
        root = load_project(FsPath(project_dir)).root  # ProjectNotFound is a FileNotFoundError: reported
        if not root.is_relative_to(top):
            raise DiffError(f"the project {root} is not inside the repository {top}")
        return str(root.relative_to(top))
    try:
        root = find_project().root
    except ProjectNotFound:
        return ""
    return str(root.relative_to(top)) if root.is_relative_to(top) else ""
