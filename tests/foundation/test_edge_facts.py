"""Edge facts (security header values, per-path caching, rewrites, redirects): validation with readable
paths, and the exact values rendered on ingress-nginx, the ALB and CloudFront."""

from __future__ import annotations

import pytest

from appstack.spec import CacheRule, SecurityHeaders
from appstack.spec.edge import slug
from tests.conftest import synth_config

from .helpers import load, problems

NGINX = "nginx.ingress.kubernetes.io"
SPARKLE = "apps.sparkle.edge"


def edge(**fields):
    return {"sparkle": {"edge": fields}}


CASES = [
    ("preload without subdomains", edge(security_headers={"hsts_preload": True, "hsts_include_subdomains": False}),
     f"{SPARKLE}.security_headers", "hsts_include_subdomains: true"),
    ("preload below a year", edge(security_headers={"hsts_preload": True, "hsts_max_age_seconds": 86400}),
     f"{SPARKLE}.security_headers", "hsts_max_age_seconds >= 31536000"),
    ("negative max-age", edge(security_headers={"hsts_max_age_seconds": -1}),
     f"{SPARKLE}.security_headers.hsts_max_age_seconds", "greater than or equal to 0"),
    ("max-age beyond two years", edge(security_headers={"hsts_max_age_seconds": 63072001}),
     f"{SPARKLE}.security_headers.hsts_max_age_seconds", "less than or equal to 63072000"),
    ("unknown referrer policy", edge(security_headers={"referrer_policy": "always"}),
     f"{SPARKLE}.security_headers.referrer_policy", "strict-origin-when-cross-origin"),
    ("ALLOW-FROM frame option", edge(security_headers={"frame_options": "ALLOW-FROM https://x.example.com"}),
     f"{SPARKLE}.security_headers.frame_options", "SAMEORIGIN"),
    ("cache max-age not a number", edge(cache=[{"path": "/docs", "cache_control": "public, max-age=1y"}]),
     f"{SPARKLE}.cache[0].cache_control", "max-age takes a number of seconds"),
    ("cache header injection", edge(cache=[{"path": "/docs", "cache_control": "public\r\nSet-Cookie: a=b"}]),
     f"{SPARKLE}.cache[0].cache_control", "is not a Cache-Control response directive"),
    ("cache public and private", edge(cache=[{"path": "/docs", "cache_control": "public, private"}]),
     f"{SPARKLE}.cache[0].cache_control", "contradict"),
    ("cache directive twice", edge(cache=[{"path": "/docs", "cache_control": "max-age=1, max-age=2"}]),
     f"{SPARKLE}.cache[0].cache_control", "appears twice"),
    ("cache path with a dot", edge(cache=[{"path": "/docs/../x", "cache_control": "no-store"}]),
     f"{SPARKLE}.cache[0].path", "does not match"),
    ("cache path with a trailing slash", edge(cache=[{"path": "/docs/", "cache_control": "no-store"}]),
     f"{SPARKLE}.cache[0].path", "does not match"),
    ("cache path no route serves", edge(cache=[{"path": "/static", "cache_control": "no-store"}]),
     f"{SPARKLE}.cache[0].path", "no public route serves /static"),
    ("cache on a WebSocket route", edge(cache=[{"path": "/ws/chat", "cache_control": "no-store"}]),
     f"{SPARKLE}.cache[0].path", "WebSocket route"),
    ("rewrite on a route's path", edge(rewrites=[{"path": "/api/v1", "to": "/docs"}]),
     f"{SPARKLE}.rewrites[0].path", "would take over the route(s) /api/v1"),
    ("rewrite above routes", edge(rewrites=[{"path": "/api", "to": "/docs"}]),
     f"{SPARKLE}.rewrites[0].path", "would take over the route(s) /api/v1"),
    ("rewrite to an unserved path", edge(rewrites=[{"path": "/health", "to": "/nowhere"}]),
     f"{SPARKLE}.rewrites[0].to", "no public route serves /nowhere on sparkle.example.com"),
    ("rewrite to a regex", edge(rewrites=[{"path": "/health", "to": "/api/v1/$1"}]),
     f"{SPARKLE}.rewrites[0].to", "does not match"),
    ("rewrite on another host", edge(rewrites=[{"path": "/health", "to": "/api/v1", "host": "x.example.com"}]),
     f"{SPARKLE}.rewrites[0].to", "no public route serves /api/v1 on x.example.com"),
    ("rewrite and redirect on one path", edge(rewrites=[{"path": "/health", "to": "/api/v1/health"}],
                                              redirects=[{"path": "/health", "to": "https://example.org/"}]),
     f"{SPARKLE}.redirects[0].path", "already taken by edge.rewrites[0]"),
    ("names that collide", edge(rewrites=[{"path": "/a_b", "to": "/docs"}, {"path": "/a-b", "to": "/docs"}]),
     f"{SPARKLE}.rewrites[1].path", "same resource name 'a-b'"),
    ("redirect over http", edge(redirects=[{"path": "/old", "to": "http://example.org/new"}]),
     f"{SPARKLE}.redirects[0].to", "is not an https://<host>/<path> URL"),
    ("redirect with a variable", edge(redirects=[{"path": "/old", "to": "https://example.org$request_uri"}]),
     f"{SPARKLE}.redirects[0].to", "is not an https://<host>/<path> URL"),
    ("redirect with a query", edge(redirects=[{"path": "/old", "to": "https://example.org/new?a=1"}]),
     f"{SPARKLE}.redirects[0].to", "no query, fragment or variables"),
    ("redirect to an address", edge(redirects=[{"path": "/old", "to": "https://10.0.0.1/new"}]),
     f"{SPARKLE}.redirects[0].to", "is not an https://<host>/<path> URL"),
    ("redirect loop", edge(redirects=[{"path": "/old", "to": "https://sparkle.example.com/old/x"}]),
     f"{SPARKLE}.redirects[0].to", "redirects to itself"),
    ("redirect on a host without routes", edge(redirects=[{"path": "/old", "to": "https://example.org/",
                                                           "host": "old.example.com"}]),
     f"{SPARKLE}.redirects[0].host", "old.example.com has no routes"),
    ("redirect status 307", edge(redirects=[{"path": "/old", "to": "https://example.org/", "status": 307}]),
     f"{SPARKLE}.redirects[0].status", "301"),
    ("more rules than ALB priorities", edge(rewrites=[{"path": f"/r{i}", "to": "/docs"} for i in range(91)]),
     SPARKLE, "at most 90 rewrites and redirects"),
]


