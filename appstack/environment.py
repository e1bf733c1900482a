"""Stack modes: one stack for every app (single), or an environment stack plus one stack per app.

An environment stack (`appstack:mode: environment`) owns what apps share (AWS: the network, one ECS
cluster, one ALB with its HTTPS listener, the alarm topic; Kubernetes: the monitoring stack) and
exports them. An app stack (`appstack:mode: app`) deploys exactly one app against it through a
`pulumi.StackReference`. The app stack reads the environment's stack file (same project) before any
resource is registered: the environment's name (physical names, as the single stack names them), its
zones and the listener rule priority block of the app, so every cross-stack mistake is a config error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from .errors import Problem
from .spec.base import DNS_LABEL_63, Name, Strict
from .spec.edge import SecurityHeaders

if TYPE_CHECKING:
    from .spec import AppSpec
    from .stackconfig import StackSettings

Mode = Literal["single", "environment", "app"]
# ALB listener rule priorities run 1..50000; block N owns N*1000 .. N*1000+999. An app's rules keep the
# single-stack offsets (100, 110, ...) inside its block, so at most 90 routes fit one block.
BLOCK_SIZE = 1000
MAX_BLOCK = 49
FIRST_OFFSET, OFFSET_STEP = 100, 10
MAX_ROUTES = (BLOCK_SIZE - FIRST_OFFSET) // OFFSET_STEP
STACK_NAME = r"^[a-zA-Z0-9._-]{1,100}$"


class EnvironmentApp(Strict):
    priority_block: int = Field(
        ge=1, le=MAX_BLOCK,
        description=f"this app's listener rules take priorities block*{BLOCK_SIZE} .. block*{BLOCK_SIZE}+999; "
        "unique per environment",
    )


class EnvironmentSettings(Strict):
    """mode environment: `name`, `apps`, `idle_timeout_seconds`; mode app: `stack` (`project`, `organization`)."""

    name: str | None = Field(
        None, pattern=DNS_LABEL_63,
        description="environment: the name in physical names and tags (e.g. prod, as the single stack names "
        "them); default: the stack's name",
    )
    apps: dict[Name, EnvironmentApp] = Field(
        default_factory=dict, description="environment: the app stacks that may attach, each with its priority block"
    )
    idle_timeout_seconds: int = Field(
        60, ge=1, le=4000, description="environment: the shared ALB's idle timeout; covers every app's"
    )
    security_headers: SecurityHeaders = Field(
        SecurityHeaders(), description="environment: the headers the shared HTTPS listener adds to every app's response"
    )
    stack: str | None = Field(
        None, pattern=STACK_NAME, description="app: the environment stack (Pulumi.<stack>.yaml of this project)"
    )
    project: str | None = Field(None, pattern=STACK_NAME, description="app: its Pulumi project; default: this one")
    organization: str | None = Field(
        None, pattern=STACK_NAME, description="app: its organization; default: this stack's"
    )


ENVIRONMENT_KEYS = ("name", "apps", "idle_timeout_seconds", "security_headers")
APP_KEYS = ("stack", "project", "organization")
# AWS settings an app stack leaves to its environment (they shape the shared network).
NETWORK_KEYS = ("vpc_cidr", "availability_zones", "zone_names", "nat_gateways", "interface_endpoints", "flow_logs",
                "existing_vpc", "certificate_arn", "ssl_policy", "desync_mitigation_mode")


def mode_problems(settings: StackSettings) -> list[Problem]:
    """What each mode requires of `apps` and `environment` (paths as the user writes them)."""
    mode, environment = settings.mode, settings.environment
    given = environment.model_fields_set if environment else set()
    problems = []
    if mode == "single":
        if not settings.apps:
            problems.append(Problem("apps", "needs at least 1 item: the blueprints this stack deploys"))
        if environment is not None:
            problems.append(Problem("environment", "only for mode environment or app (this stack is mode single)"))
        return problems
    if environment is None:
        what = "name and apps (their priority blocks)" if mode == "environment" else "stack: <environment stack>"
        return [Problem("environment", f"mode {mode} needs appstack:environment with {what}")]
    if mode == "environment":
        if settings.apps:
            problems.append(Problem("apps", "an environment stack deploys no app: each app has its own app stack "
                                            "(appstack:mode: app)"))
        if not environment.apps:
            problems.append(Problem("environment.apps", "name the app stacks that attach, each with a priority_block"))
        problems += [Problem(f"environment.{key}", "only for mode app") for key in APP_KEYS if key in given]
        blocks: dict[int, str] = {}
        for app, entry in sorted(environment.apps.items()):
            if entry.priority_block in blocks:
                problems.append(Problem(
                    f"environment.apps.{app}.priority_block",
                    f"block {entry.priority_block} is also app {blocks[entry.priority_block]}'s: listener rule "
                    "priorities would collide on the shared listener"))
            blocks.setdefault(entry.priority_block, app)
        if settings.platform == "aws" and not settings.domain and not settings.aws.certificate_arn:
            problems.append(Problem("domain", "the shared HTTPS listener needs a default certificate: set the "
                                              "environment's domain (or aws.certificate_arn)"))
        return problems
    if environment.stack is None:
        problems.append(Problem("environment.stack", "name the environment stack this app stack deploys against"))
    problems += [Problem(f"environment.{key}", "only for mode environment") for key in ENVIRONMENT_KEYS if key in given]
    if len(settings.apps) != 1:
        problems.append(Problem("apps", f"an app stack deploys exactly one app, got {len(settings.apps)}"
                                        + (f" ({', '.join(sorted(settings.apps))})" if settings.apps else "")))
    if settings.platform == "aws":
        problems += [Problem(f"aws.{key}", "belongs to the environment stack (it shapes the shared network and edge)")
                     for key in NETWORK_KEYS if key in settings.aws.model_fields_set]
    return problems


@dataclass(frozen=True)
class EnvironmentLink:
    """What an app stack knows of its environment before any resource: read from the environment's stack file."""

    stack: str  # the environment stack's name
    name: str  # its name in physical names
    settings: StackSettings  # the environment stack's validated settings
    block: int  # this app's priority block
    project: str | None
    organization: str | None
    warnings: tuple[str, ...] = ()  # what the shared listener serves differently from the app's spec

    @property
    def first_priority(self) -> int:
        return self.block * BLOCK_SIZE

    def reference_name(self, project: str, organization: str | None) -> str:
        """`organization/project/stack` as pulumi.StackReference takes it."""
        return f"{self.organization or organization or 'organization'}/{self.project or project}/{self.stack}"


