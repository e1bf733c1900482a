"""Resource overrides: stack-config patches of a resource's inputs, applied where every resource is registered.

An override selects resources by type token and name (shell-style globs) and merges a patch into
their inputs with JSON merge patch semantics (RFC 7386: mappings merge, `null` removes a key, any
other value replaces). Keys are the engine's names, exactly as `appstack plan --json` shows them
(`healthCheckGracePeriodSeconds`, `spec.template.spec`), so a plan is the reference for writing one.

They are applied by a stack transformation, which the Pulumi SDK runs in this process before each
registration: the offline plan, the provider checks, the policy pack and a real `pulumi up` all see
the patched inputs. An override that matches nothing is a config error, never a silent no-op.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any

import pulumi
from pydantic import Field, field_validator

from .errors import ConfigError, Problem
from .spec.base import Strict

# `module:function` of a Python transformation in the user's project (module path relative to its root).
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
TransformRef = Annotated[str, Field(pattern=rf"^{_IDENTIFIER}(\.{_IDENTIFIER})*:{_IDENTIFIER}$")]
TYPE_GLOB = re.compile(r"^[A-Za-z0-9*?_.-]+:[A-Za-z0-9*?_./-]+:[A-Za-z0-9*?_]+$")


class ResourceOverride(Strict):
    """One patch: which resources (type and name globs), what to merge into their inputs, and why."""

    type: str = Field(description="resource type token or glob, e.g. aws:ecs/service:Service or kubernetes:apps/v1:*")
    name: str = Field("*", min_length=1, max_length=256, description="resource name glob as in the plan, e.g. zmage-*")
    patch: dict[str, Any] = Field(min_length=1, description="JSON merge patch of the inputs (engine names)")
    reason: str = Field(min_length=1, max_length=500, description="why the override exists (shown in every plan)")

    @field_validator("type")
    @classmethod
    def _type_token(cls, value: str) -> str:
        if not TYPE_GLOB.match(value):
            raise ValueError("a type token such as aws:ecs/service:Service (globs * and ? allowed in each part)")
        return value

    def matches(self, type_token: str, name: str) -> bool:
        return fnmatchcase(type_token, self.type) and fnmatchcase(name, self.name)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _plain(value: Any) -> Any:
    """Input-type objects (generated `...Args` classes) as mappings of their Python names."""
    from pulumi import _types

    if _types.is_input_type(type(value)):
        return _types.input_type_to_untranslated_dict(value)
    return value


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 merge of `patch` into `target`, where target keys may be Python (snake_case) names.

    A patch key replaces the target key it names in either spelling; keys the patch does not name are
    kept as they are (user data such as labels and tags is never renamed). A target known only at
    deploy time (an Output) is merged once it resolves.
    """
    if not isinstance(patch, Mapping):
        return patch
    target = _plain(target)
    if isinstance(target, pulumi.Output):
        return target.apply(lambda resolved: merge_patch(resolved, patch))
    merged = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        current = None
        for existing in [k for k in merged if k == key or (isinstance(k, str) and "_" in k and _camel(k) == key)]:
            current = merged.pop(existing)
        if value is not None:
            merged[key] = merge_patch(current, value)
    return merged


class OverrideTransformation:
    """The stack transformation that applies `overrides`; `matched[i]` lists the (type, name) pairs of override i."""

    def __init__(self, overrides: Sequence[ResourceOverride]):
        self.overrides = list(overrides)
        self.matched: list[list[tuple[str, str]]] = [[] for _ in self.overrides]

    def __call__(self, args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not isinstance(args.resource, pulumi.CustomResource):
            return None
        props: Any = None
        for index, override in enumerate(self.overrides):
            if override.matches(args.type_, args.name):
                props = merge_patch(args.props if props is None else props, override.patch)
                self.matched[index].append((args.type_, args.name))
                pulumi.log.warn(f"override #{index + 1} ({override.reason}) patches {args.type_} {args.name}: "
                                f"{', '.join(sorted(override.patch))}")
        return None if props is None else pulumi.ResourceTransformationResult(props, args.opts)

    def unmatched(self) -> list[int]:
        return [index for index, matches in enumerate(self.matched) if not matches]


Transformation = Callable[[pulumi.ResourceTransformationArgs], pulumi.ResourceTransformationResult | None]


def register(
    overrides: Sequence[ResourceOverride], transforms: Sequence[Transformation] = ()
) -> OverrideTransformation:
    """Register the stack's overrides, then the program's own Python transformations, for every later resource."""
    transformation = OverrideTransformation(overrides)
    if overrides:
        pulumi.runtime.register_stack_transformation(transformation)
    for transform in transforms:
        pulumi.runtime.register_stack_transformation(transform)
    return transformation


def import_transforms(refs: Sequence[str], project_root: Path | None) -> list[Transformation]:
    """The stack's `appstack:transforms` ("module:function", importable from the project root), or one
    ConfigError naming every reference that does not resolve to a callable."""
    if project_root is not None and str(project_root) not in sys.path:
        sys.path.insert(0, str(project_root))  # as the Pulumi CLI runs __main__.py from the project root
    found: list[Transformation] = []
    problems = []
    for index, ref in enumerate(refs):
        module_name, _, attribute = ref.partition(":")
        try:
            value = getattr(importlib.import_module(module_name), attribute)
        except Exception as error:  # the user's module: any failure is reported, never a traceback
            reason = f"cannot load {ref}: {type(error).__name__}: {error}"
            problems.append(Problem(f"appstack:transforms[{index}]", reason))
            continue
        if not callable(value):
            problems.append(Problem(f"appstack:transforms[{index}]", f"{ref} is not callable"))
            continue
        found.append(value)
    if problems:
        raise ConfigError(problems, title="Invalid transforms")
    return found
