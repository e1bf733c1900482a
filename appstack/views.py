"""What `appstack plan` shows besides the table: one app's resources, one resource, YAML manifests.

Selections never change what is planned (the whole stack is synthesized and checked); they choose
what is printed, like `helm template --show-only` or `copilot svc package`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, TextIO

import yaml

from .plan import APPLICATION_TYPE, app_of
from .synth import PlanResource, Synthesis, mask

_DEFAULT_OPTIONS: dict[str, Any] = {
    "protect": False,
    "retain_on_delete": False,
    "ignore_changes": [],
    "replace_on_changes": [],
    "delete_before_replace": False,
    "provider": None,
    "aliases": [],
    "additional_secret_outputs": [],
}


class SelectionError(LookupError):
    """A --app or --show target that the plan does not hold; the message lists what it does hold."""


def select_apps(synthesis: Synthesis, apps: list[str], known: list[str]) -> Synthesis:
    """The resources of the named apps (their Application and everything under it)."""
    unknown = [a for a in apps if a not in known]
    if unknown:
        raise SelectionError(f"--app {', '.join(unknown)}: not in stack {synthesis.stack}; apps: {', '.join(known)}")
    by_urn = {r.urn: r for r in synthesis.resources}
    kept = [r for r in synthesis.resources if app_of(r, by_urn) in apps]
    return _with(synthesis, kept)


def select_target(synthesis: Synthesis, target: str, apps: list[str]) -> list[PlanResource]:
    """`--show TARGET`: an app, a URN, a resource name or Kind/name (kubectl style, e.g. Deployment/shop-web);
    the resource and everything under it."""
    if target in apps:
        by_urn = {r.urn: r for r in synthesis.resources}
        return [r for r in synthesis.resources if app_of(r, by_urn) == target]
    kind, _, name = target.rpartition("/") if "/" in target and "::" not in target else ("", "", target)
    matches = [r for r in synthesis.resources if r.urn == target] or [
        r for r in synthesis.resources
        if r.name == name and (not kind or r.type.rsplit(":", 1)[-1].lower() == kind.lower())
    ]
    if not matches:
        raise SelectionError(f"--show {target}: no app, URN or resource name in stack {synthesis.stack} matches")
    if len(matches) > 1:
        urns = "\n".join(f"  {r.urn}" for r in matches)
        raise SelectionError(
            f"--show {target}: {len(matches)} resources match; give Kind/name or a URN:\n{urns}"
        )
    return _subtree(synthesis, matches[0])


def _subtree(synthesis: Synthesis, root: PlanResource) -> list[PlanResource]:
    children: dict[str, list[PlanResource]] = {}
    for r in synthesis.resources:
        if r.parent:
            children.setdefault(r.parent, []).append(r)
    found, pending = [], [root]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += children.get(current.urn, [])
    return sorted(found, key=lambda r: r.urn)


def _with(synthesis: Synthesis, resources: list[PlanResource]) -> Synthesis:
    return Synthesis(
        synthesis.stack, resources, synthesis.outputs, synthesis.config, synthesis.warnings, synthesis.model
    )


def _is_kubernetes_object(resource: PlanResource) -> bool:
    return resource.custom and resource.type.startswith("kubernetes:") and "kind" in resource.inputs


def resource_document(resource: PlanResource) -> tuple[list[str], dict[str, Any]]:
    """(comment lines, body) of one resource: a Kubernetes object as its manifest, anything else as a record.

    Secret values stay "[secret]"; options are listed only where they differ from the engine's defaults.
    """
    options = {k: v for k, v in resource.options.items() if _DEFAULT_OPTIONS.get(k, v) != v and k != "provider"}
    comments = [f"{resource.type} {resource.name}", f"urn: {resource.urn}"]
    if _is_kubernetes_object(resource):
        # Provider-added aliases and secret-output lists are engine bookkeeping, not part of the object.
        comments += [
            f"{key}: {value}" for key, value in sorted(options.items())
            if key not in ("aliases", "additional_secret_outputs")
        ]
        return comments, mask(resource.inputs)
    body: dict[str, Any] = {"type": resource.type, "name": resource.name}
    if resource.parent:
        body["parent"] = resource.parent
    if options:
        body["options"] = options
    if resource.dependencies:
        body["dependencies"] = resource.dependencies
    body["inputs"] = mask(resource.inputs)
    return comments, body


def render_yaml(resources: list[PlanResource], *, components: bool = False) -> str:
    """A YAML stream, one document per resource (component resources only when asked)."""
    documents = []
    for resource in resources:
        if resource.type == APPLICATION_TYPE or (not resource.custom and not components):
            continue
        comments, body = resource_document(resource)
        header = "".join(f"# {line}\n" for line in comments)
        documents.append("---\n" + header + yaml.safe_dump(body, sort_keys=True, allow_unicode=True, width=100))
    return "".join(documents)


@dataclass(frozen=True)
class Style:
    """ANSI styling for a terminal only: never when the stream is a pipe or file, or NO_COLOR is set."""

    enabled: bool

    @classmethod
    def for_stream(cls, stream: TextIO) -> Style:
        tty = hasattr(stream, "isatty") and stream.isatty()
        return cls(bool(tty) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb")

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.enabled else text

    def dim(self, text: str) -> str:
        return f"\033[2m{text}\033[0m" if self.enabled else text

    def colour(self, text: str, code: int) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text


class Progress:
    """One status line on stderr while a plan runs, on a terminal only; erased when done."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = Style.for_stream(self.stream).enabled
        self.shown = False

    def show(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\033[K{text}")
            self.stream.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
