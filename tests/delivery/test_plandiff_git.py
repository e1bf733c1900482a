"""`appstack plan diff --stack S --base-ref R`: plans at two git refs via worktrees, fake planner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from appstack.plandiff import main_diff

from .plans import aws_plan

FAKE_PLANNER = '''
import json, pathlib, sys
stack, flag, out = sys.argv[1], sys.argv[2], sys.argv[3]
assert flag == "--json", sys.argv
spec = pathlib.Path("spec.json")
if not spec.exists():
    sys.exit("no spec here")
plan = json.loads(spec.read_text())
plan["stack"] = stack
pathlib.Path(out).write_text(json.dumps(plan))
'''


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("no spec yet\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "empty")
    _git(repo, "tag", "empty")
    (repo / "spec.json").write_text(json.dumps(aws_plan()))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "tag", "base")
    (repo / "spec.json").write_text(json.dumps(aws_plan(with_bucket=False, image_tag="2.0.0")))
    _git(repo, "commit", "-q", "-am", "head")
    return repo


@pytest.fixture()
def planner(tmp_path: Path) -> str:
    script = tmp_path / "fake_planner.py"
    script.write_text(FAKE_PLANNER)
    return f"{sys.executable} {script}"


def test_git_ref_mode_plans_both_refs_and_cleans_up(repo, planner, tmp_path):
    out = tmp_path / "diff.json"
    code = main_diff(["--stack", "prod", "--base-ref", "base", "--repo", str(repo), "--planner", planner,
                      "--format", "json", "--output", str(out), "--fail-on-stateful-replacement"])
    assert code == 3
    data = json.loads(out.read_text())
    assert data["summary"]["delete"] == 1 and data["summary"]["replace"] == 1
    assert data["refs"]["base"].startswith("base@") and data["refs"]["head"].startswith("HEAD@")
    assert _git(repo, "worktree", "list").count("\n") == 0  # only the main worktree is left
    assert _git(repo, "status", "--porcelain") == ""


def test_git_ref_mode_uses_planner_from_environment(repo, planner, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("APPSTACK_PLANNER", planner)
    monkeypatch.chdir(repo)
    assert main_diff(["plan", "diff", "--stack", "prod", "--base-ref", "base", "--head-ref", "base",
                      "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "No changes." in md and "`base@" in md


def test_git_ref_mode_missing_base(repo, planner, capsys):
    args = ["--stack", "prod", "--base-ref", "empty", "--repo", str(repo), "--planner", planner,
            "--format", "text"]
    assert main_diff(args) == 1
    assert "planning prod at empty" in capsys.readouterr().err
    assert main_diff([*args, "--allow-missing-base"]) == 0
    out = capsys.readouterr().out
    assert "create: 2" in out and "treated as empty" in out
    assert _git(repo, "worktree", "list").count("\n") == 0


def test_git_ref_mode_bad_ref_and_usage(repo, planner):
    args = ["--stack", "prod", "--base-ref", "nope", "--repo", str(repo), "--planner", planner]
    assert main_diff(args) == 1
    assert main_diff(["--stack", "prod", "--repo", str(repo)]) == 2
