"""The Pulumi program: validate the stack, then deploy every app on the stack's platform.

Everything is validated before the first resource is registered; a bad stack stops with one
message (a pulumi.RunError, which the CLI prints without a traceback).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
from pulumi.runtime import config as runtime_config

from .errors import ConfigError, Problem
from .overrides import Transformation, import_transforms
from .overrides import register as register_overrides
from .spec.data import retention_days
from .stackconfig import Stack, load_stack, static_storage_keys

OFFLINE_PLACEHOLDER = "offline-plan-placeholder-value-0000000000000000000000000000000000000000"


@dataclass
class ProvidedSecrets:
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # app -> name -> plaintext
    missing: list[tuple[str, str]] = field(default_factory=list)  # (app, name) of unset required secrets
    missing_storage_keys: list[tuple[str, str]] = field(default_factory=list)  # (app, config key), static keys


def secret_config_key(app: str, name: str) -> str:
    return f"{app}:{name}"


def set_secret_command(stack: str, app: str, name: str) -> str:
    return f"pulumi config set --secret --stack {stack} {secret_config_key(app, name)} '<value>'"


def read_provided_secrets(
    stack: Stack, read, *, placeholders_for_missing: bool = False, is_secret: Callable[[str], bool] | None = None
) -> ProvidedSecrets:
    """Read operator-provided secrets; check presence and minimum lengths; report all problems at once.

    `is_secret(key)` tells whether the stack file holds a key encrypted (`secure:`); a prod stack refuses
    a provided secret written in plaintext there (it would sit in the repository). None: not known."""
    result = ProvidedSecrets()
    problems: list[Problem] = []
    plaintext: list[tuple[str, str]] = []
    hints: list[str] = []
    for app_name, spec in stack.apps.items():
        values = result.values.setdefault(app_name, {})
        for name, secret in sorted(spec.secrets.items()):
            if secret.source != "provided":
                continue
            value = read(secret_config_key(app_name, name))
            if value is None or value == "":
                if secret.required:
                    result.missing.append((app_name, name))
                    if placeholders_for_missing:
                        values[name] = OFFLINE_PLACEHOLDER
                continue
            key = secret_config_key(app_name, name)
            if is_secret is not None and stack.settings.tier == "prod" and not is_secret(key):
                plaintext.append((app_name, name))
            if secret.min_length and len(value) < secret.min_length:
                problems.append(
                    Problem(
                        f"apps.{app_name}.secrets.{name}",
                        f"the provided value has {len(value)} characters; at least {secret.min_length} are required",
                    )
                )
            values[name] = value
    problems += _static_storage_keys(stack, read, result, hints, placeholders_for_missing)
    problems += [
        Problem(
            f"apps.{app}.secrets.{name}",
            f"written in plaintext in Pulumi.{stack.name}.yaml; a prod stack takes provided secrets only as "
            "encrypted (secure:) values",
        )
        for app, name in plaintext
    ]
    if result.missing and not placeholders_for_missing:
        problems += [
            Problem(
                f"apps.{app}.secrets.{name}", f"provided secret is not set (config key {secret_config_key(app, name)})"
            )
            for app, name in result.missing
        ]
        commands = "\n".join(f"  {set_secret_command(stack.name, app, name)}" for app, name in result.missing)
        hints.append(f"Set them with:\n{commands}")
    if plaintext:
        commands = "\n".join(f"  {set_secret_command(stack.name, app, name)}" for app, name in plaintext)
        hints.append(f"Remove the plaintext values from Pulumi.{stack.name}.yaml, rotate them (they were exposed) "
                     f"and set them encrypted with:\n{commands}")
    if problems:
        missing = (result.missing or result.missing_storage_keys) and not placeholders_for_missing
        title = f"Missing secrets for stack '{stack.name}'" if missing else f"Invalid secrets for stack '{stack.name}'"
        raise ConfigError(problems, title=title, hint="\n".join(hints))
    return result


def _static_storage_keys(stack: Stack, read, result: ProvidedSecrets, hints: list[str],
                         placeholders_for_missing: bool) -> list[Problem]:
    """`credentials: static` needs every key pair the stack's pods would use; an offline plan only lists
    the unset ones (its pods then get no key), like unset provided secrets."""
    unset: dict[tuple[str, str], list[str]] = {}
    for app, principal, key in static_storage_keys(stack.settings, stack.apps):
        if read(secret_config_key(app, key)) in (None, ""):
            unset.setdefault((app, principal), []).append(key)
            result.missing_storage_keys.append((app, key))
    if not unset or placeholders_for_missing:
        return []
    commands = "\n".join(f"  {set_secret_command(stack.name, app, key)}" for app, key in result.missing_storage_keys)
    hints.append(f"Set the object storage keys with:\n{commands}")
    return [Problem("appstack:kubernetes.object_storage.credentials",
                    f"static: {app}'s {principal} object storage keys are not set "
                    f"({', '.join(secret_config_key(app, k) for k in keys)})")
            for (app, principal), keys in sorted(unset.items())]


def load_from_pulumi_config(*, placeholders_for_missing: bool = False) -> tuple[Stack, ProvidedSecrets]:
    """The stack as the Pulumi CLI passes it; blueprints from the project it runs in (its working directory)."""
    from .project import find_project

    stack_name = pulumi.get_stack()
    all_config = runtime_config.get_config_env()
    blueprints = find_project().blueprints_dir(runtime_config.get_config)
    stack = load_stack(stack_name, runtime_config.get_config, all_keys=sorted(all_config), blueprints_dir=blueprints)
    secrets = read_provided_secrets(
        stack, runtime_config.get_config, placeholders_for_missing=placeholders_for_missing,
        is_secret=runtime_config.is_config_secret,
    )
    return stack, secrets


# Jobs a platform adds on its own (AWS: `db-bootstrap`, which creates the database's application role and
# extensions) are not in spec.jobs. They run before_rollout, ahead of the spec's jobs: the release script
# runs a phase in key order and `pulumi stack output --json` sorts keys, so their key carries this prefix,
# which sorts before every spec job name (a DNS label starting with a letter).
PLATFORM_JOB_PREFIX = "0-"


def release_commands_by_phase(spec, commands: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """{"before_rollout": {job: command}, "after_rollout": {...}}: what a release runs by hand, in order.

    Platform jobs (not in spec.jobs) come first in before_rollout, keyed `0-<job>`.
    """
    phases: dict[str, dict[str, object]] = {"before_rollout": {}, "after_rollout": {}}
    for job, command in sorted(commands.items()):
        if job not in spec.jobs:
            phases["before_rollout"][f"{PLATFORM_JOB_PREFIX}{job}"] = command
    for job, command in sorted(commands.items()):
        if job in spec.jobs:
            phases[spec.jobs[job].phase][job] = command
    return phases


def deploy(
    stack: Stack,
    provided: Mapping[str, Mapping[str, str]],
    transforms: Sequence[Transformation] = (),
    project_root: Path | None = None,
) -> dict[str, object]:
    """Register the platform foundation and one Application per app; returns them by app name.

    The stack's `overrides`, then `transforms` (Python resource transformations), apply to every
    resource; both run in this process, so the offline plan shows exactly what `pulumi up` registers.
    """
    from appstack.components.application import Application, ApplicationArgs
    from appstack.components.platform import FoundationArgs, create_foundation

    try:
        configured = import_transforms(stack.settings.transforms, project_root)
    except ConfigError as error:
        raise pulumi.RunError(error.render()) from None
    overrides = register_overrides(stack.settings.overrides, [*configured, *transforms])
    retentions = [spec.metrics_retention for spec in stack.apps.values() if spec.metrics_retention]
    foundation = create_foundation(FoundationArgs(
        settings=stack.settings, stack=stack.resource_name, link=stack.link,
        metrics_retention=max(retentions, key=retention_days) if retentions else None))
    for key, value in sorted(foundation.exports().items()):
        pulumi.export(key, value)
    apps = {}
    for name, spec in stack.apps.items():
        apps[name] = Application(
            name,
            ApplicationArgs(
                spec=spec,
                settings=stack.settings,
                stack=stack.resource_name,
                foundation=foundation,
                provided_secrets=dict(provided.get(name, {})),
            ),
        )
        if apps[name].url is not None:
            pulumi.export(f"{name}-url", apps[name].url)
        if apps[name].release_commands:
            pulumi.export(f"{name}-release-commands", release_commands_by_phase(spec, apps[name].release_commands))
    if unmatched := overrides.unmatched():
        problems = [
            Problem(f"appstack:overrides[{index}]", f"matches no resource of this stack ({_selector(stack, index)})")
            for index in unmatched
        ]
        raise pulumi.RunError(ConfigError(problems, title=f"Invalid overrides for stack '{stack.name}'").render())
    return apps


def _selector(stack: Stack, index: int) -> str:
    override = stack.settings.overrides[index]
    return f"type {override.type}, name {override.name}; `appstack plan {stack.name}` lists types and names"


def main(*, placeholders_for_missing: bool = False, transforms: Sequence[Transformation] = ()) -> None:
    """Entry point of a project's __main__.py (`from appstack.program import main` + `main()`) and of the
    offline plan (placeholders for unset secrets).

    `transforms`: Python resource transformations (pulumi.ResourceTransformationArgs -> result or None)
    applied to every resource after the stack's overrides.
    """
    from .project import ProjectNotFound

    try:
        stack, secrets = load_from_pulumi_config(placeholders_for_missing=placeholders_for_missing)
    except ConfigError as error:
        raise pulumi.RunError(error.render()) from None
    except ProjectNotFound as error:
        raise pulumi.RunError(str(error)) from None
    for warning in stack.warnings:  # `pulumi preview` and `pulumi up` show them, as the offline plan does
        pulumi.log.warn(warning)
    from .project import find_project

    deploy(stack, secrets.values, transforms, project_root=find_project().root)
