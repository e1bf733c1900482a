"""Whole-stack rules: TLS on public routes and protection of stateful resources in prod,
and no plaintext secrets in stack outputs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .aws_network import LISTENERS, LOAD_BALANCERS
from .kubernetes_pods import INGRESS
from .model import MANDATORY, TIER_SETTING, Finding, Resource, RuleContext, RuleSet, Stack
from .secret_patterns import name_looks_secret, value_secret_kind
from .values import is_opaque, items_of, lookup

rules = RuleSet()

# Resources whose deletion loses data (or the key that decrypts it).
STATEFUL_TYPES = (
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/cluster:Cluster",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:dynamodb/table:Table",
    "aws:efs/fileSystem:FileSystem",
    "aws:kms/key:Key",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:core/v1:PersistentVolume",
)


def _public_load_balancer(lb: Resource) -> bool:
    return lb.get("internal") is not True and lb.get("loadBalancerType") in (None, "application")


def _ingress_gaps(ingress: Resource) -> Iterator[str]:
    tls = ingress.get("spec.tls")
    if is_opaque(tls):
        return
    if not items_of(tls):
        yield f"Ingress {ingress.name} has no tls section."
        return
    covered: set[Any] = set()
    for entry in items_of(tls):
        hosts = lookup(entry, "hosts")
        if is_opaque(hosts):
            return
        covered.update(items_of(hosts))
    for rule in items_of(ingress.get("spec.rules")):
        host = lookup(rule, "host")
        if isinstance(host, str) and host not in covered:
            yield f"Ingress {ingress.name} serves host {host} without TLS."


@rules.stack(
    "prod-public-routes-tls",
    MANDATORY,
    "In prod every public route (internet-facing load balancer, Ingress host) is served over TLS.",
    "Give each public load balancer an HTTPS listener and list every Ingress host under spec.tls.",
    settings=TIER_SETTING,
    types=[*LOAD_BALANCERS, *LISTENERS, INGRESS],
)
def prod_public_routes_tls(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Production traffic carries user credentials and data that must not cross the internet in cleartext."""
    if not ctx.is_prod:
        return
    listeners = stack.of_type(*LISTENERS)
    for lb in stack.of_type(*LOAD_BALANCERS):
        if not _public_load_balancer(lb):
            continue
        protocols = [listener.get("protocol") for listener in listeners if listener.depends_on(lb)]
        if any(is_opaque(p) for p in protocols):
            continue
        if "HTTPS" not in protocols:
            yield Finding(f"public load balancer {lb.name} has no HTTPS listener.", lb.urn)
    for ingress in stack.of_type(INGRESS):
        for gap in _ingress_gaps(ingress):
            yield Finding(gap, ingress.urn)


@rules.stack(
    "prod-stateful-resources-protected",
    MANDATORY,
    "In prod every stateful resource is protected against deletion by Pulumi.",
    "Pass opts=ResourceOptions(protect=True) to databases, caches, buckets, keys and volumes in prod "
    "(retain_on_delete alone does not count: the engine does not pass it to policy packs).",
    settings=TIER_SETTING,
    types=STATEFUL_TYPES,
)
def prod_stateful_resources_protected(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Pulumi protection stops a refactor or an accidental destroy from deleting production data."""
    if not ctx.is_prod:
        return
    # Only `protect`: the engine sends analyzers protect but not retainOnDelete
    # (AnalyzerResourceOptions), so accepting retain_on_delete here would pass offline and
    # fail under `pulumi preview --policy-pack`.
    for r in stack.of_type(*STATEFUL_TYPES):
        if not r.options.get("protect"):
            kind = r.type.rsplit(":", 1)[-1]
            yield Finding(f"{kind} {r.name} is not protected (protect=True).", r.urn)


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, f"{path}[{index}]")
    else:
        yield path, value


@rules.stack(
    "stack-outputs-no-plaintext-secrets",
    MANDATORY,
    "Stack outputs must not carry secrets in plaintext.",
    "Wrap the value with pulumi.Output.secret(...) or do not export it at all.",
)
def stack_outputs_no_plaintext_secrets(stack: Stack, ctx: RuleContext) -> Iterator[Finding]:
    """Stack outputs are stored unencrypted in the state and shown by pulumi stack output."""
    for path, value in _leaves(stack.outputs, ""):
        if not isinstance(value, str) or not value or is_opaque(value):
            continue
        last_key = path.rsplit(".", 1)[-1].split("[", 1)[0]
        if name_looks_secret(last_key):
            yield Finding(f"output {path} is named like a secret but is not marked secret.")
        elif kind := value_secret_kind(value):
            yield Finding(f"output {path} holds what looks like {kind} in plaintext.")