EnvironmentLoader = Callable[[str], "tuple[StackSettings | None, list[Problem]]"]


def link_environment(
    settings: StackSettings, apps: dict[str, AppSpec], load: EnvironmentLoader
) -> tuple[EnvironmentLink | None, list[Problem]]:
    """An app stack's environment (loaded by `load(stack)`), checked against this stack and its one app."""
    environment = settings.environment
    if settings.mode != "app" or environment is None or environment.stack is None or len(settings.apps) != 1:
        return None, []
    app = next(iter(settings.apps))
    at = "environment.stack"
    env, problems = load(environment.stack)
    if env is None:
        return None, [Problem(at, p.message if not p.path else f"stack {environment.stack}: {p}") for p in problems]
    if env.mode != "environment" or env.environment is None:
        return None, [Problem(at, f"stack {environment.stack} is mode {env.mode}, not an environment stack")]
    for key in ("platform", "tier"):
        if getattr(env, key) != getattr(settings, key):
            problems.append(Problem(key, f"{getattr(settings, key)}, but environment {environment.stack} is "
                                         f"{getattr(env, key)}"))
    if settings.platform == "aws" and env.aws.region != settings.aws.region:
        problems.append(Problem("aws.region", f"{settings.aws.region}, but environment {environment.stack} is in "
                                              f"{env.aws.region}"))
    if settings.platform == "kubernetes":
        problems += _cluster_problems(settings, env, environment.stack)
    entry = env.environment.apps.get(app)
    if entry is None:
        known = ", ".join(sorted(env.environment.apps)) or "none"
        problems.append(Problem(f"apps.{app}", f"environment {environment.stack} declares no priority block for this "
                                               f"app (appstack:environment.apps there; declared: {known})"))
    if problems:
        return None, problems
    assert entry is not None
    link = EnvironmentLink(environment.stack, env.environment.name or environment.stack, env, entry.priority_block,
                           environment.project, environment.organization)
    spec = apps.get(app)
    if spec is None or settings.platform != "aws":
        return link, []
    problems, warnings = edge_problems(link, spec)
    return replace(link, warnings=tuple(warnings)), problems


