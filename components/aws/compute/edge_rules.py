"""The spec's edge facts on the ALB: rewrites and redirects as listener rules (priorities 10-99, ahead of
the routes' 100+; spec checks keep them off every route path, so the order between the two bands only
matters where a route is a prefix of a rewrite, and there the rewrite must win), and a plan warning for
each fact an ALB cannot express: Referrer-Policy (no listener attribute) and per-path Cache-Control
(listener attributes apply to every response; rules cannot add response headers)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from appstack.spec import AppSpec
from appstack.spec.edge import slug

FIRST_EDGE_PRIORITY = 10


def rewrite_transform(path: str, to: str) -> dict:
    """The url-rewrite transform replacing the prefix `path` by `to`. The rule's conditions already
    limit it to `path` and `path/*`; `(.*)` keeps the rest (and a query string, should the ALB match the
    regex against it too)."""
    if to == "/":
        regex, replace = f"^{path}/?(.*)$", "/$1"
    else:
        regex, replace = f"^{path}(.*)$", f"{to}$1"
    return {"type": "url-rewrite", "url_rewrite_config": {"rewrite": {"regex": regex, "replace": replace}}}


def edge_rules(name: str, spec: AppSpec, listener_arn: pulumi.Input[str],
               target_groups: dict[str, aws.lb.TargetGroup], *, with_hosts: bool,
               opts: pulumi.ResourceOptions, first_priority: int = 0) -> list[aws.lb.ListenerRule]:
    """One listener rule per rewrite and redirect, named after its path (stable when others come and go);
    `first_priority`: an app stack's priority block on its environment's shared listener."""
    rules = [("rewrite", r) for r in spec.edge.rewrites] + [("redirect", r) for r in spec.edge.redirects]
    rules.sort(key=lambda item: (-len(item[1].path), item[1].path, item[1].host or ""))
    created = []
    for index, (kind, rule) in enumerate(rules):
        host = rule.host or spec.domain
        conditions: list[dict] = [{"path_pattern": {"values": [rule.path, f"{rule.path}/*"]}}]
        if with_hosts and host:
            conditions.append({"host_header": {"values": [host]}})
        extra: dict = {}
        if kind == "rewrite":
            owner = spec.route_owner(host, rule.to)
            assert owner is not None  # spec checks: a route serves `to`
            action = {"type": "forward", "target_group_arn": target_groups[owner[0]].arn}
            extra["transforms"] = [rewrite_transform(rule.path, rule.to)]
        else:
            to_host, to_path = rule.target
            # The ALB keeps the request's query string (#{query}); ingress-nginx drops it.
            action = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "host": to_host,
                                                       "path": to_path, "status_code": f"HTTP_{rule.status}"}}
        created.append(aws.lb.ListenerRule(
            f"{name}-{kind}-{slug(rule.path)}", listener_arn=listener_arn,
            priority=first_priority + FIRST_EDGE_PRIORITY + index,
            conditions=conditions, actions=[action], opts=opts, **extra,
        ))
    return created


def unexpressed_edge_facts(spec: AppSpec) -> list[str]:
    """What the spec asks of the edge that an ALB cannot send: said on every plan, never silently absent."""
    notes = [f"{spec.name}: the ALB cannot send Referrer-Policy (no listener attribute); the app must send "
             f"'{spec.edge.security_headers.referrer_policy}' itself"]
    for rule in spec.edge.cache:
        notes.append(f"{spec.name}: the ALB cannot set Cache-Control per path; responses under {rule.path} carry "
                     f"'{rule.cache_control}' only if the app sends it (edge.cache)")
    return notes
