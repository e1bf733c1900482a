"""Result types of a plan diff."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SECRET = "[secret]"
UNKNOWN = "[unknown]"
PLAN_FORMAT = "appstack.plan/v1"
ACTIONS = ("create", "update", "replace", "delete")


class PlanFormatError(ValueError):
    """The document is not an appstack plan."""


@dataclass
class PropertyChange:
    path: str
    kind: str  # add | remove | update | secret (both sides masked: cannot compare)
    old: Any = None  # display-safe: secrets already replaced by "[secret]"
    new: Any = None
    secret: bool = False
    note: str = ""
    replaces: bool = False
    ignored: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new,
                "secret": self.secret, "note": self.note, "replaces": self.replaces,
                "ignored": self.ignored}


@dataclass
class ResourceDiff:
    urn: str
    type: str
    name: str
    action: str  # create | update | replace | delete | unchanged
    stateful: bool = False
    old_urn: str | None = None
    changes: list[PropertyChange] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    what: str = ""

    @property
    def hazard(self) -> bool:
        return self.stateful and self.action in ("replace", "delete")

    @property
    def effective_changes(self) -> list[PropertyChange]:
        return [c for c in self.changes if not c.ignored and c.kind != "secret"]

    def to_dict(self) -> dict[str, Any]:
        return {"urn": self.urn, "old_urn": self.old_urn, "type": self.type, "name": self.name,
                "action": self.action, "stateful": self.stateful, "hazard": self.hazard,
                "at_risk": self.what if self.hazard else "",
                "replace_reasons": list(self.replace_reasons), "notes": list(self.notes),
                "changes": [c.to_dict() for c in self.changes]}


@dataclass
class PlanDiff:
    base: dict[str, Any]
    head: dict[str, Any]
    resources: list[ResourceDiff]
    unchanged: int
    output_changes: list[PropertyChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    major_upgrades: list[Any] = field(default_factory=list)  # upgrades.MajorUpgrade, high risk every one

    @property
    def unstated_upgrades(self) -> list[Any]:
        return [u for u in self.major_upgrades if not u.stated]

    @property
    def counts(self) -> dict[str, int]:
        out = {a: 0 for a in ACTIONS}
        for r in self.resources:
            if r.action in out:
                out[r.action] += 1
        out["unchanged"] = self.unchanged
        return out

    @property
    def changed(self) -> list[ResourceDiff]:
        return [r for r in self.resources if r.action != "unchanged"]

    @property
    def stateful_hazards(self) -> list[ResourceDiff]:
        return [r for r in self.resources if r.hazard]

    @property
    def has_changes(self) -> bool:
        return bool(self.changed or self.output_changes)

    @property
    def uncomparable_secrets(self) -> int:
        return sum(1 for r in self.resources for c in r.changes if c.kind == "secret")

    def to_dict(self) -> dict[str, Any]:
        return {"format": "appstack.plandiff/v1", "base": self.base, "head": self.head,
                "summary": self.counts, "stateful_hazards": [r.urn for r in self.stateful_hazards],
                "warnings": list(self.warnings), "uncomparable_secrets": self.uncomparable_secrets,
                "resources": [r.to_dict() for r in self.resources if r.action != "unchanged" or r.changes],
                "outputs": [c.to_dict() for c in self.output_changes],
                "major_upgrades": [u.to_dict() for u in self.major_upgrades]}
