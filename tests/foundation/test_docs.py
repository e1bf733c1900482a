"""Docs that are generated from code stay in sync, and CI runs the README's test command."""

from __future__ import annotations

from pathlib import Path

from appstack.spec_docs import render

ROOT = Path(__file__).resolve().parents[2]


def test_spec_reference_is_generated_from_the_models():
    assert (ROOT / "docs" / "spec.md").read_text() == render(), "run: uv run python -m appstack.spec_docs > docs/spec.md"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```bash\n")[1:3]]
    plan_command, test_command = blocks
    assert plan_command.endswith("uv run --frozen appstack plan dev")
    assert test_command.endswith("uv run --frozen pytest")
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert test_command in ci_lines
