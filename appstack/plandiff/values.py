"""Leaf-level diff of input values, with secrets masked."""

from __future__ import annotations

import json
from typing import Any

from appstack_policies.secret_patterns import name_looks_secret, value_secret_kind

from . import rules
from .model import SECRET, UNKNOWN, PropertyChange
from .paths import JSON, Path, format_path


def _is_secret(value: Any) -> bool:
    return isinstance(value, str) and value == SECRET


# Pseudo type token for stack outputs: an output named like a secret is never shown.
OUTPUTS = "(outputs)"


def _sensitive(type_token: str, path: Path) -> bool:
    keys = [t for t in path if isinstance(t, str)]
    if keys and keys[-1] in rules.SENSITIVE_KEYS:
        return True
    if type_token == OUTPUTS and keys and name_looks_secret(keys[-1]):
        return True
    top = rules.SENSITIVE_TOP_LEVEL.get(type_token, frozenset())
    return bool(path) and path[0] in top


def _secret_siblings(*dicts: Any) -> frozenset[str]:
    """Keys holding a credential because of a sibling: the ``value`` of an environment entry
    ({"name": "API_KEY", "value": ...}, ECS and Kubernetes alike) whose name looks secret."""
    for d in dicts:
        if isinstance(d, dict) and "value" in d and name_looks_secret(d.get("name")):
            return frozenset({"value"})
    return frozenset()


def _looks_like_credential(value: Any) -> bool:
    """A plaintext value shaped like a credential (access key, PEM key, URL with password...)."""
    if not isinstance(value, str) or value in (SECRET, UNKNOWN) or _parse_json_container(value) is not None:
        return False  # JSON documents are diffed (and redacted) field by field instead
    return value_secret_kind(value) is not None


def redact(value: Any, type_token: str = "", path: Path = ()) -> Any:
    """Copy of ``value`` safe to print: sensitive subtrees become "[secret]"."""
    if _sensitive(type_token, path) and value is not None:
        return SECRET
    if isinstance(value, dict):
        hidden = _secret_siblings(value)
        return {k: SECRET if k in hidden and v is not None else redact(v, type_token, (*path, k))
                for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, list):
        return [redact(v, type_token, (*path, i)) for i, v in enumerate(value)]
    if _looks_like_credential(value):
        return SECRET
    parsed = _parse_json_container(value)
    if parsed is not None:  # a JSON document in a string (containerDefinitions, policies)
        safe = redact(parsed, type_token, (*path, JSON))
        return value if safe == parsed else json.dumps(safe, sort_keys=True)
    return value


def _parse_json_container(value: Any) -> Any:
    if not isinstance(value, str) or value in (SECRET, UNKNOWN):
        return None
    text = value.strip()
    if not text or text[0] not in "[{":
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) else None


def _contains_secret(value: Any) -> bool:
    if _is_secret(value):
        return True
    if isinstance(value, dict):
        return any(_contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secret(v) for v in value)
    return False


def diff_values(old: Any, new: Any, type_token: str = "", path: Path = ()) -> list[PropertyChange]:
    """Leaf-level differences between two input values; never exposes secret contents."""
    out: list[PropertyChange] = []
    _diff(old, new, type_token, path, out)
    return out


def _diff(old: Any, new: Any, tt: str, path: Path, out: list[PropertyChange]) -> None:
    p = format_path(path)
    if _is_secret(old) or _is_secret(new):
        if _is_secret(old) and _is_secret(new):
            out.append(PropertyChange(p, "secret", SECRET, SECRET, True, "secret, may have changed"))
        elif old is None or new is None:
            out.append(PropertyChange(p, "add" if old is None else "remove",
                                      None if old is None else SECRET, None if new is None else SECRET, True))
        else:
            out.append(PropertyChange(p, "update", SECRET, SECRET, True, "changed"))
        return
    if _sensitive(tt, path) or _looks_like_credential(old) or _looks_like_credential(new):
        _masked(old, new, path, out)
        return
    if old == new and not _contains_secret(old):
        return
    if old is None or new is None:
        kind = "add" if old is None else "remove"
        out.append(PropertyChange(p, kind, redact(old, tt, path), redact(new, tt, path),
                                  _contains_secret(old) or _contains_secret(new)))
        return
    if old == UNKNOWN or new == UNKNOWN:
        out.append(PropertyChange(p, "update", redact(old, tt, path), redact(new, tt, path),
                                  note="known after apply" if new == UNKNOWN else "was unknown"))
        return
    if isinstance(old, dict) and isinstance(new, dict):
        hidden = _secret_siblings(old, new)
        for key in sorted(set(old) | set(new)):
            if key in hidden:
                _masked(old.get(key), new.get(key), (*path, key), out)
            else:
                _diff(old.get(key), new.get(key), tt, (*path, key), out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            _diff(old[i] if i < len(old) else None, new[i] if i < len(new) else None, tt, (*path, i), out)
        return
    old_json, new_json = _parse_json_container(old), _parse_json_container(new)
    if old_json is not None and new_json is not None:
        _diff(old_json, new_json, tt, (*path, JSON), out)
        return
    out.append(PropertyChange(p, "update", redact(old, tt, path), redact(new, tt, path)))


def _masked(old: Any, new: Any, path: Path, out: list[PropertyChange]) -> None:
    """A change of a value that must not be shown: only whether it changed."""
    if old != new:
        kind = "add" if old is None else "remove" if new is None else "update"
        out.append(PropertyChange(format_path(path), kind, None if old is None else SECRET,
                                  None if new is None else SECRET, True, "changed"))
