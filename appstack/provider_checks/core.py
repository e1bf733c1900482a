"""The pieces every provider check shares: findings, value constraints and walking input paths."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..synth import UNKNOWN, PlanResource, Secret


@dataclass(frozen=True, order=True)
class Finding:
    """One input of one planned resource that the provider's API would reject."""

    resource: str  # "<type token> <logical name>"
    path: str  # where in the inputs, e.g. "ingress[0].description" or "metadata.name"
    message: str
    source: str = ""  # the documentation (or botocore shape) the constraint comes from

    def __str__(self) -> str:
        where = f"{self.resource} {self.path}" if self.path else self.resource
        cited = f" [{self.source}]" if self.source else ""
        return f"{where}: {self.message}{cited}"


def resource_label(resource: PlanResource) -> str:
    return f"{resource.type} {resource.name}"


@dataclass(frozen=True)
class Constraint:
    """A rule one value must satisfy; `check` returns what is wrong, or None."""

    test: Callable[[Any], str | None]
    source: str = ""

    def check(self, value: Any) -> str | None:
        return self.test(value)


def length(
    minimum: int | None = None, maximum: int | None = None, source: str = "", *, skip_empty: bool = False
) -> Constraint:
    def test(value: Any) -> str | None:
        if not isinstance(value, (str, list, dict)) or (skip_empty and not value):
            return None
        size = len(value)
        unit = "characters" if isinstance(value, str) else "items"
        if minimum is not None and size < minimum:
            return f"has {size} {unit}; at least {minimum} required"
        if maximum is not None and size > maximum:
            return f"has {size} {unit}; at most {maximum} allowed"
        return None

    return Constraint(test, source)


def size_bytes(maximum: int, source: str = "") -> Constraint:
    def test(value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        size = len(value.encode())
        return f"is {size} bytes; at most {maximum} allowed" if size > maximum else None

    return Constraint(test, source)


def pattern(regex: str, meaning: str, source: str = "", *, flags: int = 0) -> Constraint:
    compiled = re.compile(regex, flags)

    def test(value: Any) -> str | None:
        if isinstance(value, str) and not compiled.fullmatch(value):
            return f"must be {meaning}"
        return None

    return Constraint(test, source)


def forbid(regex: str, meaning: str, source: str = "") -> Constraint:
    """The value must not match `regex` anywhere (search, not full match)."""
    compiled = re.compile(regex)

    def test(value: Any) -> str | None:
        if isinstance(value, str) and compiled.search(value):
            return f"must not {meaning}"
        return None

    return Constraint(test, source)


def one_of(values: list[Any] | tuple[Any, ...], source: str = "") -> Constraint:
    allowed = tuple(values)

    def test(value: Any) -> str | None:
        if value not in allowed:
            shown = ", ".join(map(str, allowed[:12])) + (", ..." if len(allowed) > 12 else "")
            return f"must be one of {shown}"
        return None

    return Constraint(test, source)


def number(minimum: float | None = None, maximum: float | None = None, source: str = "") -> Constraint:
    def test(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if minimum is not None and value < minimum:
            return f"is {value}; at least {minimum:g} required"
        if maximum is not None and value > maximum:
            return f"is {value}; at most {maximum:g} allowed"
        return None

    return Constraint(test, source)


def predicate(test: Callable[[Any], bool], message: str, source: str = "") -> Constraint:
    return Constraint(lambda value: None if test(value) else message, source)


@dataclass(frozen=True)
class Located:
    """A value found at a path of a resource's inputs."""

    path: str
    value: Any
    secret: bool = False


def is_unknown(value: Any) -> bool:
    """Offline plans carry unknown values (outputs of other resources); they are never checked."""
    return value == UNKNOWN or (isinstance(value, str) and UNKNOWN in value)


def walk(inputs: dict[str, Any], path: str) -> Iterator[Located]:
    """Every value at `path` of `inputs`.

    A path is dot-separated keys; `key[]` iterates a list, `key{}` a map's values, `key{k}` a map's keys,
    `key@json` parses a JSON string first (then `[]`/`{}` may follow). Absent keys yield nothing.
    """
    yield from _walk(inputs, path.split(".") if path else [], "", False)


_SEGMENT = re.compile(r"^(?P<key>[^\[\]{}@]*)(?P<json>@json)?(?P<each>\[\]|\{\}|\{k\})?$")


def _walk(value: Any, parts: list[str], where: str, secret: bool) -> Iterator[Located]:
    if isinstance(value, Secret):
        yield from _walk(value.value, parts, where, True)
        return
    if not parts:
        if value is not None and not is_unknown(value):
            yield Located(where, value, secret)
        return
    match = _SEGMENT.match(parts[0])
    if match is None:
        raise ValueError(f"bad input path segment {parts[0]!r}")
    key, as_json, each = match.group("key"), match.group("json"), match.group("each")
    current = value
    here = where
    if key:
        if not isinstance(current, dict) or key not in current:
            return
        current = current[key]
        here = f"{where}.{key}" if where else key
        if isinstance(current, Secret):
            current, secret = current.value, True
    if as_json:
        if not isinstance(current, str) or is_unknown(current):
            return
        try:
            current = json.loads(current)
        except json.JSONDecodeError:
            return
    rest = parts[1:]
    if each == "[]":
        for index, item in enumerate(current if isinstance(current, list) else []):
            yield from _walk(item, rest, f"{here}[{index}]", secret)
    elif each == "{}":
        for item_key, item in current.items() if isinstance(current, dict) else []:
            yield from _walk(item, rest, f"{here}.{item_key}", secret)
    elif each == "{k}":
        for item_key in current if isinstance(current, dict) else {}:
            yield from _walk(item_key, rest, f"{here}.{item_key}", secret)
    else:
        yield from _walk(current, rest, here, secret)


@dataclass(frozen=True)
class FieldRule:
    """Constraints on every value found at one input path."""

    path: str
    constraints: tuple[Constraint, ...] = field(default_factory=tuple)


def apply_rules(resource: PlanResource, rules: list[FieldRule], inputs: dict[str, Any] | None = None) -> list[Finding]:
    findings = []
    label = resource_label(resource)
    for rule in rules:
        for located in walk(resource.inputs if inputs is None else inputs, rule.path):
            for constraint in rule.constraints:
                problem = constraint.check(located.value)
                if problem:
                    shown = "(secret)" if located.secret else _abbreviate(located.value)
                    findings.append(Finding(label, located.path, f"{shown} {problem}", constraint.source))
    return findings


def _abbreviate(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = text if len(text) <= limit else f"{text[: limit - 20]}...({len(text)} chars)"
    return repr(text) if isinstance(value, str) else text
