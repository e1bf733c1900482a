"""Shared building blocks of the app spec: the strict base model, name types and resource quantities."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

# Single hyphens only: RDS and ElastiCache identifiers built from these names reject '--'.
DNS_LABEL = r"^[a-z](-?[a-z0-9])*$"
ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
HOSTNAME = r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$"


class Strict(BaseModel):
    """Every spec model rejects unknown keys and is immutable once validated; defaults pass the same
    validators as input (a default such as cpu "1" is normalized to "1000m" like a written one)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, validate_default=True)


# Names become Kubernetes object names, AWS resource names and DNS labels, so they share
# the strictest rule: a DNS label, short enough to leave room for prefixes and suffixes.
Name = Annotated[
    str, Field(pattern=DNS_LABEL, max_length=40, description="lowercase letters, digits and single '-', 1-40 chars")
]
EnvName = Annotated[str, Field(pattern=ENV_NAME, max_length=255)]


def _not_an_address(value: str) -> str:
    # A top-level domain is never all digits, so 10.0.0.1 matches the DNS pattern but is no host name:
    # ACM, Route 53 and cert-manager refuse to issue or alias it.
    if value.rsplit(".", 1)[-1].isdigit():
        raise ValueError(f"'{value}' is an IP address; give a DNS name such as app.example.com")
    return value


Hostname = Annotated[
    str,
    Field(pattern=HOSTNAME, max_length=253, description="a DNS name such as app.example.com"),
    AfterValidator(_not_an_address),
]
DNS_LABEL_63 = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"  # a Kubernetes namespace
# Kubernetes object names that are DNS-1123 subdomains (IngressClass, StorageClass, ClusterIssuer).
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
KubernetesName = Annotated[str, Field(pattern=DNS_SUBDOMAIN, max_length=253)]
# A URL path the ALB, Kubernetes probes and Prometheus all take: RFC 3986 path characters and a query.
HTTP_PATH = r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$"
HttpPath = Annotated[str, Field(pattern=HTTP_PATH, max_length=1024)]


def _absolute_path(value: str) -> str:
    if not value.startswith("/") or "//" in value or "/../" in value + "/":
        raise ValueError("must be an absolute path such as /app/data")
    return value.rstrip("/") or "/"


AbsolutePath = Annotated[str, AfterValidator(_absolute_path)]

_CPU = re.compile(r"^(\d+(\.\d+)?)(m?)$")
_MEMORY = re.compile(r"^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_MEMORY_FACTORS_MIB = {
    None: 1 / (1024 * 1024),
    "Ki": 1 / 1024,
    "Mi": 1,
    "Gi": 1024,
    "Ti": 1024 * 1024,
    "k": 1000 / (1024 * 1024),
    "M": 1000**2 / 1024**2,
    "G": 1000**3 / 1024**2,
    "T": 1000**4 / 1024**2,
}


def cpu_millicores(quantity: str) -> int:
    """Millicores of a normalized CPU quantity ("500m")."""
    return int(quantity.removesuffix("m"))


def memory_mib(quantity: str) -> int:
    """MiB of a normalized memory quantity ("512Mi")."""
    return int(quantity.removesuffix("Mi"))


def _normalize_cpu(value: object) -> str:
    """Accept 0.5, "0.5", "500m", 2, "2" and normalize to millicores ("500m")."""
    text = str(value).strip() if isinstance(value, (int, float, str)) and not isinstance(value, bool) else ""
    match = _CPU.match(text)
    if not match:
        raise ValueError("must be a CPU quantity such as 0.5, 2 or 500m")
    number = float(match.group(1))
    millicores = number if match.group(3) else number * 1000
    if millicores < 1 or millicores != int(millicores):
        raise ValueError("must be at least 1m and a whole number of millicores")
    return f"{int(millicores)}m"


def _normalize_memory(value: object) -> str:
    """Accept "512Mi", "1Gi", "2G" and normalize to whole MiB ("512Mi")."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    match = _MEMORY.match(text)
    if not match:
        raise ValueError("must be a memory quantity such as 512Mi, 1Gi or 2G")
    mib = float(match.group(1)) * _MEMORY_FACTORS_MIB[match.group(3)]
    if mib < 4:
        raise ValueError("must be at least 4Mi")
    return f"{round(mib)}Mi"


Cpu = Annotated[str, BeforeValidator(_normalize_cpu)]
Memory = Annotated[str, BeforeValidator(_normalize_memory)]

DURATION = r"^[1-9][0-9]*(s|m|h|d)$"
RETENTION = r"^[1-9][0-9]{0,3}[dwy]$"  # Prometheus durations in whole days (AMP keeps whole days)


# What each name pattern means, for error messages.
PATTERN_HELP = {
    DNS_LABEL: "a lowercase name of letters, digits and single '-', starting with a letter, at most 40 characters",
    ENV_NAME: "an upper-case name such as DATABASE_URL",
    HOSTNAME: "a lowercase DNS name such as app.example.com",
    DURATION: "a duration such as 30s, 5m or 1h",
    RETENTION: "a Prometheus duration in whole days, weeks or years, such as 30d, 2w or 1y",
    HTTP_PATH: "a URL path such as /healthz: '/' then letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ % / ?",
    DNS_SUBDOMAIN: "a Kubernetes object name: lowercase letters, digits, '-' and '.', such as nginx or gp3",
    r"^[a-z][a-z0-9_]{0,62}$": "an SQL name: a lowercase letter, then letters, digits or '_', at most 63 characters",
    r"^[a-z][a-z0-9_-]{0,62}$": "an extension name such as pg_trgm or uuid-ossp",
    DNS_LABEL_63: "a Kubernetes namespace name: lowercase letters, digits and '-', at most 63 characters",
}
Duration = Annotated[str, Field(pattern=DURATION, description="a duration such as 30s, 5m, 1h")]
