"""Heuristics that recognise credentials by name or by shape of the value.

Shared by the ECS environment rule and the stack-output rule. Messages built from
these never include the value itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from .model import Resource

# Names that announce a credential (matched on the upper-cased name).
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL")
# Whole words that announce one: DB_PASS, SMTP_PWD, STRIPE_SK, PASSWORD_SALT.
SECRET_WORDS = {"PASS", "PWD", "SK", "SALT", "PEPPER"}
# A last word KEY(S) is a key (ENCRYPTION_KEY, STRIPE_KEY, MASTER_KEY) unless a word before
# it says the key is public by design (STRIPE_PUBLISHABLE_KEY, RECAPTCHA_SITE_KEY).
KEY_WORDS = {"KEY", "KEYS"}
PUBLIC_KEY_WORDS = {"PUBLIC", "PUBLISHABLE", "PUB", "SITE"}
# ...unless the name says the value only points at the credential (or configures it):
# *_KEY_ID, *_SECRET_ARN, *_TOKEN_URL, *_TOKEN_TTL. The value checks still apply to these.
REFERENCE_SUFFIX = re.compile(
    r"(_|^)(ARN|ID|IDS|NAME|FILE|PATH|REF|URL|URI|ENDPOINT|HOST|PORT|TTL|LENGTH|ALGORITHM|MINUTES|SECONDS)$"
)

SECRET_VALUE_SHAPES = (
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a PEM private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    # user:password@ and :password@ (an empty user, as in rediss://:token@host)
    ("a URL with an embedded password", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@", re.IGNORECASE)),
    # ?password=..., &pwd=..., and libpq's "host=db password=..." keyword form
    (
        "a connection string with a credential parameter",
        re.compile(
            r"(^|[?&;\s])(password|passwd|pwd|pass|sslpassword|secret|client_secret|token|access_token|"
            r"auth_token|api_?key)=[^&;\s#]+",
            re.IGNORECASE,
        ),
    ),
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
    upper = _words(name)
    words = [w for w in upper.split("_") if w]
    if not words or REFERENCE_SUFFIX.search(upper):
        return False
    key = words[-1] in KEY_WORDS and not PUBLIC_KEY_WORDS & set(words[:-1])
    return bool(SECRET_NAME.search(upper)) or bool(SECRET_WORDS & set(words)) or key


def value_secret_kind(value: Any) -> str | None:
    """What kind of credential ``value`` looks like, or None."""
    if not isinstance(value, str):
        return None
    for kind, shape in SECRET_VALUE_SHAPES:
        if shape.search(value):
            return kind
    return None


def plaintext_env_secrets(variables: Any) -> Iterator[tuple[Any, str | None]]:
    """(name, None) for each env entry named like a secret with a plain value, (name, kind) for one whose
    value looks like a credential. ECS ``environment`` and Kubernetes ``env`` share the {name, value} shape."""
    for variable in variables if isinstance(variables, list) else []:
        if not isinstance(variable, dict):
            continue
        name, value = variable.get("name"), variable.get("value")
        if not isinstance(value, str) or not value:
            continue  # absent, empty, or opaque (normalized to a marker): never a finding
        if name_looks_secret(name):
            yield name, None
        elif kind := value_secret_kind(value):
            yield name, kind


def secrets_in_plaintext(r: Resource, kind: str, explained: Iterable[str] = ()) -> Iterator[str]:
    """One finding per input path the program marked secret, beyond those a caller already reported.

    Only for resources whose every field is readable by whoever may read the resource (an ECS task
    definition, a Deployment, a ConfigMap): there a Pulumi secret is encrypted in state but not at the
    place it is used.
    """
    for path in sorted(r.secrets - set(explained)):
        yield f"{path} holds a Pulumi secret, which the {kind} stores in plaintext."
