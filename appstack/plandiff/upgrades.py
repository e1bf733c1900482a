"""Major version changes of data stores: always high risk, and refused unless the spec states them.

A data store's major version is read from each side's inputs (RDS and ElastiCache `engineVersion`,
the CloudNativePG image, the in-cluster StatefulSet's postgres or redis image). The head plan's
`upgrades` list holds what the spec states (`upgrade_from`); a change it does not state is a
hazard: the release gate (`--fail-on-stateful-replacement`) refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RDS = "aws:rds/instance:Instance"
ELASTICACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
CNPG = "kubernetes:postgresql.cnpg.io/v1:Cluster"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
APPLICATION = "appstack:app:Application"

# (type, engine) -> what the platform does with a stated upgrade
STATED = {
    (RDS, "postgres"): "RDS takes the manual snapshot `{snapshot}` first, then upgrades the instance in place "
    "at once (AllowMajorVersionUpgrade, ApplyImmediately; a parameter group of the new family replaces the "
    "old one). The database is unavailable while it upgrades and cannot be downgraded: restore the snapshot "
    "to go back",
    (ELASTICACHE, "redis"): "ElastiCache upgrades the replication group in place (a parameter group of the new "
    "family replaces the old one); it cannot be downgraded",
    (CNPG, "postgres"): "CloudNativePG backs the cluster up first (Backup `{backup}`), then stops it and "
    "upgrades the data directory in place with pg_upgrade on the new image; the database is down meanwhile "
    "and cannot be downgraded: recover from the backup to go back",
    (STATEFUL_SET, "redis"): "the pod restarts on the new image, which loads the older data files; it cannot "
    "be downgraded (an older server does not read newer files)",
    (STATEFUL_SET, "postgres"): "a PostgreSQL {new} server does not start on a {old} data directory: the pod "
    "crash-loops (the in-cluster StatefulSet cannot upgrade in place; see docs/operations.md)",
}
UNSTATED = {
    RDS: "RDS refuses a new major version unless the change allows it, so `pulumi up` fails",
    CNPG: "CloudNativePG would start its offline in-place upgrade with no backup taken first",
}


@dataclass
class MajorUpgrade:
    urn: str
    type: str
    name: str
    app: str
    store: str  # database | cache
    engine: str  # postgres | redis
    old: str
    new: str
    stated: bool
    what: str

    def to_dict(self) -> dict[str, Any]:
        return {"urn": self.urn, "type": self.type, "name": self.name, "app": self.app, "store": self.store,
                "engine": self.engine, "from": self.old, "to": self.new, "stated": self.stated, "what": self.what}

    def line(self) -> str:
        head = (f"{self.app} {self.store}: {self.engine} {self.old} -> {self.new} ({self.type} `{self.name}`)")
        return f"{head}, {'stated' if self.stated else 'NOT STATED'}: {self.what}"


def _major(text: Any) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    head = text.split(".")[0].split("-")[0]
    return head if head.isdigit() else None


def _image_tag(image: Any) -> tuple[str, str] | None:
    """(repository basename, tag) of an image reference, e.g. ('postgres', '16.10-bookworm')."""
    if not isinstance(image, str) or ":" not in image.rsplit("/", 1)[-1]:
        return None
    repo, tag = image.rsplit("/", 1)[-1].split(":", 1)
    return repo, tag.split("@")[0]


def store_version(type_token: str, inputs: dict[str, Any] | None) -> tuple[str, str, str] | None:
    """(store, engine, major version) of a data store resource, else None."""
    inputs = inputs or {}
    if type_token == RDS and inputs.get("engine", "postgres") == "postgres":
        major = _major(inputs.get("engineVersion"))
        return ("database", "postgres", major) if major else None
    if type_token == ELASTICACHE:
        major = _major(inputs.get("engineVersion"))
        return ("cache", "redis", major) if major else None
    if type_token == CNPG:
        ref = _image_tag((inputs.get("spec") or {}).get("imageName"))
        major = _major(ref[1]) if ref else None
        return ("database", "postgres", major) if major else None
    if type_token == STATEFUL_SET:
        template = ((inputs.get("spec") or {}).get("template") or {}).get("spec") or {}
        for container in template.get("containers") or []:
            ref = _image_tag(container.get("image"))
            if ref and ref[0] in ("postgres", "redis") and _major(ref[1]):
                return ("database" if ref[0] == "postgres" else "cache", ref[0], _major(ref[1]))  # type: ignore[return-value]
    return None


def _app_of(res: dict[str, Any], by_urn: dict[str, dict[str, Any]]) -> str:
    current: dict[str, Any] | None = res
    while current is not None:
        if current.get("type") == APPLICATION:
            return str(current.get("name"))
        parent = current.get("parent")
        current = by_urn.get(parent) if isinstance(parent, str) else None
    return "?"


def _details(head: dict[str, Any], old: str, new: str) -> dict[str, str]:
    identifier = (head.get("inputs") or {}).get("identifier", "<identifier>")
    return {"snapshot": f"{identifier}-pre-{old}-to-{new}", "backup": f"postgres-pre-{old}-to-{new}",
            "old": old, "new": new}


def major_upgrades(base_plan: dict[str, Any], head_plan: dict[str, Any],
                   pairs: list[tuple[dict | None, dict | None, str]]) -> list[MajorUpgrade]:
    by_urn = {r["urn"]: r for r in head_plan.get("resources", []) if isinstance(r, dict) and "urn" in r}
    stated = {(u.get("app"), u.get("store"), str(u.get("from")), str(u.get("to")))
              for u in head_plan.get("upgrades") or [] if isinstance(u, dict)}
    found = []
    for base, head, _ in pairs:
        if not (base and head) or base.get("type") != head.get("type"):
            continue
        before, after = store_version(base["type"], base.get("inputs")), store_version(head["type"], head.get("inputs"))
        if not (before and after) or before[2] == after[2] or before[1] != after[1]:
            continue
        store, engine, old, new = after[0], after[1], before[2], after[2]
        app = _app_of(head, by_urn)
        is_stated = (app, store, old, new) in stated
        what = STATED.get((head["type"], engine), "").format(**_details(head, old, new))
        if int(new) < int(old):
            what = f"a major version cannot be downgraded in place ({old} -> {new}): restore a backup instead"
        elif not is_stated and not (head["type"] == STATEFUL_SET and engine == "postgres"):
            refusal = UNSTATED.get(head["type"], "")
            what = (f"{refusal}. " if refusal else "") + \
                f"State the upgrade with apps.{app}.{store}.upgrade_from: \"{old}\"; then: {what}"
        found.append(MajorUpgrade(head["urn"], head["type"], head.get("name", ""), app, store, engine, old, new,
                                  is_stated, what))
    return sorted(found, key=lambda u: u.urn)
