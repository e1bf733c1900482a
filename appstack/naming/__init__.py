"""Names the platforms derive from the spec: within every provider limit and character set, stable, unique.

A name that fits its limit is used as it is, so every name already released stays byte-identical. A
longer one is shortened deterministically: its start, '-', and 8 hex digits of a hash of the whole name
(`shorten`), so it is the same on every run and two long inputs sharing a prefix still differ. Names the
provider generates from a resource's logical name (pulumi-aws autonaming: the logical name, '-' and 7
random characters) get their logical name shortened to leave room for that suffix (`autonamed`).
Names two spec entities would share, and names no shortening can make valid, are config errors
(appstack.naming.checks).
"""

from __future__ import annotations

import hashlib
import re

HASH_LENGTH = 8
# pulumi-aws appends '-' and 7 random characters to the logical name of an autonamed resource.
AUTONAME_SUFFIX_LENGTH = 8


def digest(text: str, length: int = HASH_LENGTH) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def shorten(name: str, limit: int) -> str:
    """`name` if it fits in `limit` characters, else its start, '-' and a hash of the whole name."""
    if len(name) <= limit:
        return name
    head = name[: limit - HASH_LENGTH - 1].rstrip("-._")
    return f"{head}-{digest(name)}"


def autonamed(logical: str, physical_limit: int) -> str:
    """The logical name of a resource whose physical name the provider generates from it."""
    return shorten(logical, physical_limit - AUTONAME_SUFFIX_LENGTH)


def dns_label(text: str, limit: int = 63) -> str:
    """Lowercase letters, digits and '-' only (stack names may hold '_' or '.'), at most `limit` characters."""
    label = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "x"
    return shorten(label, limit).strip("-")


def disambiguate(names: dict[str, str], limit: int, taken: frozenset[str] | set[str] = frozenset()) -> dict[str, str]:
    """key -> name, where keys that would share a name (or take one of `taken`) get a hash of their key.

    Names already unique stay as they are; only the colliding ones change (they could never deploy).
    """
    owners: dict[str, list[str]] = {}
    for key, name in names.items():
        owners.setdefault(name, []).append(key)
    result = {}
    for key, name in names.items():
        unique = len(owners[name]) == 1 and name not in taken
        result[key] = shorten(name, limit) if unique else f"{name[: limit - HASH_LENGTH - 1]}-{digest(key)}"
    return result
