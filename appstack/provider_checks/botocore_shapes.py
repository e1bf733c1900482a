"""Constraints the AWS API models (botocore's service definitions) state for one operation input.

`shape("iam", "CreateRole", "RoleName")` gives the member's documented min/max length, pattern and enum:
exactly what the AWS SDKs validate against. Loading botocore's models takes seconds (EC2's alone is
megabytes), so the members the rules use are extracted once into botocore_shapes.json, shipped with
the package; regenerate it after changing the rules or upgrading botocore with

    uv run python -m appstack.provider_checks.botocore_shapes

and the test suite checks it against the installed botocore. Patterns in the models use Java regex
syntax; the few Unicode classes they use are translated for Python's `re`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from .core import Constraint, length, number, one_of, pattern

TABLE = "botocore_shapes.json"
# Java's Unicode classes as Python character-class fragments (the models use them inside and outside [...]).
_UNICODE_CLASSES = {
    r"\p{L}": "a-zA-Z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff",
    r"\p{Z}": " \u00a0\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
    r"\p{N}": "0-9\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\uff10-\uff19",
    r"\p{Print}": " -~\u00a0-\uffff",
}


def java_regex(text: str) -> str:
    """A botocore (Java) pattern as a Python regex."""
    out, depth, index = [], 0, 0
    while index < len(text):
        for java, fragment in _UNICODE_CLASSES.items():
            if text.startswith(java, index):
                out.append(fragment if depth else f"[{fragment}]")
                index += len(java)
                break
        else:
            char = text[index]
            if char == "\\":
                out.append(text[index : index + 2])
                index += 2
                continue
            depth += {"[": 1, "]": -1}.get(char, 0)
            out.append(char)
            index += 1
    return "".join(out)


def key(service: str, operation: str, member_path: str) -> str:
    return f"{service} {operation} {member_path}"


@cache
def _table() -> dict[str, dict[str, Any]]:
    return json.loads((resources.files(__package__) / TABLE).read_text())["shapes"]


# Set by `write_table` to read botocore itself and record every member the rules use.
_live: dict[str, dict[str, Any]] | None = None


@cache
def shape(service: str, operation: str, member_path: str) -> tuple[Constraint, ...]:
    """The constraints of one input member; `member_path` uses `.` and `[]` (list items)."""
    name = key(service, operation, member_path)
    if _live is not None:
        _live[name] = live_metadata(service, operation, member_path)
    meta = _live[name] if _live is not None else _table().get(name)
    if meta is None:
        raise LookupError(f"{name} is not in {TABLE}; regenerate it: python -m {__name__}")
    return _constraints(meta, f"botocore {name}")


def _constraints(meta: dict[str, Any], source: str) -> tuple[Constraint, ...]:
    constraints: list[Constraint] = []
    kind = meta["type"]
    if kind in ("list", "map"):
        # Providers leave an empty list or map out of the request, so a minimum applies to non-empty ones.
        if "min" in meta or "max" in meta:
            constraints.append(length(max(1, meta.get("min", 1)), meta.get("max"), source, skip_empty=True))
    elif kind in ("string", "blob"):
        if "min" in meta or "max" in meta:
            constraints.append(length(meta.get("min"), meta.get("max"), source))
    elif "min" in meta or "max" in meta:
        constraints.append(number(meta.get("min"), meta.get("max"), source))
    if "pattern" in meta:
        constraints.append(pattern(java_regex(meta["pattern"]), f"matching {meta['pattern']}", source))
    if "enum" in meta:
        constraints.append(one_of(meta["enum"], source))
    if not constraints:
        raise LookupError(f"{source} states no constraint; use a documented one from aws_constraints")
    return tuple(constraints)


@cache
def _service_model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def live_metadata(service: str, operation: str, member_path: str) -> dict[str, Any]:
    """The member's constraints as the installed botocore states them."""
    member = _service_model(service).operation_model(operation).input_shape
    for part in member_path.split("."):
        member = member.members[part.removesuffix("[]")]
        if part.endswith("[]"):
            member = member.member
    meta = {k: member.metadata[k] for k in ("min", "max", "pattern") if k in member.metadata}
    enum = getattr(member, "enum", None)
    return {"type": member.type_name, **meta, **({"enum": list(enum)} if enum else {})}


def write_table() -> dict[str, Any]:
    """Re-extract every member the rules use from the installed botocore (see the module docstring)."""
    import importlib
    import sys

    import botocore

    global _live
    _live = {}
    shape.cache_clear()
    try:
        rules = f"{__package__}.aws_rules"
        importlib.reload(sys.modules[rules]) if rules in sys.modules else importlib.import_module(rules)
        recorded = dict(sorted(_live.items()))
    finally:
        _live = None
        shape.cache_clear()
    return {"botocore": botocore.__version__, "shapes": recorded}


if __name__ == "__main__":
    from pathlib import Path

    from appstack.provider_checks import botocore_shapes  # this module as the rules import it, not __main__

    document = botocore_shapes.write_table()
    target = Path(__file__).with_name(TABLE)
    target.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"{target}: {len(document['shapes'])} members from botocore {document['botocore']}")
