"""Value handling shared by every rule.

Rules never touch engine objects directly: inputs are first normalized into plain
dicts/lists where a value that is unknown during preview becomes ``UNKNOWN`` and a
secret whose plaintext is not available becomes ``SECRET``. Both are "opaque": a
rule that meets an opaque value must not report a violation for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any


class _Marker:
    __slots__ = ("_label",)

    def __init__(self, label: str) -> None:
        self._label = label

    def __repr__(self) -> str:
        return self._label


UNKNOWN: Any = _Marker("UNKNOWN")
SECRET: Any = _Marker("SECRET")

# How a plan JSON file spells opaque values (the appstack.plan/v1 contract).
UNKNOWN_TEXT = "[unknown]"
SECRET_TEXT = "[secret]"

# pulumi_policy replaces unknown preview values with these sentinel strings (see
# pulumi_policy/proxy.py); copied as facts so the rules import without the SDK.
PULUMI_UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


class SecretValue:
    """In-memory wrapper for a secret value (synthesis may hand these to the runner).

    ``value`` may be None when the plaintext is not available.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any = None) -> None:
        self.value = value

    def __repr__(self) -> str:  # never print the plaintext
        return "SecretValue([secret])"


def is_secret_wrapper(value: Any) -> bool:
    """SecretValue, pulumi_policy.Secret, or the synthesis' own Secret: anything named like a
    secret wrapper that carries ``value`` (duck-typed so the rules need neither SDK)."""
    return type(value).__name__ in {"Secret", "SecretValue"} and hasattr(value, "value")


def _raw_target(value: Any) -> Any:
    """Unwrap pulumi_policy's unknown-checking / secret-preserving proxies without
    triggering their "unknown during preview" exception."""
    if type(value).__name__ in {"_DictProxy", "_ListProxy", "_DictSecretsProxy", "_ListSecretsProxy"}:
        return value["__target"]
    return value


def normalize(value: Any, *, reveal_secrets: bool = False) -> Any:
    """Return ``value`` as plain dict/list/scalars with UNKNOWN/SECRET markers.

    With ``reveal_secrets`` a wrapped secret whose plaintext is present is replaced by
    that plaintext (resource rules need to look inside, e.g. an ECS environment);
    otherwise every secret becomes ``SECRET`` (stack outputs: secrecy is the point).
    """
    value = _raw_target(value)
    if value is UNKNOWN or value is SECRET:
        return value
    if is_secret_wrapper(value):
        if reveal_secrets and value.value is not None and value.value != SECRET_TEXT:
            return normalize(value.value, reveal_secrets=True)
        return SECRET
    if isinstance(value, str):
        if value == UNKNOWN_TEXT or value in PULUMI_UNKNOWN_SENTINELS:
            return UNKNOWN
        if value == SECRET_TEXT:
            return SECRET
        return value
    if isinstance(value, Mapping):
        return {str(k): normalize(v, reveal_secrets=reveal_secrets) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [normalize(v, reveal_secrets=reveal_secrets) for v in value]
    return value


def secret_paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths ("spec.template.spec.containers.0.env.1.value") where ``value`` holds a secret:
    a secret wrapper (revealed or not) or the plan's "[secret]" text. normalize() reveals secrets to
    resource rules; these paths keep the fact that the program marked the value secret."""
    value = _raw_target(value)
    if value is SECRET or is_secret_wrapper(value) or (isinstance(value, str) and value == SECRET_TEXT):
        yield prefix
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from secret_paths(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        for index, item in enumerate(value):
            yield from secret_paths(item, f"{prefix}.{index}" if prefix else str(index))


def is_opaque(value: Any) -> bool:
    """True when the value cannot be judged (unknown in preview, or hidden secret)."""
    return value is UNKNOWN or value is SECRET


def lookup(obj: Any, path: str) -> Any:
    """Read a dotted path ("spec.template.spec", "ingress.0.cidrBlocks").

    Returns None when the path is absent and UNKNOWN when an opaque value sits on
    the way, so callers can tell "not set" from "not known yet".
    """
    current = obj
    for part in path.split("."):
        if is_opaque(current):
            return UNKNOWN
        if isinstance(current, dict):
            if part not in current:
                return None
            current = current[part]
        elif isinstance(current, list) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return None
            current = current[index]
        else:
            return None
    return current


def must_be_true_but_is_not(value: Any) -> bool:
    """A required boolean flag that is known and not True (absent counts as off)."""
    return not is_opaque(value) and value is not True


def items_of(value: Any) -> list[Any]:
    """The elements of a list-valued property; opaque or absent gives an empty list."""
    if isinstance(value, list):
        return value
    return []


def as_strings(value: Any) -> list[Any]:
    """IAM-style fields accept either one string or a list of strings."""
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def parse_json_document(value: Any) -> Any:
    """Parse a JSON-string property (IAM policies, ECS containerDefinitions).

    Returns UNKNOWN when the text is opaque or not valid JSON: a malformed document
    is the provider's problem, not a security finding.
    """
    if is_opaque(value) or value is None:
        return UNKNOWN if value is not None else None
    if isinstance(value, str):
        try:
            return normalize(json.loads(value))
        except ValueError:
            return UNKNOWN
    return value


def policy_statements(document: Any) -> Iterator[dict[str, Any]]:
    """Statements of an IAM policy document, whatever shape "Statement" has."""
    if not isinstance(document, dict):
        return
    statements = document.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement, dict):
            yield statement


def as_int(value: Any) -> int | None:
    """Numbers arrive as int, float (protobuf Struct) or numeric strings."""
    if isinstance(value, bool) or is_opaque(value) or value is None:
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None
