"""Compare two ``appstack.plan/v1`` documents resource by resource."""

from __future__ import annotations

from typing import Any

from . import rules
from .model import ACTIONS, PLAN_FORMAT, PlanDiff, PlanFormatError, PropertyChange, ResourceDiff
from .paths import first_cover, first_overlap, format_path, parse_path
from .upgrades import major_upgrades
from .values import OUTPUTS, diff_values

__all__ = ["ACTIONS", "PLAN_FORMAT", "PlanDiff", "PlanFormatError", "PropertyChange", "ResourceDiff",
           "diff_plans", "diff_values"]

_OPTION_KEYS = ("protect", "retain_on_delete", "delete_before_replace", "ignore_changes",
                "replace_on_changes", "additional_secret_outputs", "custom_timeouts")


def _norm_provider(ref: Any) -> str | None:
    if not isinstance(ref, str) or not ref:
        return None
    parts = ref.split("::")
    return "::".join(parts[:4]) if ref.startswith("urn:") and len(parts) > 4 else ref


def build_urn(stack: str, project: str, type_token: str, name: str, parent: str | None) -> str:
    qualified = type_token
    if parent and "::" in parent:
        parent_type = parent.split("::")[2] if len(parent.split("::")) > 3 else ""
        if parent_type and not parent_type.endswith("pulumi:pulumi:Stack"):
            qualified = f"{parent_type}${type_token}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def _alias_urns(res: dict[str, Any]) -> list[str]:
    urn = res.get("urn", "")
    parts = urn.split("::")
    stack = parts[0].removeprefix("urn:pulumi:") if parts else ""
    project = parts[1] if len(parts) > 1 else ""
    out = []
    for alias in (res.get("options") or {}).get("aliases") or []:
        if isinstance(alias, str) and alias.startswith("urn:"):
            out.append(alias)
        elif isinstance(alias, dict):
            if isinstance(alias.get("urn"), str):
                out.append(alias["urn"])
                continue
            parent = None if alias.get("noParent") else alias.get("parent", res.get("parent"))
            out.append(build_urn(alias.get("stack", stack), alias.get("project", project),
                                 alias.get("type", res.get("type", "")),
                                 alias.get("name", res.get("name", "")),
                                 parent if isinstance(parent, str) else None))
    return out


# --------------------------------------------------------------------------- main entry
def _resources(plan: dict[str, Any], label: str) -> dict[str, dict[str, Any]]:
    if not isinstance(plan, dict) or not isinstance(plan.get("resources", []), list):
        raise PlanFormatError(f"{label}: not an appstack plan (expected an object with a 'resources' list)")
    fmt = plan.get("format", PLAN_FORMAT)
    if fmt != PLAN_FORMAT:
        raise PlanFormatError(f"{label}: unsupported plan format {fmt!r} (expected {PLAN_FORMAT!r})")
    out: dict[str, dict[str, Any]] = {}
    for res in plan.get("resources", []):
        if not isinstance(res, dict) or not isinstance(res.get("urn"), str):
            raise PlanFormatError(f"{label}: resource without a 'urn'")
        if res.get("custom", True) is False or res.get("type") == "pulumi:pulumi:Stack":
            continue  # components and the stack itself have no cloud state
        out[res["urn"]] = res
    return out


def _meta(plan: dict[str, Any]) -> dict[str, Any]:
    return {k: plan.get(k) for k in ("stack", "platform", "tier")}