@pytest.mark.parametrize(("apps", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_edge_input_names_its_path(apps, path, fragment):
    found = problems(apps)
    matching = [p for p in found if p.path == path]
    assert matching, f"no problem at {path}; got {[(p.path, p.message) for p in found]}"
    assert any(fragment in p.message for p in matching), [p.message for p in matching]


def test_defaults_keep_the_headers_every_stack_already_sends():
    headers = SecurityHeaders()
    assert headers.hsts_value() == "max-age=31536000; includeSubDomains"
    assert SecurityHeaders(hsts_include_subdomains=False, hsts_max_age_seconds=0).hsts_value() == "max-age=0"
    assert (headers.frame_options, headers.content_type_nosniff, headers.referrer_policy) == (
        "DENY", True, "strict-origin-when-cross-origin")


def test_cache_control_is_normalised_and_slugs_are_name_safe():
    assert CacheRule(path="/a", cache_control="public,max-age=60 ,  immutable").cache_control == \
        "public, max-age=60, immutable"
    assert slug("/_next/static") == "next-static" and slug("/API/V1_x") == "api-v1-x"


def test_blueprints_carry_the_guides_edge_facts():
    stack = load({"elizabeth": {}, "sparkle": {}})
    elizabeth = stack.apps["elizabeth"].edge
    assert elizabeth.security_headers.hsts_value() == "max-age=63072000; includeSubDomains; preload"
    assert [(r.path, r.cache_control) for r in elizabeth.cache] == [
        ("/_next/static", "public, max-age=31536000, immutable")]
    sparkle = stack.apps["sparkle"].edge
    assert [(r.path, r.to, r.host) for r in sparkle.rewrites] == [("/health", "/api/v1/health", None)]
    assert sparkle.security_headers.frame_options == "SAMEORIGIN"


EXTRA = {"rewrites": [{"path": "/health", "to": "/api/v1/health"}, {"path": "/gw", "to": "/"}],
         "redirects": [{"path": "/old", "to": "https://example.org/new", "status": 302},
                       {"path": "/legacy", "to": "https://example.org/"}],
         "cache": [{"path": "/uploads", "cache_control": "private, no-cache"}]}
# Sparkle's gateway also serves "/" here, so a rewrite to "/" has a route.
ROOT_ROUTE = {"services": {"gateway": {"routes": [{"path": "/api/v1"}, {"path": "/ws/chat", "websocket": True},
                                                  {"path": "/"}]}}}


def _manifests(synthesis, kind):
    return {r.inputs["metadata"]["name"]: r.inputs for r in synthesis.resources
            if r.type == f"kubernetes:{'networking.k8s.io/v1' if kind == 'Ingress' else 'core/v1'}:{kind}"}


def test_kubernetes_renders_rewrites_redirects_and_cache_rules_on_their_own_ingresses():
    synthesis = synth_config(platform="kubernetes", apps={"sparkle": {**ROOT_ROUTE, "edge": EXTRA}})
    ingresses = _manifests(synthesis, "Ingress")
    assert sorted(ingresses) == ["sparkle", "sparkle-cache-uploads", "sparkle-redirect-legacy", "sparkle-redirect-old",
                                 "sparkle-rewrite-gw", "sparkle-rewrite-health", "sparkle-websocket"]
    paths = {i: [(p["path"], p["pathType"], p["backend"]["service"]["name"])
                 for rule in spec["spec"]["rules"] for p in rule["http"]["paths"]] for i, spec in ingresses.items()}
    assert paths["sparkle-rewrite-gw"] == [("/gw(/|$)(.*)", "ImplementationSpecific", "gateway")]
    assert ingresses["sparkle-rewrite-gw"]["metadata"]["annotations"][f"{NGINX}/rewrite-target"] == "/$2"
    assert paths["sparkle-rewrite-health"] == [("/health(/.*)?$", "ImplementationSpecific", "gateway")]
    assert paths["sparkle-cache-uploads"] == [("/uploads", "Prefix", "backend")]
    assert "/uploads" not in [p for p, _, _ in paths["sparkle"]]  # served by the cache rule's Ingress only
    old = ingresses["sparkle-redirect-old"]["metadata"]["annotations"]
    assert old[f"{NGINX}/temporal-redirect"] == "https://example.org/new" and f"{NGINX}/permanent-redirect" not in old
    legacy = ingresses["sparkle-redirect-legacy"]["metadata"]["annotations"]
    assert legacy[f"{NGINX}/permanent-redirect"] == "https://example.org/"
    assert all(not key.endswith("-snippet") for i in ingresses.values() for key in i["metadata"]["annotations"])
    headers = _manifests(synthesis, "ConfigMap")["sparkle-cache-uploads-headers"]["data"]
    assert headers["Cache-Control"] == "private, no-cache" and headers["X-Frame-Options"] == "SAMEORIGIN"


def _aws(apps):
    return synth_config(platform="aws", tier="prod", apps=apps)


def test_aws_renders_rewrites_and_redirects_as_listener_rules_ahead_of_the_routes():
    from tests.aws.compute.harness import synth_app  # the compute layer alone: no network or data stores

    synthesis = synth_app("sparkle", overrides={**ROOT_ROUTE, "edge": EXTRA})
    rules = {r.name: r.inputs for r in synthesis.by_type("aws:lb/listenerRule:ListenerRule")}
    edge_rules = {n: r for n, r in rules.items() if "-rewrite-" in n or "-redirect-" in n}
    assert sorted((r["priority"], n) for n, r in edge_rules.items()) == [
        (10, "sparkle-rewrite-health"), (11, "sparkle-redirect-legacy"), (12, "sparkle-redirect-old"),
        (13, "sparkle-rewrite-gw")]  # longer paths first, then by path
    assert min(r["priority"] for n, r in rules.items() if n not in edge_rules) == 100
    assert edge_rules["sparkle-rewrite-gw"]["transforms"] == [{"type": "url-rewrite", "urlRewriteConfig": {
        "rewrite": {"regex": "^/gw/?(.*)$", "replace": "/$1"}}}]
    assert edge_rules["sparkle-rewrite-gw"]["conditions"] == [
        {"pathPattern": {"values": ["/gw", "/gw/*"]}}, {"hostHeader": {"values": ["sparkle.example.com"]}}]
    assert edge_rules["sparkle-redirect-old"]["actions"] == [{"type": "redirect", "redirect": {
        "protocol": "HTTPS", "port": "443", "host": "example.org", "path": "/new", "statusCode": "HTTP_302"}}]
    assert edge_rules["sparkle-redirect-legacy"]["actions"][0]["redirect"]["statusCode"] == "HTTP_301"
    assert [w for w in synthesis.warnings if w.startswith("sparkle: the ALB cannot")] == [
        "sparkle: the ALB cannot send Referrer-Policy (no listener attribute); the app must send "
        "'strict-origin-when-cross-origin' itself",
        "sparkle: the ALB cannot set Cache-Control per path; responses under /uploads carry 'private, no-cache' "
        "only if the app sends it (edge.cache)"]


def test_aws_listener_and_cdn_headers_follow_the_spec():
    headers = {"hsts_max_age_seconds": 63072000, "hsts_preload": True, "frame_options": "SAMEORIGIN",
               "content_type_nosniff": False, "referrer_policy": "no-referrer"}
    synthesis = _aws({"zmage": {"edge": {"security_headers": headers}}})
    (https,) = [r.inputs for r in synthesis.by_type("aws:lb/listener:Listener") if r.inputs["port"] == 443]
    assert https["routingHttpResponseStrictTransportSecurityHeaderValue"] == \
        "max-age=63072000; includeSubDomains; preload"
    assert https["routingHttpResponseXFrameOptionsHeaderValue"] == "SAMEORIGIN"
    assert "routingHttpResponseXContentTypeOptionsHeaderValue" not in https
    (policy,) = synthesis.by_type("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    assert policy.inputs["name"] == "test-zmage-media-headers"
    assert policy.inputs["securityHeadersConfig"] == {
        "frameOptions": {"frameOption": "SAMEORIGIN", "override": True},
        "referrerPolicy": {"referrerPolicy": "no-referrer", "override": True},
        "strictTransportSecurity": {"accessControlMaxAgeSec": 63072000, "override": True,
                                    "includeSubdomains": True, "preload": True}}
    (distribution,) = synthesis.by_type("aws:cloudfront/distribution:Distribution")
    assert policy.urn in distribution.dependencies  # its id is the distribution's responseHeadersPolicyId
    assert distribution.inputs["defaultCacheBehavior"]["responseHeadersPolicyId"] != \
        "67f7725c-6f97-4210-82d7-5512b31e9d03"  # no longer the managed SecurityHeadersPolicy
