"""How public traffic is received: body size, timeouts, response headers, per-path caching, rewrites and
redirects. Platform-neutral; docs/kubernetes.md and docs/aws.md say how each part is rendered (or, where a
platform has no way to express it, which plan warning says so)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from .base import HOSTNAME, Hostname, Strict

# The characters ingress-nginx accepts in an Exact/Prefix path when it validates paths strictly (the
# default from v1.12: alphanumerics, '/', '_', '-'); the same paths are literal in ALB patterns and regexes.
EDGE_PATH = r"^/[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$"
EdgePath = Annotated[str, Field(pattern=EDGE_PATH, max_length=100, description="e.g. /_next/static (no trailing /)")]
# An upstream path may also be '/' and carry dots (e.g. /v1.2/health); ingress-nginx's rewrite-target check
# takes these characters.
UPSTREAM_PATH = r"^/([A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*)?$"

HSTS_PRELOAD_MIN_AGE = 31536000  # hstspreload.org: max-age of at least one year
HSTS_MAX_AGE = 63072000  # two years, the value hstspreload.org recommends; longer adds nothing
REFERRER_POLICIES = Literal[
    "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin",
    "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
]
# Cache-Control response directives (RFC 9111 5.2.2, RFC 8246 immutable, RFC 5861): valued ones take seconds.
_VALUED = {"max-age", "s-maxage", "stale-while-revalidate", "stale-if-error"}
_FLAGS = {"public", "private", "no-cache", "no-store", "no-transform", "must-revalidate", "proxy-revalidate",
          "must-understand", "immutable"}


class SecurityHeaders(Strict):
    hsts: bool = Field(True, description="Strict-Transport-Security (only sent when the app has TLS)")
    hsts_max_age_seconds: int = Field(31536000, ge=0, le=HSTS_MAX_AGE)
    hsts_include_subdomains: bool = True
    hsts_preload: bool = Field(False, description="needs hsts_include_subdomains and a max-age of a year or more")
    frame_options: Literal["DENY", "SAMEORIGIN"] = "DENY"
    content_type_nosniff: bool = True
    referrer_policy: REFERRER_POLICIES = "strict-origin-when-cross-origin"

    @model_validator(mode="after")
    def _preload_requirements(self) -> SecurityHeaders:
        if self.hsts_preload:
            missing = []
            if not self.hsts_include_subdomains:
                missing.append("hsts_include_subdomains: true")
            if self.hsts_max_age_seconds < HSTS_PRELOAD_MIN_AGE:
                missing.append(f"hsts_max_age_seconds >= {HSTS_PRELOAD_MIN_AGE}")
            if missing:
                raise ValueError(f"hsts_preload needs {' and '.join(missing)} (hstspreload.org requirements)")
        return self

    def hsts_value(self) -> str:
        """The Strict-Transport-Security value, directives in the usual order."""
        value = f"max-age={self.hsts_max_age_seconds}"
        if self.hsts_include_subdomains:
            value += "; includeSubDomains"
        if self.hsts_preload:
            value += "; preload"
        return value


class CacheRule(Strict):
    """Cache-Control sent on every response under a path prefix (e.g. Next.js build assets)."""

    path: EdgePath
    cache_control: str = Field(max_length=200, description="e.g. public, max-age=31536000, immutable")

    @field_validator("cache_control")
    @classmethod
    def _directives(cls, value: str) -> str:
        seen: list[str] = []
        for part in value.split(","):
            directive = part.strip()
            name, _, seconds = directive.partition("=")
            if name in _VALUED:
                if not re.fullmatch(r"[0-9]{1,10}", seconds) or int(seconds) > 2**31 - 1:
                    raise ValueError(f"'{directive}': {name} takes a number of seconds (0-2147483647)")
            elif name not in _FLAGS or seconds:
                known = ", ".join(sorted(_FLAGS | {f"{v}=N" for v in _VALUED}))
                raise ValueError(f"'{directive}' is not a Cache-Control response directive (known: {known})")
            if name in seen:
                raise ValueError(f"'{name}' appears twice")
            seen.append(name)
        if {"public", "private"} <= set(seen):
            raise ValueError("public and private contradict each other")
        return ", ".join(p.strip() for p in value.split(","))


class RewriteRule(Strict):
    """Requests to `path` (and below it) reach the service that serves `to`, with `path` replaced by `to`
    (nginx's `location /health { proxy_pass http://gateway/api/v1/health; }`)."""

    path: EdgePath
    to: str = Field(pattern=UPSTREAM_PATH, max_length=100, description="the upstream path, served by a route")
    host: Hostname | None = Field(None, description="defaults to the app's domain")


class RedirectRule(Strict):
    """Requests to `path` (and below it) are answered with a redirect to `to` (its query string: see the
    platform docs)."""

    path: EdgePath
    to: str = Field(max_length=500, description="an absolute https:// URL")
    status: Literal[301, 302] = Field(301, description="the two redirect codes both the ALB and ingress-nginx send")
    host: Hostname | None = Field(None, description="defaults to the app's domain")

    @field_validator("to")
    @classmethod
    def _absolute_https(cls, value: str) -> str:
        url = urlsplit(value)
        host = url.hostname or ""
        if (url.scheme != "https" or not re.fullmatch(HOSTNAME, host) or host.rsplit(".", 1)[-1].isdigit()
                or url.port or url.username):
            raise ValueError(f"'{value}' is not an https://<host>/<path> URL")
        if url.query or url.fragment or not re.fullmatch(UPSTREAM_PATH, url.path or "/"):
            raise ValueError(f"'{value}': the path may hold letters, digits, '.', '_', '-' and '/' only "
                             "(no query, fragment or variables)")
        return value

    @property
    def target(self) -> tuple[str, str]:
        """(host, path) of `to`."""
        url = urlsplit(self.to)
        return url.hostname or "", url.path or "/"


MAX_EDGE_RULES = 90  # ALB listener rule priorities 10-99, ahead of the routes' 100+


class EdgeSpec(Strict):
    """How public traffic is received: body size, timeouts, response headers, caching, rewrites, redirects."""

    max_body_size_mb: int = Field(10, ge=1, le=10240)
    request_timeout_seconds: int = Field(60, ge=1, le=3600)
    websocket_timeout_seconds: int = Field(3600, ge=60, le=86400)
    security_headers: SecurityHeaders = SecurityHeaders()
    cache: list[CacheRule] = Field(default_factory=list, description="Cache-Control per path prefix")
    rewrites: list[RewriteRule] = Field(default_factory=list)
    redirects: list[RedirectRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rule_count(self) -> EdgeSpec:
        if len(self.rewrites) + len(self.redirects) > MAX_EDGE_RULES:
            raise ValueError(f"at most {MAX_EDGE_RULES} rewrites and redirects together "
                             "(ALB listener rule priorities 10-99 come before the routes)")
        return self


def slug(path: str) -> str:
    """A Kubernetes- and Pulumi-name-safe form of an edge path: /_next/static -> next-static."""
    return "-".join(part for part in re.split(r"[^a-z0-9]+", path.lower()) if part)[:40].strip("-") or "root"
