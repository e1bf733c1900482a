"""Property: a random edit of a shipped stack or blueprint is a config error or a plan with zero findings.

A few mutants run in the suite (derandomized); benchmarks/fuzz_configs.py runs thousands and
APPSTACK_FUZZ_EXAMPLES raises the count here.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from .mutations import mutant, run

EXAMPLES = int(os.environ.get("APPSTACK_FUZZ_EXAMPLES", "6"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32))
def test_mutated_shipped_configs_fail_cleanly_or_plan_without_findings(seed):
    candidate = mutant(seed)
    result = run(candidate)
    event(result.kind)
    assert result.kind in ("rejected", "planned"), (candidate.edits, result.detail)
    if result.kind == "rejected":
        assert "Traceback" not in result.detail


def test_mutants_are_reproducible_and_edit_something():
    first, again = mutant(7), mutant(7)
    assert first.edits == again.edits and first.config == again.config and first.blueprint == again.blueprint
    assert 1 <= len(first.edits) <= 3


def test_a_known_bad_edit_is_rejected_not_crashed():
    candidate = mutant(0)
    candidate.blueprint["services"] = {"web": {"image": "nope", "port": "x"}}
    result = run(candidate)
    assert result.kind == "rejected"
    assert result.detail.startswith(f"Invalid configuration for stack '{candidate.stack}'")