# Kubernetes settings an app stack must share with its environment: the same cluster and namespaces, and
# (with observability) the Prometheus the environment runs, which selects monitors by its release label.
CLUSTER_KEYS = ("kubeconfig", "context", "namespace_prefix")
MONITORING_KEYS = ("namespace", "release_label")


def _cluster_problems(settings: StackSettings, env: StackSettings, stack: str) -> list[Problem]:
    mine, theirs = settings.kubernetes, env.kubernetes
    pairs = [(f"kubernetes.{key}", getattr(mine, key), getattr(theirs, key)) for key in CLUSTER_KEYS]
    if mine.observability.enabled:
        pairs += [(f"kubernetes.observability.{key}", getattr(mine.observability, key),
                   getattr(theirs.observability, key)) for key in MONITORING_KEYS]
    return [Problem(path, f"{value!r}, but environment {stack} has {expected!r}")
            for path, value, expected in pairs if value != expected]


def edge_problems(link: EnvironmentLink, spec: AppSpec) -> tuple[list[Problem], list[str]]:
    """What one app asks of the shared ALB that the environment's listener does not give it (problems), and
    where the listener is stricter or looser than the app asked (warnings)."""
    from appstack.components.aws.compute.load_balancer import idle_timeout, route_rules

    problems, warnings = [], []
    environment = link.settings.environment
    assert environment is not None
    at = f"apps.{spec.name}"
    routes = len(route_rules(spec, with_hosts=True))
    if routes > MAX_ROUTES:
        problems.append(Problem(f"{at}.services", f"{routes} routes; one priority block holds {MAX_ROUTES}"))
    needed, shared = idle_timeout(spec), environment.idle_timeout_seconds
    if spec.public_services and needed > shared:
        problems.append(Problem(f"{at}.edge", f"needs an ALB idle timeout of {needed} s; environment {link.stack} "
                                              f"has {shared} s (raise appstack:environment.idle_timeout_seconds)"))
    if spec.public_services:
        wanted = spec.edge.security_headers
        served = environment.security_headers
        if wanted.content_type_nosniff != served.content_type_nosniff:
            problems.append(Problem(f"{at}.edge.security_headers.content_type_nosniff",
                                    f"{wanted.content_type_nosniff}, but the shared listener of {link.stack} sets "
                                    f"{served.content_type_nosniff} for every app"))
        asked, sent = (h.hsts_value() if h.hsts else "no HSTS" for h in (wanted, served))
        if asked != sent:
            message = f"HSTS {asked} asked, the shared listener of {link.stack} sends {sent} for every app"
            if _covers(served, wanted):  # stricter than asked: said, not refused
                warnings.append(f"{at}.edge.security_headers.hsts: {message}")
            else:
                problems.append(Problem(f"{at}.edge.security_headers.hsts", message))
        if wanted.frame_options != served.frame_options:
            message = (f"X-Frame-Options {wanted.frame_options} asked, the shared listener of {link.stack} sends "
                       f"{served.frame_options} for every app")
            if wanted.frame_options == "SAMEORIGIN":  # DENY would break the app's own framing
                problems.append(Problem(f"{at}.edge.security_headers.frame_options", message))
            else:
                warnings.append(f"{at}.edge.security_headers.frame_options: {message}")
    if spec.public_services and not (spec.tls and spec.domain):
        problems.append(Problem(f"{at}.tls", "an app stack serves its routes on the environment's HTTPS listener: "
                                             "give the app a domain with tls: true"))
    return problems, warnings


def _covers(served: SecurityHeaders, wanted: SecurityHeaders) -> bool:
    """Whether the served HSTS is at least what the app asked: as long, and every directive it asked."""
    if not wanted.hsts:
        return served.hsts
    return served.hsts and served.hsts_max_age_seconds >= wanted.hsts_max_age_seconds and all(
        getattr(served, flag) or not getattr(wanted, flag) for flag in ("hsts_include_subdomains", "hsts_preload"))
