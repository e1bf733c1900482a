"""Text and JSON views of an estimate: totals per app and per resource type, then the assumptions."""

from __future__ import annotations

import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import Estimate

COST_FORMAT = "appstack.cost/v1"
CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def assumption_lines(estimate: Estimate) -> list[str]:
    a = estimate.table["assumptions"]
    return [
        f"{a['hours_per_month']} hours a month; services run at their desired count (autoscaling minimum), 24/7",
        f"ALBs: {a['alb_lcu_baseline']} LCU each; NAT gateways: {a['nat_gateway_gb_month']} GB processed each",
        f"logs: {a['log_group_gb_month']} GB ingested per log group, {a['flow_log_gb_month']} GB of flow logs",
        f"storage: {a['s3_bucket_gb']} GB per bucket, {a['efs_gb']} GB per file system, "
        f"{a['ecr_repository_gb']} GB per image repository",
        f"CloudFront: {a['cloudfront_gb_month']} GB out and {a['cloudfront_requests_month']} HTTPS requests; "
        f"Managed Prometheus: {a['amp_samples_month']} samples ingested per workspace",
        f"release jobs: {a['job_runs_per_month']} runs of {a['job_minutes_per_run']} minutes; "
        f"Fargate Spot at {Decimal(a['fargate_spot_discount']) * 100:.0f}% off on-demand",
        "not estimated: data transfer out, requests, backups beyond the free allowance, Container Insights",
    ]


def render_text(estimate: Estimate) -> str:
    table = estimate.table
    lines = [
        f"Estimated monthly cost of stack '{estimate.stack}' in {estimate.region} "
        f"(price table of {table['as_of']}, {table['currency']}, {table['basis']})",
        "",
        "By app:",
    ]
    lines += [f"  {app:<28} {money(total):>10}" for app, total in estimate.by_app().items()]
    lines += [f"  {'total':<28} {money(estimate.total):>10}", "", "By resource type:"]
    counts = Counter(item.type for item in estimate.items)
    for kind, total in sorted(estimate.by_type().items(), key=lambda entry: (-entry[1], entry[0])):
        lines.append(f"  {kind:<58} {counts[kind]:>4} {money(total):>10}")
    if estimate.unpriced:
        lines += ["", "Not in the price table (not included in the total):"]
        lines += [f"  {kind} x{count}" for kind, count in estimate.unpriced.items()]
    lines += ["", "Assumptions:"] + [f"  - {line}" for line in assumption_lines(estimate)]
    return "\n".join(lines) + "\n"


def cost_document(estimate: Estimate) -> dict[str, Any]:
    return {
        "format": COST_FORMAT,
        "stack": estimate.stack,
        "region": estimate.region,
        "currency": estimate.table["currency"],
        "price_table": {"version": estimate.table["version"], "as_of": estimate.table["as_of"]},
        "total": money(estimate.total),
        "apps": {app: money(total) for app, total in estimate.by_app().items()},
        "types": {kind: money(total) for kind, total in estimate.by_type().items()},
        "items": [
            {"app": i.app, "type": i.type, "name": i.name, "monthly": money(i.monthly), "detail": i.detail}
            for i in sorted(estimate.items, key=lambda i: (i.app, i.type, i.name))
        ],
        "unpriced": estimate.unpriced,
        "assumptions": assumption_lines(estimate),
    }


def render_json(estimate: Estimate) -> str:
    return json.dumps(cost_document(estimate), indent=2, sort_keys=True) + "\n"
