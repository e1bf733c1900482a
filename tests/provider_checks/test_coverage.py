"""Every AWS resource type a component can register is known to the provider checks (a new type fails here)."""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from pathlib import Path

import pulumi_aws

from appstack.provider_checks.aws_rules import NO_INPUT_CONSTRAINTS, RULES

COMPONENTS = Path(__file__).resolve().parents[2] / "components"


@cache
def registered_aws_types() -> set[str]:
    """Type tokens of every pulumi_aws resource class the components construct (aws.<module>.<Class>(...))."""
    tokens = set()
    for path in COMPONENTS.rglob("*.py"):
        for module, cls in re.findall(r"\baws\.([a-z0-9]+)\.([A-Z][A-Za-z0-9]+)\(", path.read_text()):
            resource = getattr(importlib.import_module(f"pulumi_aws.{module}"), cls)
            source = inspect.getsource(resource._internal_init)
            tokens.update(re.findall(r"super\(\w+, __self__\).__init__\(\s*'([^']+)'", source))
    return tokens


def test_every_registered_aws_type_is_known():
    tokens = registered_aws_types()
    assert len(tokens) >= 60, sorted(tokens)
    unknown = sorted(t for t in tokens if t not in RULES and t not in NO_INPUT_CONSTRAINTS)
    assert unknown == [], "add these to appstack/provider_checks/aws_rules.py RULES (or NO_INPUT_CONSTRAINTS)"


def test_the_tables_hold_no_type_that_is_not_registered():
    stale = sorted((set(RULES) | set(NO_INPUT_CONSTRAINTS)) - registered_aws_types())
    assert stale == []


def test_the_scan_reads_pulumi_aws_tokens():
    assert pulumi_aws.lb.TargetGroup.__name__ == "TargetGroup"
    assert "aws:lb/targetGroup:TargetGroup" in registered_aws_types()


def test_the_extracted_botocore_table_matches_the_installed_botocore():
    """appstack/provider_checks/botocore_shapes.json holds exactly what botocore states for each member used."""
    import json
    from importlib import resources

    from appstack.provider_checks import botocore_shapes

    shipped = json.loads((resources.files("appstack.provider_checks") / botocore_shapes.TABLE).read_text())
    assert botocore_shapes.write_table()["shapes"] == shipped["shapes"], (
        "regenerate: uv run python -m appstack.provider_checks.botocore_shapes"
    )
