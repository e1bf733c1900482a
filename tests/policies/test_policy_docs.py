"""docs/policies.md is generated from the rule objects and must stay in sync."""

from pathlib import Path

from appstack_policies import ALL_RULES
from appstack_policies.docs import render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "policies.md"


def test_docs_are_in_sync_with_rules():
    assert DOC.read_text() == render_markdown(), (
        "docs/policies.md is stale: run `cd policies && uv run python -m appstack_policies.docs "
        "--write ../docs/policies.md`"
    )


def test_docs_cover_every_rule():
    text = DOC.read_text()
    for rule in ALL_RULES:
        assert f"### {rule.id}" in text
