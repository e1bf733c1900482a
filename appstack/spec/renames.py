"""Renames that replace nothing: a renamed workload (service, worker, job, schedule) or bucket keeps its name.

A Kubernetes object, an ECS service, an S3 bucket cannot be renamed in place; a new name would be a
new resource (and a new, empty bucket). So `renamed_from` makes the spec's new name what the spec
uses (its key, the `${services.<new>...}` and `${storage.<new>...}` references, a SQLite database's
`service`) while the app is deployed with the old name everywhere: the same URNs, the same physical
names, nothing to alias and nothing replaced. The rewrite happens on the validated document, so
errors name what the user wrote.
"""

from __future__ import annotations

import re
from typing import Any

WORKLOADS = ("services", "workers", "jobs", "schedules")
BUCKETS = "storage"
_REFERENCE = re.compile(r"(?<!\$)\$\{(services|storage)\.([a-z0-9-]+)\.")


def renames(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{"services": {new: old}, ..., "storage": {new: old}} of the entities that declare renamed_from."""
    out: dict[str, dict[str, str]] = {}
    for section in (*WORKLOADS, BUCKETS):
        entries = document.get(section)
        for name, body in (entries.items() if isinstance(entries, dict) else ()):
            if isinstance(body, dict) and isinstance(body.get("renamed_from"), str):
                out.setdefault(section, {})[name] = body["renamed_from"]
    return out


def deployed_document(document: dict[str, Any]) -> dict[str, Any] | None:
    """The document as deployed (old names), or None when nothing is renamed."""
    found = renames(document)
    if not found:
        return None
    out = dict(document)
    for section, mapping in found.items():
        out[section] = {mapping.get(name, name): {k: v for k, v in body.items() if k != "renamed_from"}
                        if name in mapping else body
                        for name, body in document[section].items()}
    bindable = {"services": found.get("services", {}), "storage": found.get(BUCKETS, {})}

    def rewrite(value: Any) -> Any:
        if isinstance(value, str):
            return _REFERENCE.sub(
                lambda m: f"${{{m[1]}.{bindable[m[1]].get(m[2], m[2])}.", value)
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    out = rewrite(out)
    database = out.get("database")
    if isinstance(database, dict) and database.get("service") in found.get("services", {}):
        out["database"] = {**database, "service": found["services"][database["service"]]}
    return out
