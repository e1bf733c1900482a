"""Heuristics that recognise credentials by name or by shape of the value.

Shared by the ECS environment rule and the stack-output rule. Messages built from
these never include the value itself.
"""

from __future__ import annotations

import re
from typing import Any

# Names that announce a credential (matched on the upper-cased name).
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL")
# ...unless the name says the value only points at the credential.
REFERENCE_SUFFIX = re.compile(r"(_|^)(ARN|ID|NAME|FILE|PATH|REF)$")

SECRET_VALUE_SHAPES = (
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a PEM private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a URL with an embedded password", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a Stripe live key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{10,}")),
    ("a JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
)


def _words(name: str) -> str:
    # camelCase -> CAMEL_CASE so stack outputs like dbPassword match too.
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper().replace("-", "_")


def name_looks_secret(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    words = _words(name)
    return bool(SECRET_NAME.search(words)) and not REFERENCE_SUFFIX.search(words)


def value_secret_kind(value: Any) -> str | None:
    """What kind of credential ``value`` looks like, or None."""
    if not isinstance(value, str):
        return None
    for kind, shape in SECRET_VALUE_SHAPES:
        if shape.search(value):
            return kind
    return None
