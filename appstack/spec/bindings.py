"""Bindings: env values that reference attributes the platform provides, e.g. ${postgres.url}.

A template is any string; `${ref}` inserts an attribute and `$${` writes a literal `${`. Which
attributes exist depends only on the spec, so references are checked before anything is deployed,
and a value built from a secret attribute is itself a secret wherever it goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .app import AppSpec
from .data import ExternalCacheSpec, ExternalDatabaseSpec, PostgresSpec, RedisSpec

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")


@dataclass(frozen=True)
class Attribute:
    ref: str
    secret: bool
    description: str


@dataclass(frozen=True)
class Ref:
    """A parsed `${...}` occurrence in a template."""

    name: str


def parse_template(template: str) -> list[str | Ref]:
    """Split a template into literal text and references, in order."""
    parts: list[str | Ref] = []
    position = 0
    for match in _TOKEN.finditer(template):
        if match.start() > position:
            parts.append(template[position : match.start()])
        parts.append("${" if match.group(0) == "$${" else Ref(match.group(1).strip()))
        position = match.end()
    if position < len(template):
        parts.append(template[position:])
    merged: list[str | Ref] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def references(template: str) -> list[str]:
    return [part.name for part in parse_template(template) if isinstance(part, Ref)]


def available_attributes(spec: AppSpec) -> dict[str, Attribute]:
    """Every attribute a template of this app may reference, with its secrecy."""
    attrs: list[Attribute] = [
        Attribute("app.name", False, "the app's name"),
        Attribute("app.domain", False, "the app's public host"),
        Attribute("app.url", False, "https://<domain> (http:// when tls is off)"),
    ]
    db = spec.database
    if db is not None:
        attrs.append(Attribute("database.url", not _is_sqlite(db), "connection URL of the app's database"))
    if isinstance(db, PostgresSpec):
        attrs += [
            Attribute("postgres.url", True, "postgresql:// URL with credentials"),
            Attribute("postgres.host", False, "database host name"),
            Attribute("postgres.port", False, "database port"),
            Attribute("postgres.database", False, "database name"),
            Attribute("postgres.user", False, "database user"),
            Attribute("postgres.password", True, "database password"),
            Attribute("postgres.tls", False, "'true' when connections must use TLS"),
        ]
    elif isinstance(db, ExternalDatabaseSpec):
        attrs.append(Attribute("postgres.url", True, "the external database URL"))
    if isinstance(spec.cache, RedisSpec):
        attrs += [
            Attribute("redis.url", True, "redis:// (or rediss://) URL with credentials"),
            Attribute("redis.host", False, "Redis host name"),
            Attribute("redis.port", False, "Redis port"),
            Attribute("redis.password", True, "Redis password"),
            Attribute("redis.tls", False, "'true' when connections must use TLS"),
            Attribute("redis.scheme", False, "rediss when connections must use TLS, else redis: an address "
                      "without credentials is ${redis.scheme}://${redis.host}:${redis.port}"),
            Attribute("redis.ca_file", False, "path of the CA certificate that verifies the server (in-cluster "
                      "TLS); empty where the system trust store does (ElastiCache) or TLS is off"),
        ]
    elif isinstance(spec.cache, ExternalCacheSpec):
        attrs.append(Attribute("redis.url", True, "the external Redis URL"))
    for bucket_name, bucket in sorted(spec.storage.items()):
        base = f"storage.{bucket_name}"
        attrs += [
            Attribute(f"{base}.bucket", False, "bucket name"),
            Attribute(f"{base}.region", False, "bucket region"),
            Attribute(f"{base}.endpoint", False, "S3 API endpoint URL"),
        ]
        if bucket.access == "cdn":
            attrs.append(Attribute(f"{base}.public_url", False, "CDN base URL serving the bucket"))
    for service_name in sorted(spec.services):
        base = f"services.{service_name}"
        attrs += [
            Attribute(f"{base}.host", False, "internal host name"),
            Attribute(f"{base}.port", False, "service port"),
            Attribute(f"{base}.address", False, "internal host:port"),
            Attribute(f"{base}.url", False, "internal http://host:port"),
        ]
    for secret_name in sorted(spec.secrets):
        attrs.append(Attribute(f"secrets.{secret_name}", True, "the secret's value"))
    return {attr.ref: attr for attr in attrs}


def _is_sqlite(db: object) -> bool:
    return getattr(db, "engine", None) == "sqlite"


def is_secret_template(template: str, attributes: dict[str, Attribute]) -> bool:
    return any(attributes[ref].secret for ref in references(template) if ref in attributes)


def unknown_reference_message(ref: str, attributes: dict[str, Attribute]) -> str:
    """Explain an unknown reference and list what the app offers under the same prefix (or everywhere)."""
    prefix = ref.split(".", 1)[0]
    reasons = {
        "postgres": "the app declares no postgres database",
        "database": "the app declares no database",
        "redis": "the app declares no redis cache",
        "storage": "the app declares no such bucket",
        "services": "the app has no such service (workers have no address)",
        "secrets": "the app declares no such secret",
    }
    same_prefix = sorted(a for a in attributes if a.split(".", 1)[0] == prefix)
    if same_prefix:
        reason = f"unknown attribute; available under '{prefix}': {', '.join(same_prefix)}"
    else:
        reason = reasons.get(prefix, f"'{prefix}' is not a binding namespace")
        namespaces = sorted({a.split(".", 1)[0] for a in attributes})
        reason += f"; available namespaces: {', '.join(namespaces)}"
    return f"unknown reference ${{{ref}}}: {reason}"
