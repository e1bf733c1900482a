"""Property paths: parsing, formatting and matching.

A path is a tuple of tokens: ``str`` for object keys, ``int`` for list indices,
``JSON`` for "the string at this point was parsed as JSON" and ``"*"`` as a
wildcard (patterns only).  The text form follows Pulumi's property-path syntax
(``spec.containers[0].image``, ``metadata.labels["app.kubernetes.io/name"]``)
so ``ignoreChanges`` / ``replaceOnChanges`` entries can be matched directly.
"""

from __future__ import annotations

import json
import re

JSON = object()  # marker token: the value at this point is a JSON-encoded string
WILDCARD = "*"

Token = str | int | object
Path = tuple[Token, ...]

_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def format_path(path: Path) -> str:
    out = ""
    for tok in path:
        if tok is JSON:
            out += "(json)"
        elif isinstance(tok, int):
            out += f"[{tok}]"
        elif tok == WILDCARD:
            out += "[*]" if out else "*"
        elif _IDENT.fullmatch(str(tok)):
            out += f".{tok}" if out else str(tok)
        else:
            out += "[" + json.dumps(tok) + "]"
    return out


def parse_path(text: str) -> Path:
    """Parse ``a.b[0]["x.y"][*].c`` into tokens.  Lenient: unknown syntax ends a key."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == ".":
            i += 1
            continue
        if ch == "[":
            end = i + 1
            if end < n and text[end] == '"':
                j = end + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                try:
                    tokens.append(json.loads(text[end : j + 1]))
                except ValueError:
                    tokens.append(text[end + 1 : j])
                i = text.find("]", j) + 1 or n
                continue
            close = text.find("]", i)
            close = n if close < 0 else close
            inner = text[i + 1 : close].strip()
            tokens.append(int(inner) if inner.isdigit() else (WILDCARD if inner == "*" else inner))
            i = close + 1
            continue
        j = i
        while j < n and text[j] not in ".[":
            j += 1
        tokens.append(text[i:j])
        i = j
    return tuple(tokens)


def _strip_json(path: Path) -> Path:
    return tuple(t for t in path if t is not JSON)


def overlaps(changed: Path, pattern: Path) -> bool:
    """True when one path is a prefix of the other (wildcards match one token).

    A change at ``spec`` (whole subtree replaced) overlaps a pattern ``spec.selector``
    and a change at ``spec.selector.matchLabels.app`` overlaps it too.
    """
    a, b = _strip_json(changed), _strip_json(pattern)
    for x, y in zip(a, b, strict=False):
        if x == WILDCARD or y == WILDCARD:
            continue
        if x != y:
            return False
    return True


def covers(pattern: Path, changed: Path) -> bool:
    """True when ``pattern`` is ``changed`` or one of its ancestors (used for ignoreChanges)."""
    a, b = _strip_json(pattern), _strip_json(changed)
    return len(a) <= len(b) and overlaps(a, b)


def first_overlap(changed: Path, patterns: list[Path]) -> Path | None:
    for pat in patterns:
        if overlaps(changed, pat):
            return pat
    return None


def first_cover(changed: Path, patterns: list[Path]) -> Path | None:
    for pat in patterns:
        if covers(pat, changed):
            return pat
    return None
