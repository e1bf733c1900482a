"""Run the whole program for a stack under Pulumi's mock runtime and record every registration.

No cloud, cluster or Pulumi CLI is needed: the recording monitor keeps, for each resource, its
type, name, parent, inputs (as the engine would receive them), dependencies and options.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource_runtime
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from .errors import ConfigError, Problem
from .mocks import AppstackMocks
from .overrides import Transformation
from .project import Project, ProjectNotFound, engine_value, find_project, load_project
from .stackconfig import Stack
from .yamlfile import load_mapping

# The project name of a plan run outside any project (a custom program with its own config).
DEFAULT_PROJECT = "appstack"
SECRET = "[secret]"
UNKNOWN = "[unknown]"


class Secret:
    """An input value that the engine would receive as a secret."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __repr__(self) -> str:
        return SECRET

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.value == self.value

    def __hash__(self) -> int:
        return hash(json.dumps(self.value, sort_keys=True, default=str))


@dataclass
class PlanResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    inputs: dict[str, Any]  # secrets as Secret(...), unknowns as UNKNOWN
    dependencies: list[str]
    options: dict[str, Any]

    def masked(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "inputs": mask(self.inputs),
            "dependencies": self.dependencies,
            "options": self.options,
        }


@dataclass
class Synthesis:
    stack: str
    resources: list[PlanResource]
    outputs: dict[str, Any]
    config: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    model: Stack | None = None  # the validated stack (None for a custom program)

    def by_type(self, type_token: str) -> list[PlanResource]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str, type_token: str | None = None) -> PlanResource:
        matches = [r for r in self.resources if r.name == name and (type_token is None or r.type == type_token)]
        if len(matches) != 1:
            raise LookupError(f"{len(matches)} resources named {name!r} (type {type_token})")
        return matches[0]

    def children_of(self, urn: str) -> list[PlanResource]:
        return [r for r in self.resources if r.parent == urn]


