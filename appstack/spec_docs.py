"""Generate docs/spec.md from the spec models, so the reference never drifts from the code."""

from __future__ import annotations

import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from . import spec
from .overrides import ResourceOverride
from .spec import kubernetes, workloads
from .spec.egress import EgressRule
from .spec.iam import IamStatement
from .spec.workloads import CapacityProvider
from .stackconfig import AwsSettings, KubernetesSettings, StackSettings

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Stack settings (`appstack:*` config keys)", StackSettings),
    ("Override (`appstack:overrides[]`)", ResourceOverride),
    ("Kubernetes settings (`appstack:kubernetes`)", KubernetesSettings),
    ("AWS settings (`appstack:aws`)", AwsSettings),
    ("App (`apps/<name>.yaml`)", spec.AppSpec),
    ("Image (`images.<name>`)", spec.ImageSpec),
    ("Build (`images.<name>.build`)", spec.BuildSpec),
    ("Service (`services.<name>`)", spec.ServiceSpec),
    ("Worker (`workers.<name>`)", spec.WorkerSpec),
    ("Job (`jobs.<name>`)", spec.JobSpec),
    ("Schedule (`schedules.<name>`)", spec.ScheduleSpec),
    ("IAM statement (`<services|workers|jobs|schedules>.<name>.iam_statements[]`, AWS only)", IamStatement),
    ("Capacity provider (`<services|workers>.<name>.capacity_providers[]`, AWS only)", CapacityProvider),
    ("Route (`services.<name>.routes[]`)", spec.RouteSpec),
    ("Health (`health`)", spec.HealthSpec),
    ("Probe (`health.liveness|readiness|startup`)", spec.ProbeSpec),
    ("Resources (`resources`)", spec.ResourcesSpec),
    ("Autoscale (`autoscale`)", spec.AutoscaleSpec),
    ("Volume (`services.<name>.volumes.<name>`)", spec.VolumeSpec),
    ("Metrics (`services.<name>.metrics`)", spec.MetricsSpec),
    ("PostgreSQL (`database`, engine: postgres)", spec.PostgresSpec),
    ("SQLite (`database`, engine: sqlite)", spec.SqliteSpec),
    ("External database (`database`, engine: external)", spec.ExternalDatabaseSpec),
    ("Backup (`database.backup`)", spec.BackupSpec),
    ("Database bootstrap (`database.bootstrap`)", spec.DatabaseBootstrapSpec),
    ("Bootstrap role (`database.bootstrap.roles[]`)", spec.data.DatabaseRoleSpec),
    ("Bootstrap schema (`database.bootstrap.schemas[]`)", spec.data.DatabaseSchemaSpec),
    ("Bootstrap grant (`database.bootstrap.grants[]`)", spec.data.DatabaseGrantSpec),
    ("Bootstrap script (`database.bootstrap.scripts[]`)", spec.data.DatabaseScriptSpec),
    ("Redis (`cache`, engine: redis)", spec.RedisSpec),
    ("External cache (`cache`, engine: external)", spec.ExternalCacheSpec),
    ("Bucket (`storage.<name>`)", spec.BucketSpec),
    ("CORS rule (`storage.<name>.cors[]`)", spec.CorsRule),
    ("Secret (`secrets.<NAME>`)", spec.SecretSpec),
    ("Alert (`alerts[]`)", spec.AlertSpec),
    ("Outbound rule (`egress[]`)", EgressRule),
    ("Edge (`edge`)", spec.EdgeSpec),
    ("Security headers (`edge.security_headers`)", spec.SecurityHeaders),
    ("Sidecar (`services|workers.<name>.sidecars.<name>`)", workloads.SidecarSpec),
    ("Sidecar port (`sidecars.<name>.ports[]`)", workloads.SidecarPort),
    ("Kubernetes settings of a service (`services.<name>.kubernetes`; an AWS stack ignores them and warns)",
     kubernetes.ServiceKubernetesSpec),
    ("Kubernetes settings of a worker, job or schedule (`<group>.<name>.kubernetes`)", kubernetes.PodKubernetesSpec),
    ("Labels and annotations (`kubernetes.pod`, `kubernetes.service`, the app's `kubernetes.ingress`)",
     kubernetes.ObjectMetadata),
    ("Kubernetes settings of the app (`kubernetes`)", kubernetes.AppKubernetesSpec),
    ("Toleration (`kubernetes.tolerations[]`)", kubernetes.Toleration),
    ("Affinity (`kubernetes.affinity`)", kubernetes.AffinitySpec),
    ("Node affinity (`affinity.node`)", kubernetes.NodeAffinity),
    ("Node term (`affinity.node.required[]`, `preferred[]` adds `weight` 1-100)", kubernetes.NodeTerm),
    ("Node requirement (`match_expressions[]` of a node term)", kubernetes.NodeRequirement),
    ("Pod (anti-)affinity (`affinity.pod`, `affinity.pod_anti`)", kubernetes.PodAffinity),
    ("Pod term (`affinity.pod|pod_anti.required[]`, `preferred[]` adds `weight` 1-100)", kubernetes.PodTerm),
    ("Label requirement (`match_expressions[]` of a pod term)", kubernetes.Requirement),
]


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in get_args(annotation))
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in get_args(annotation))
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in get_args(annotation))}]"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if value is PydanticUndefined:
        return ""
    if isinstance(value, BaseModel):
        return "(see section)"
    return f"`{value!r}`" if value not in ({}, []) else f"`{value}`"


def render() -> str:
    lines = [
        "# Spec and stack config reference",
        "",
        "Generated from the pydantic models by `uv run python -m appstack.spec_docs > docs/spec.md`;"
        " a test keeps it in sync. Every model rejects unknown keys.",
    ]
    for title, model in SECTIONS:
        lines += ["", f"## {title}", ""]
        if model.__doc__ and not model.__doc__.startswith(("Usage docs", "!!! abstract")):
            lines += [" ".join(model.__doc__.split()), ""]
        lines += ["| key | type | default | description |", "| --- | --- | --- | --- |"]
        for name, field in model.model_fields.items():
            key = field.alias or name
            description = (field.description or "").replace("|", "\\|")
            lines.append(f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
