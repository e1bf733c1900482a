"""What the real providers would reject, found in an offline plan before `pulumi up` meets it.

A mock runtime accepts anything. This layer checks every planned resource the way its provider's
API would: AWS inputs against the documented API constraints (botocore's models plus a table of the
rules botocore lacks), Kubernetes objects against the official OpenAPI schemas and the API server's
name rules, and the whole plan for collisions (two resources claiming one URN, physical name or object).
`appstack plan STACK` runs it and fails on any finding; the test suite runs it over every plan.
"""

from __future__ import annotations

from ..synth import PlanResource, Synthesis
from .core import Finding

__all__ = ["Finding", "MissingCheckDependencies", "check", "check_resources", "render"]


class MissingCheckDependencies(RuntimeError):
    """botocore or kubernetes-validate is not installed (the `check` extra)."""


def check_resources(resources: list[PlanResource]) -> list[Finding]:
    try:
        from .aws import check_aws
        from .collisions import check_collisions
        from .kubernetes import check_kubernetes
    except ImportError as error:  # pragma: no cover - exercised only without the extra
        raise MissingCheckDependencies(
            f"provider checks need {error.name}: install appstack[check] (or pass --no-check)"
        ) from None
    return sorted(set(check_aws(resources) + check_kubernetes(resources) + check_collisions(resources)))


def check(synthesis: Synthesis) -> list[Finding]:
    return check_resources(synthesis.resources)


def render(findings: list[Finding], stack: str) -> str:
    count = len(findings)
    lines = [
        f"Provider checks for stack '{stack}': {count} finding{'s' if count != 1 else ''} "
        "(the cloud provider or API server would reject these):"
    ]
    lines += [f"  - {finding}" for finding in findings]
    return "\n".join(lines)