def mask(value: Any) -> Any:
    if isinstance(value, Secret):
        return SECRET
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def reveal(value: Any) -> Any:
    """The inverse of `mask` for tests and tooling that may read values the engine keeps encrypted."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    """Turn the wire form of a property value into plain data with Secret markers."""
    if isinstance(value, dict):
        sig = value.get(rpc._special_sig_key)
        if sig == rpc._special_secret_sig:
            return Secret(_decode(value.get("value")))
        if sig == rpc._special_resource_sig:
            return {"urn": value.get("urn"), "id": value.get("id")}
        if sig == rpc._special_output_value_sig:
            decoded = _decode(value.get("value", UNKNOWN))
            return Secret(decoded) if value.get("secret") else decoded
        if sig in (rpc._special_asset_sig, rpc._special_archive_sig):
            return {k: v for k, v in value.items() if k != rpc._special_sig_key}
        return {k: _decode(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _options(request: Any) -> dict[str, Any]:
    provider = request.provider.split("::")
    return {
        "protect": bool(request.protect),
        "retain_on_delete": bool(request.retainOnDelete),
        "ignore_changes": sorted(request.ignoreChanges),
        "replace_on_changes": sorted(request.replaceOnChanges),
        "delete_before_replace": bool(request.deleteBeforeReplace),
        "provider": "::".join(provider[:-1]) if request.provider else None,
        "aliases": sorted(json_format.MessageToJson(a, sort_keys=True, indent=None) for a in request.aliases),
        "additional_secret_outputs": sorted(request.additionalSecretOutputs),
        "custom_timeouts": _custom_timeouts(request),
    }


def _custom_timeouts(request: Any) -> dict[str, str] | None:
    """How long the engine waits for each operation (set where a rollout or a Job may take longer)."""
    if not request.HasField("customTimeouts"):
        return None
    timeouts = {op: getattr(request.customTimeouts, op) for op in ("create", "update", "delete")}
    return {op: value for op, value in timeouts.items() if value} or None


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks):
        super().__init__(mocks)
        self.records: list[PlanResource] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn: str | None = None

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = response.urn
            return response
        inputs = _decode(json_format.MessageToDict(request.object, preserving_proto_field_name=True))
        self.records.append(
            PlanResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent or None,
                inputs=inputs,
                dependencies=sorted(set(request.dependencies)),
                options=_options(request),
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
        if request.urn == self.stack_urn:
            outputs = _decode(json_format.MessageToDict(request.outputs))
            # set_mocks registers the root stack's empty outputs on its own task; under load that call can
            # land after the program's exports, so an empty registration never replaces recorded exports.
            if outputs or not self.stack_outputs:
                self.stack_outputs = outputs
        return super().RegisterResourceOutputs(request)


def stack_config(stack: str, project: Project | Path | None = None) -> tuple[dict[str, str], list[str]]:
    """Config of Pulumi.<stack>.yaml as the engine passes it: 'ns:key' -> string (JSON for objects).

    `project` (default: the working directory's, see appstack.project) supplies the stack file and the
    Pulumi.yaml `config:` defaults the stack file overrides. Offline, encrypted (`secure:`) values
    cannot be read; they stand in as placeholders of the right shape and are listed as secret keys.
    """
    project = _project(project)
    path = project.stack_file(stack)
    if not path.is_file():
        raise FileNotFoundError(
            f"no stack file {path.name}; stacks: {', '.join(project.stacks()) or 'none'} (project {project.root})"
        )
    document = load_mapping(path)
    entries = document.get("config") or {}
    if not isinstance(entries, dict):
        raise ConfigError([Problem(f"{path.name}: config", "must be a mapping of config keys to values")],
                          title=f"Invalid stack file {path.name}")
    config: dict[str, str] = dict(project.config)
    secret_keys: list[str] = []
    for key, value in entries.items():
        full_key = project.full_key(key)
        if isinstance(value, dict) and set(value) == {"secure"}:
            from .program import OFFLINE_PLACEHOLDER

            config[full_key] = OFFLINE_PLACEHOLDER
            secret_keys.append(full_key)
        else:
            config[full_key] = engine_value(value)
    return config, secret_keys


def _project(project: Project | Path | None) -> Project:
    if isinstance(project, Project):
        return project
    return load_project(project) if project is not None else find_project()


def synthesize(
    stack: str,
    *,
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    program: Callable[[], None] | None = None,
    project: Project | Path | None = None,
    blueprints_dir: Path | None = None,
    transforms: Sequence[Transformation] = (),
) -> Synthesis:
    """Run `program` (default: the appstack program, with placeholders for unset secrets) under mocks.

    `config` replaces the stack file's config when given. The default program validates the stack
    once, before any resource, exactly as `appstack.program.main` does; an invalid stack raises a
    pulumi.RunError carrying the readable config error, as under the Pulumi CLI. `project` (a Project or
    its root; default: the working directory's) supplies the stack file, the project name in URNs and
    the blueprints; `blueprints_dir` reads them from elsewhere (generated specs in tests). `transforms` are
    the program's Python resource transformations (as `appstack.program.main(transforms=...)` takes them).
    """
    resolved: Project | None
    try:
        resolved = _project(project)
    except ProjectNotFound:
        if config is None or (program is None and blueprints_dir is None):
            raise
        resolved = None  # config, program or blueprints given: nothing else needs a project
    if config is None:
        config, secret_keys = stack_config(stack, resolved)
    config = dict(config)
    warnings: list[str] = []
    model: Stack | None = None
    referenced: dict[str, dict[str, Any]] = {}

    if program is None:
        directory = blueprints_dir or resolved.blueprints_dir(config.get)  # type: ignore[union-attr]
        model, provided, warnings = _validated(stack, config, secret_keys or [], directory,
                                               resolved.root if resolved else None)
        if model.link is not None:
            # An app stack reads its environment's outputs: plan the environment first, offline too.
            referenced[model.link.stack] = _environment_outputs(model.link.stack, resolved, blueprints_dir)

        def program() -> None:
            from .program import deploy

            deploy(model, provided, transforms, project_root=resolved.root if resolved else None)

    # Offline there is no engine to show source positions to; skip reading every caller's stack.
    pulumi_resource_runtime._get_stack_trace = _no_stack_trace
    mocks = AppstackMocks(referenced)
    monitor = RecordingMonitor(mocks)
    engine_log = _EngineLog()
    settings.set_root_resource(None)  # type: ignore[arg-type]
    pulumi.runtime.set_all_config(config, secret_keys or [])
    project_name = resolved.name if resolved else DEFAULT_PROJECT
    pulumi.runtime.set_mocks(
        mocks, project=project_name, stack=stack, preview=False, monitor=monitor, logger=engine_log.logger
    )
    settings.SETTINGS.rpc_manager.clear()
    # The cyclic collector would rescan the SDKs' large, long-lived heap on every few thousand
    # allocations (about two thirds of a prod plan's time); one bounded run does not need it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _sync_await(run_pulumi_func(lambda: _with_stack_outputs(program)))
    finally:
        if collecting:
            gc.enable()
    resources = sorted(monitor.records, key=lambda r: r.urn)
    # Engine messages arrive from apply callbacks in no fixed order; sort them for a deterministic plan.
    return Synthesis(stack, resources, monitor.stack_outputs, config, warnings + sorted(engine_log.messages), model)


_ENVIRONMENT_OUTPUTS: dict[str, dict[str, Any]] = {}


def _environment_outputs(stack: str, project: Project | None, blueprints_dir: Path | None) -> dict[str, Any]:
    """The environment's plan outputs, planned once per process for each content of its stack file."""
    config, secret_keys = stack_config(stack, project)
    key = json.dumps([str(project.root) if project else None, stack, config, str(blueprints_dir)], sort_keys=True)
    if key not in _ENVIRONMENT_OUTPUTS:
        environment = synthesize(stack, config=config, secret_keys=secret_keys, project=project,
                                 blueprints_dir=blueprints_dir)
        _ENVIRONMENT_OUTPUTS[key] = stack_outputs(environment)
    return _ENVIRONMENT_OUTPUTS[key]


def stack_outputs(synthesis: Synthesis) -> dict[str, Any]:
    """A plan's stack outputs as a StackReference reads them: plain values, unknowns left out."""
    return {key: reveal(value) for key, value in synthesis.outputs.items() if value != UNKNOWN}


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


def _with_stack_outputs(program: Callable[[], None]) -> None:
    """Run the program, then register the root stack's exports as the engine's entry point would.

    set_mocks registers the root stack (and its then-empty outputs) before the program runs.
    """
    program()
    root = settings.get_root_resource()
    root._outputs_registered = False  # type: ignore[union-attr]
    root._finish()  # type: ignore[union-attr]


class _EngineLog:
    """Collects what the program logs through pulumi.log (warnings and errors) for the plan."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.logger = logging.Logger("appstack.synth.engine", level=logging.WARNING)
        handler = logging.Handler(level=logging.WARNING)
        handler.emit = lambda record: self.messages.append(record.getMessage())  # type: ignore[method-assign]
        self.logger.addHandler(handler)


def _validated(
    stack_name: str, config: Mapping[str, str], secret_keys: list[str], blueprints_dir: Path,
    project_root: Path | None = None,
) -> tuple[Stack, dict[str, dict[str, str]], list[str]]:
    """The stack as `appstack.program.main` loads it (placeholders for unset secrets), and what is unset."""
    from .program import read_provided_secrets, set_secret_command
    from .stackconfig import load_stack

    try:
        model = load_stack(stack_name, config.get, all_keys=sorted(config), blueprints_dir=blueprints_dir,
                           project_root=project_root)
        provided = read_provided_secrets(model, config.get, placeholders_for_missing=True,
                                         is_secret=set(secret_keys).__contains__)
    except ConfigError as error:
        raise pulumi.RunError(error.render()) from None
    warnings = [*model.warnings] + [
        f"secret not set in Pulumi.{stack_name}.yaml: {set_secret_command(stack_name, app, name)}"
        for app, name in provided.missing
    ] + [
        f"object storage key not set in Pulumi.{stack_name}.yaml (credentials static; `pulumi up` refuses it): "
        f"{set_secret_command(stack_name, app, key)}"
        for app, key in provided.missing_storage_keys
    ]
    return model, provided.values, warnings