def diff_plans(base: dict[str, Any], head: dict[str, Any]) -> PlanDiff:
    """Compare two plans (``base`` = before, ``head`` = after)."""
    old, new = _resources(base, "base plan"), _resources(head, "head plan")
    pairs: list[tuple[dict | None, dict | None, str]] = []  # (base, head, how)
    alias_of: dict[str, str] = {}
    for urn, res in new.items():
        for alias in _alias_urns(res):
            if alias in old and alias not in new:
                alias_of.setdefault(alias, urn)
    matched_old: set[str] = set()
    for urn, res in new.items():
        if urn in old:
            pairs.append((old[urn], res, "same"))
            matched_old.add(urn)
    for alias, urn in sorted(alias_of.items()):
        if urn not in old and alias not in matched_old:
            pairs.append((old[alias], new[urn], "alias"))
            matched_old.add(alias)
    paired_new = {h["urn"] for _, h, _ in pairs if h}
    gone = [r for u, r in old.items() if u not in matched_old]
    born = [r for u, r in new.items() if u not in paired_new]
    # same type + logical name on both sides, only the URN moved (parent/type chain): delete + create
    key = lambda r: (r.get("type"), r.get("name"))  # noqa: E731
    gone_by = {k: [r for r in gone if key(r) == k] for k in {key(r) for r in gone}}
    born_by = {k: [r for r in born if key(r) == k] for k in {key(r) for r in born}}
    for k, olds in sorted(gone_by.items(), key=lambda kv: str(kv[0])):
        news = born_by.get(k, [])
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0], "moved"))
            gone.remove(olds[0])
            born.remove(news[0])
    pairs += [(r, None, "delete") for r in gone] + [(None, r, "create") for r in born]

    diffs = [_resource_diff(b, h, how) for b, h, how in pairs]
    _propagate_provider_replacement(diffs, pairs)
    warnings = _warnings(base, head, pairs, diffs)
    order = {"replace": 0, "delete": 1, "create": 2, "update": 3, "unchanged": 4}
    diffs.sort(key=lambda d: (not d.hazard, order[d.action], d.type, d.urn))
    unchanged = sum(1 for d in diffs if d.action == "unchanged")
    outputs = diff_values(_outputs(base), _outputs(head), OUTPUTS)
    for c in outputs:
        c.path = c.path or "(outputs)"
    upgrades = major_upgrades(base, head, pairs)
    by_urn = {d.urn: d for d in diffs}
    for upgrade in upgrades:
        if upgrade.urn in by_urn:
            by_urn[upgrade.urn].notes.append(f"major version upgrade: {upgrade.line()}")
    return PlanDiff(_meta(base), _meta(head), diffs, unchanged, outputs, warnings, upgrades)


def _plan_warnings(plan: dict[str, Any]) -> list[str]:
    warnings = plan.get("warnings")
    return [w for w in warnings if isinstance(w, str)] if isinstance(warnings, list) else []


def _outputs(plan: dict[str, Any]) -> Any:
    outputs = plan.get("outputs")
    return outputs if isinstance(outputs, dict) else {}


def _opts(res: dict[str, Any] | None) -> dict[str, Any]:
    return (res or {}).get("options") or {}


def _resource_diff(base: dict | None, head: dict | None, how: str) -> ResourceDiff:
    ref = head or base or {}
    tt = ref.get("type", "")
    b_in, h_in = (base or {}).get("inputs"), (head or {}).get("inputs")
    d = ResourceDiff(urn=ref.get("urn", ""), type=tt, name=ref.get("name", ""), action="unchanged",
                     stateful=rules.is_stateful(tt, b_in, h_in), what=rules.rule_for(tt).what)
    if base is None or head is None:
        d.action = "create" if base is None else "delete"
        _lifecycle_notes(d, base, head)
        return d
    if how in ("alias", "moved"):
        d.old_urn = base["urn"]
    if how == "alias":
        d.notes.append(f"renamed via alias from `{base['urn']}`")
    if how == "moved":
        d.replace_reasons.append("URN changed (new parent or type chain) with no alias: "
                                 "Pulumi deletes the old resource and creates a new one")
    d.changes = diff_values(b_in or {}, h_in or {}, tt)
    _classify(d, base, head)
    d.changes += _option_changes(base, head, d)
    if d.replace_reasons:
        d.action = "replace"
    elif d.effective_changes:
        d.action = "update"
    if d.action == "replace":
        _lifecycle_notes(d, base, head)
    return d


def _classify(d: ResourceDiff, base: dict, head: dict) -> None:
    rule = rules.rule_for(d.type)
    opts = _opts(head)
    ignore = [parse_path(p) for p in opts.get("ignore_changes") or []]
    roc = [parse_path(p) for p in opts.get("replace_on_changes") or []]
    forced = rule.replace_paths() + rules.generic_replace_paths(d.type)
    b_in, h_in = base.get("inputs"), head.get("inputs")
    for c in d.changes:
        path = parse_path(c.path) if c.path else ()
        if first_cover(path, ignore) is not None:
            c.ignored = True
            c.note = (c.note + "; " if c.note else "") + "ignored (ignoreChanges)"
            continue
        if c.kind == "secret":
            continue
        reason = ""
        if rule.replace_all_except is not None and path and path[0] not in rule.replace_all_except:
            kind = d.type.split(":")[-1]
            reason = f"`{c.path}` changed: every input of {kind} forces a replacement (new revision)"
        elif (pat := first_overlap(path, forced)) is not None:
            reason = f"`{format_path(pat)}` forces replacement"
        elif (pat := first_overlap(path, roc)) is not None:
            reason = f"`{format_path(pat)}` is listed in replaceOnChanges"
        else:
            for cond_path, predicate in rule.conditional.items():
                if first_overlap(path, [parse_path(cond_path)]) and predicate(b_in, h_in):
                    reason = f"`{cond_path}` forces replacement here"
                    break
        if reason:
            c.replaces = True
            if c.note == "known after apply":
                reason += " (new value known only after apply)"
            if reason not in d.replace_reasons:
                d.replace_reasons.append(reason)


