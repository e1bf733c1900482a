"""Markdown (pull-request comment), plain-text and JSON renderings of a PlanDiff."""

from __future__ import annotations

import html
import json
from typing import Any

from .engine import ACTIONS, PlanDiff, PropertyChange, ResourceDiff

MARKER = "<!-- appstack-plan-diff -->"
ICONS = {"create": "➕", "update": "✏️", "replace": "🔁", "delete": "🗑️", "unchanged": "·"}
_MAX_VALUE = 160


def _value(v: Any) -> str:
    if v is None:
        return "—"
    text = v if isinstance(v, str) else json.dumps(v, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _change_text(c: PropertyChange) -> tuple[str, str, str]:
    """(before, after, remark) for display; secret changes never show content."""
    if c.kind == "secret":
        return "[secret]", "[secret]", "secret, may have changed"
    before, after = _value(c.old), _value(c.new)
    remarks = []
    if c.secret and c.kind == "update":
        remarks.append("changed")
    elif c.note:
        remarks.append(c.note)
    if c.replaces:
        remarks.append("forces replacement")
    return before, after, "; ".join(remarks)


def _title(diff: PlanDiff, base_label: str | None, head_label: str | None) -> str:
    stack = diff.head.get("stack") or diff.base.get("stack") or "?"
    extra = ", ".join(str(x) for x in (diff.head.get("platform"), diff.head.get("tier")) if x)
    title = f"Plan diff for stack `{stack}`" + (f" ({extra})" if extra else "")
    if base_label or head_label:
        title += f": `{base_label or 'base'}` → `{head_label or 'head'}`"
    return title


def _only_uncomparable(r: ResourceDiff) -> bool:
    """Unchanged except for secrets masked on both sides: nothing a reviewer can act on, so such
    resources are summarised in one table instead of one block each (dozens per stack)."""
    return r.action == "unchanged" and bool(r.changes) and all(c.kind == "secret" for c in r.changes)


def _uncomparable_groups(diff: PlanDiff) -> list[tuple[str, str, int]]:
    """(type, property, number of resources) of the secrets that cannot be compared offline."""
    counts: dict[tuple[str, str], int] = {}
    for r in diff.resources:
        if _only_uncomparable(r):
            for c in r.changes:
                counts[(r.type, c.path)] = counts.get((r.type, c.path), 0) + 1
    return [(t, p, n) for (t, p), n in sorted(counts.items())]


def _hazard_line(r: ResourceDiff) -> str:
    why = "; ".join(r.replace_reasons) if r.action == "replace" else "removed from the program"
    line = f"**{r.action.upper()}** `{r.type}` `{r.name}`: {why}"
    if r.what:
        line += f". At risk: {r.what}"
    if r.notes:
        line += ". " + "; ".join(r.notes)
    return line


# ------------------------------------------------------------------------------- markdown
def _md_code(text: str) -> str:
    safe = html.escape(text, quote=False).replace("|", "&#124;").replace("\n", "⏎")
    return f"<code>{safe}</code>"


def _md_resource(r: ResourceDiff) -> list[str]:
    flag = " ⚠️ **stateful**" if r.hazard else ""
    summary = (f"{ICONS[r.action]} <b>{r.action}</b> {_md_code(r.type)} {_md_code(r.name)}"
               f"{' — ' + str(len(r.effective_changes)) + ' change(s)' if r.changes else ''}")
    lines = [f"<details{' open' if r.hazard else ''}><summary>{summary}{flag}</summary>", "",
             f"URN: `{r.urn}`"]
    if r.old_urn:
        lines.append(f"Previous URN: `{r.old_urn}`")
    lines += [f"- Replacement: {x}" for x in r.replace_reasons]
    lines += [f"- Note: {x}" for x in r.notes]
    if r.changes:
        lines += ["", "| Property | Before | After | |", "|---|---|---|---|"]
        for c in r.changes:
            before, after, remark = _change_text(c)
            lines.append(f"| {_md_code(c.path or '(root)')} | {_md_code(before)} | {_md_code(after)} "
                         f"| {html.escape(remark)} |")
    lines += ["", "</details>", ""]
    return lines


def render_markdown(diff: PlanDiff, base_label: str | None = None, head_label: str | None = None) -> str:
    stack = diff.head.get("stack") or diff.base.get("stack") or ""
    out = [MARKER.replace("-->", f"stack={stack} -->") if stack else MARKER,
           f"### {_title(diff, base_label, head_label)}", ""]
    hazards = diff.stateful_hazards
    if hazards:
        out += ["> [!CAUTION]",
                f"> **⚠️ {len(hazards)} stateful resource(s) would be REPLACED or DELETED. "
                "Data may be lost. Review before merging.**", ">"]
        out += [f"> - {_hazard_line(r)}" for r in hazards]
        out.append("")
    if diff.major_upgrades:
        out += ["> [!CAUTION]", f"> **⚠️ {len(diff.major_upgrades)} major version upgrade(s) of a data store "
                "(high risk)" + (f", {len(diff.unstated_upgrades)} not stated in the spec" if diff.unstated_upgrades
                                 else "") + ".**", ">"]
        out += [f"> - {html.escape(u.line(), quote=False)}" for u in diff.major_upgrades] + [""]
    if diff.warnings:
        out += ["> [!WARNING]"] + [f"> - {w}" for w in diff.warnings] + [""]
    counts = diff.counts
    out += ["| Action | Resources |", "|---|---:|"]
    out += [f"| {ICONS[a]} {a} | {counts[a]} |" for a in (*ACTIONS, "unchanged")]
    out.append("")
    if not diff.has_changes:
        out += ["No changes.", ""]
    if diff.uncomparable_secrets:
        out += [f"_{diff.uncomparable_secrets} secret input(s) are masked on both sides and cannot be "
                "compared offline (`secret, may have changed`)._", ""]
    shown = [r for r in diff.resources if (r.action != "unchanged" or r.changes) and not _only_uncomparable(r)]
    for r in shown:
        out += _md_resource(r)
    groups = _uncomparable_groups(diff)
    if groups:
        out += ["<details><summary>Unchanged resources with masked secrets</summary>", "",
                "| Type | Property | Resources |", "|---|---|---:|"]
        out += [f"| {_md_code(t)} | {_md_code(p or '(root)')} | {n} |" for t, p, n in groups]
        out += ["", "</details>", ""]
    if diff.output_changes:
        out += ["", "<details><summary>Stack outputs</summary>", "",
                "| Output | Before | After | |", "|---|---|---|---|"]
        for c in diff.output_changes:
            before, after, remark = _change_text(c)
            out.append(f"| {_md_code(c.path)} | {_md_code(before)} | {_md_code(after)} | {remark} |")
        out += ["", "</details>"]
    return "\n".join(out).rstrip() + "\n"


# ----------------------------------------------------------------------------------- text
def render_text(diff: PlanDiff, base_label: str | None = None, head_label: str | None = None) -> str:
    out = [_title(diff, base_label, head_label).replace("`", ""), ""]
    hazards = diff.stateful_hazards
    if hazards:
        out.append(f"!!! WARNING: {len(hazards)} stateful resource(s) would be REPLACED or DELETED !!!")
        out += [f"  - {_hazard_line(r).replace('**', '').replace('`', '')}" for r in hazards]
        out.append("")
    if diff.major_upgrades:
        out.append(f"!!! HIGH RISK: {len(diff.major_upgrades)} major version upgrade(s) of a data store !!!")
        out += [f"  - {u.line().replace('`', '')}" for u in diff.major_upgrades] + [""]
    out += [f"warning: {w.replace('`', '')}" for w in diff.warnings]
    counts = diff.counts
    out.append("  ".join(f"{a}: {counts[a]}" for a in ("create", "update", "replace", "delete", "unchanged")))
    if not diff.has_changes:
        out.append("No changes.")
    sigil = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "unchanged": " "}
    for r in diff.resources:
        if (r.action == "unchanged" and not r.changes) or _only_uncomparable(r):
            continue
        out += ["", f"{sigil[r.action]} {r.action} {r.type} {r.name}{'  [STATEFUL]' if r.hazard else ''}",
                f"    urn: {r.urn}"]
        if r.old_urn:
            out.append(f"    previous urn: {r.old_urn}")
        out += [f"    replace: {x.replace('`', '')}" for x in r.replace_reasons]
        out += [f"    note: {x.replace('`', '')}" for x in r.notes]
        for c in r.changes:
            before, after, remark = _change_text(c)
            out.append(f"    {c.path or '(root)'}: {before} → {after}" + (f" ({remark})" if remark else ""))
    groups = _uncomparable_groups(diff)
    if groups:
        out += ["", "unchanged resources, secrets masked on both sides (secret, may have changed): "
                f"{sum(n for _, _, n in groups)} input(s) cannot be compared offline"]
        out += [f"    {t} {p or '(root)'}: {n} resource(s)" for t, p, n in groups]
    if diff.output_changes:
        out += ["", "outputs:"]
        for c in diff.output_changes:
            before, after, remark = _change_text(c)
            out.append(f"    {c.path}: {before} → {after}" + (f" ({remark})" if remark else ""))
    return "\n".join(out).rstrip() + "\n"


# ----------------------------------------------------------------------------------- json
def render_json(diff: PlanDiff, base_label: str | None = None, head_label: str | None = None) -> str:
    data = diff.to_dict()
    if base_label or head_label:
        data["refs"] = {"base": base_label, "head": head_label}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RENDERERS = {"markdown": render_markdown, "text": render_text, "json": render_json}
