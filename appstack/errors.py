"""Config errors: every problem named by its path, all reported at once, never a traceback."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

# Discriminated unions put the chosen tag into error locations; users never write it, so drop it.
_UNION_FIELDS = {"database", "cache"}
_ENGINES = {"database": "postgres, sqlite, external", "cache": "redis, external"}
SHOWN_MAX = 60  # characters of a value or key quoted in a message; longer ones are abbreviated


def shorten(text: str, limit: int = SHOWN_MAX) -> str:
    """A value as a message quotes it: whole when short, else its start, an ellipsis and its length."""
    return text if len(text) <= limit else f"{text[: limit - 20]}...({len(text)} characters)"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """Raised before any resource is registered when the stack's configuration is invalid."""

    def __init__(self, problems: list[Problem], *, title: str = "Invalid appstack configuration", hint: str = ""):
        self.problems = sorted(set(problems))
        self.title = title
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        lines = [f"{self.title} ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  - {problem}" for problem in self.problems]
        if self.hint:
            lines += ["", self.hint]
        return "\n".join(lines)


def join_path(*parts: Any) -> str:
    path = ""
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def problems_from_validation(error: ValidationError, *, prefix: str, model: type[BaseModel]) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        is_key = item["loc"][-1:] == ("[key]",)  # a dict key failed its own type, not its value
        loc = [shorten(p) if isinstance(p, str) else p
               for p in _user_location(item["loc"][:-1] if is_key else item["loc"])]
        message = _message(item, model, loc)
        problems.append(Problem(join_path(prefix, *loc), f"key {message}" if is_key else message))
    return problems


def _user_location(loc: tuple[Any, ...]) -> list[Any]:
    cleaned: list[Any] = []
    for part in loc:
        if cleaned and cleaned[-1] in _UNION_FIELDS and isinstance(part, str) and part in _TAGS:
            continue
        if isinstance(part, str) and part.startswith(("function-", "union[")):
            continue
        cleaned.append(part)
    return cleaned


_TAGS = {"postgres", "sqlite", "external", "redis"}


def _message(item: dict[str, Any], model: type[BaseModel], loc: list[Any]) -> str:
    kind = item["type"]
    given = item.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        suffix = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"unknown key '{loc[-1]}'{suffix}"
    if kind == "union_tag_not_found":
        engines = _ENGINES.get(str(loc[-1]) if loc else "", "")
        return f"engine is required ({engines})" if engines else "engine is required"
    if kind == "missing":
        return "required; this field has no default"
    if kind == "none_required":
        description = _field_description(model, loc)
        return f"not allowed here{': ' + description if description else ''} (got {given!r})"
    message = item["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind == "string_pattern_mismatch":
        from .spec.base import PATTERN_HELP

        pattern = item.get("ctx", {}).get("pattern", "")
        if pattern in PATTERN_HELP:
            message = f"must be {PATTERN_HELP[pattern]}"
        else:
            description = _field_description(model, loc)
            message = f"does not match {pattern}" + (f" ({description})" if description else "")
    elif kind == "union_tag_invalid":
        context = item.get("ctx", {})
        message = f"unknown engine {shorten(repr(context.get('tag')))}; expected one of {context.get('expected_tags')}"
    else:
        message = message[0].lower() + message[1:]
    if kind != "missing" and not isinstance(given, (dict, list)) and kind not in ("value_error", "union_tag_invalid"):
        message += f" (got {shorten(repr(given))})"
    return shorten(message, 400)


def _resolve(annotation: Any, key: Any) -> Any:
    """The annotation reached by one step (a field name, a dict key or a list index)."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if key in (name, field.alias):
                return field.annotation
        return None
    origin = get_origin(annotation)
    if origin in (dict, list, typing.Dict, typing.List):  # noqa: UP006
        return get_args(annotation)[-1]
    if origin in (Union, types.UnionType):
        for option in get_args(annotation):
            resolved = _resolve(option, key)
            if resolved is not None:
                return resolved
    return None


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return _unwrap(options[0])
    return annotation


def _walk(model: type[BaseModel], loc: list[Any]) -> Any:
    annotation: Any = model
    for key in loc:
        annotation = _resolve(annotation, key)
        if annotation is None:
            return None
    return annotation


def _allowed_keys(model: type[BaseModel], loc: list[Any]) -> list[str]:
    target = _unwrap(_walk(model, loc))
    options = get_args(target) if get_origin(target) in (Union, types.UnionType) else (target,)
    keys: set[str] = set()
    for option in options:
        option = _unwrap(option)
        if isinstance(option, type) and issubclass(option, BaseModel):
            keys |= {field.alias or name for name, field in option.model_fields.items()}
    return sorted(keys)


def _field_description(model: type[BaseModel], loc: list[Any]) -> str:
    if not loc:
        return ""
    parent = _unwrap(_walk(model, loc[:-1]))
    options = get_args(parent) if get_origin(parent) in (Union, types.UnionType) else (parent,)
    for option in options:
        option = _unwrap(option)
        if isinstance(option, type) and issubclass(option, BaseModel):
            for name, field in option.model_fields.items():
                if loc[-1] in (name, field.alias) and field.description:
                    return field.description
    return ""