def _option_changes(base: dict, head: dict, d: ResourceDiff) -> list[PropertyChange]:
    out = []
    b, h = _opts(base), _opts(head)
    for key in _OPTION_KEYS:
        bv, hv = b.get(key), h.get(key)
        if (bv or None) != (hv or None):
            out.append(PropertyChange(f"(options).{key}", "update", bv, hv))
    bp, hp = _norm_provider(b.get("provider")), _norm_provider(h.get("provider"))
    if bp != hp and bp and hp:
        out.append(PropertyChange("(options).provider", "update", bp, hp))
        d.replace_reasons.append("provider reference changed: Pulumi replaces the resource unless "
                                 "the old and new providers are equivalent")
    return out


def _lifecycle_notes(d: ResourceDiff, base: dict | None, head: dict | None) -> None:
    b, h = _opts(base), _opts(head)
    if b.get("protect"):
        d.notes.append("protected: `pulumi up` fails instead of replacing/deleting it "
                       "until `protect` is removed")
    if b.get("retain_on_delete"):
        d.notes.append("retainOnDelete: the old cloud resource is kept (orphaned), not deleted")
    if d.action == "replace":
        meta = (head or {}).get("inputs", {}) or {}
        fixed_k8s_name = d.type.startswith("kubernetes:") and isinstance(
            (meta.get("metadata") or {}).get("name"), str)
        if h.get("delete_before_replace") or fixed_k8s_name:
            d.notes.append("deleted BEFORE its replacement is created (deleteBeforeReplace / fixed name)")
        else:
            d.notes.append("the replacement is created first, then the old resource is deleted")


def _propagate_provider_replacement(diffs: list[ResourceDiff], pairs: list) -> None:
    replaced = {}
    for d, (b, h, _) in zip(diffs, pairs, strict=True):
        if d.type.startswith("pulumi:providers:") and d.action == "replace":
            for res in (b, h):
                if res:
                    replaced[res["urn"]] = d.name
    if not replaced:
        return
    for d, (b, h, _) in zip(diffs, pairs, strict=True):
        prov = _norm_provider(_opts(h or b).get("provider"))
        if prov in replaced and b and h and d.action in ("update", "unchanged", "replace"):
            d.replace_reasons.append(f"its provider `{replaced[prov]}` is replaced")
            if d.action != "replace":
                d.action = "replace"
                _lifecycle_notes(d, b, h)


def _warnings(base: dict, head: dict, pairs: list, diffs: list[ResourceDiff]) -> list[str]:
    out = []
    if base.get("stack") and head.get("stack") and base.get("stack") != head.get("stack"):
        out.append(f"comparing plans of different stacks: {base.get('stack')} -> {head.get('stack')}")
    # What the head's planning warned about that the base did not (fields a stack override drops, ...).
    seen = set(_plan_warnings(base))
    out += [f"new plan warning: {w}" for w in _plan_warnings(head) if w not in seen]
    unknown = sorted({d.type for d in diffs if d.action in ("update", "replace", "create")
                      and d.type.split(":")[0] in ("aws", "kubernetes", "random", "docker")
                      and not rules.known(d.type) and not d.type.startswith("pulumi:")})
    out += [f"{t}: not in the replacement table (appstack/plandiff/rules.py); a change of it may replace "
            "it without being shown as a replacement: check `pulumi preview --diff`" for t in unknown]
    for d in diffs:
        # stateful ones head the report; immutable revisions (task definitions) replace on every change
        if d.action == "replace" and not d.hazard and rules.rule_for(d.type).replace_all_except is None:
            out.append(f"{d.type} `{d.name}` will be replaced: {'; '.join(d.replace_reasons)}")
    for d, (b, h, _) in zip(diffs, pairs, strict=True):
        if not (b and h and d.stateful):
            continue
        for key, label in (("protect", "protect"), ("retain_on_delete", "retainOnDelete")):
            if _opts(b).get(key) and not _opts(h).get(key):
                out.append(f"`{label}` removed from stateful resource {d.type} `{d.name}`")
    return sorted(out)
