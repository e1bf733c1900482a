"""CloudFront for `access: cdn` buckets: on the app's domain with an ACM certificate from us-east-1 and
TLSv1.2_2021; the default certificate (which accepts TLS 1.0) only for dev stacks without a domain."""

from __future__ import annotations

import pulumi
import pytest
from appstack.components.aws.mock_outputs import _certificate, _distribution

from tests.conftest import synth_config

from .conftest import compute_module
from .helpers import DISTRIBUTION

CERTIFICATE = "aws:acm/certificate:Certificate"
RECORD = "aws:route53/record:Record"
ZONE = "Z0123456789ABCDEFGHIJ"


def synth(**kwargs):
    with compute_module(None):
        return synth_config(platform="aws", **kwargs)


def test_prod_serves_the_bucket_on_the_apps_domain_with_tls_1_2_2021(prod):
    (distribution,) = prod.by_type(DISTRIBUTION)
    assert distribution.inputs["aliases"] == ["media.zmage.example.com"]
    assert distribution.inputs["viewerCertificate"] == {
        "acmCertificateArn": _certificate("zmage-media-cdn", {})["arn"],
        "sslSupportMethod": "sni-only",
        "minimumProtocolVersion": "TLSv1.2_2021",
    }
    (certificate,) = [c for c in prod.by_type(CERTIFICATE) if c.name == "zmage-media-cdn"]
    assert certificate.inputs["domainName"] == "media.zmage.example.com"
    assert certificate.inputs["validationMethod"] == "DNS"
    assert certificate.options["provider"] in (None, "")  # us-east-1 is the stack's own region
    assert not [r for r in prod.resources if r.type.startswith("pulumi:providers:")]


def test_a_hosted_zone_validates_the_certificate_and_aliases_the_host_over_ipv4_and_ipv6():
    synthesis = synth(tier="prod", apps={"zmage": {}}, extra={"aws": {"hosted_zone_id": ZONE}})
    records = {r.name: r.inputs for r in synthesis.by_type(RECORD)}
    target = {"name": _distribution("zmage-media", {})["domainName"], "zoneId": "Z2FDTNDATAQYW2",
              "evaluateTargetHealth": False}
    for kind in ("a", "aaaa"):
        record = records[f"zmage-media-cdn-{kind}"]
        assert (record["zoneId"], record["name"], record["type"]) == (ZONE, "media.zmage.example.com", kind.upper())
        assert record["aliases"] == [target]
    assert records["zmage-media-cdn-validation-0"]["type"] == "CNAME"


def test_a_stack_outside_us_east_1_requests_the_certificate_there():
    synthesis = synth(tier="prod", apps={"zmage": {}}, extra={"aws": {"region": "eu-west-1"}})
    (provider,) = [r for r in synthesis.resources if r.type == "pulumi:providers:aws"]
    assert provider.name == "zmage-us-east-1" and provider.inputs["region"] == "us-east-1"
    (certificate,) = [c for c in synthesis.by_type(CERTIFICATE) if c.name == "zmage-media-cdn"]
    assert certificate.options["provider"].startswith(provider.urn)


def test_dev_without_a_domain_keeps_the_default_certificate():
    synthesis = synth(tier="dev", domain=None, apps={"zmage": {"tls": False}},
                      extra={"aws": {"allow_plain_http": True}})
    (distribution,) = synthesis.by_type(DISTRIBUTION)
    assert distribution.inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert "aliases" not in distribution.inputs
    assert not [c for c in synthesis.by_type(CERTIFICATE) if c.name.endswith("-cdn")]


@pytest.mark.parametrize(("domain", "overrides"), [(None, {"tls": False}), ("example.com", {"tls": False})])
def test_prod_refuses_a_cdn_on_the_default_certificate(domain, overrides):
    with pytest.raises(pulumi.RunError) as error:
        synth(tier="prod", domain=domain, apps={"zmage": overrides})
    # Every problem at once: the compute layer's plain-HTTP refusal is reported by load_stack too.
    assert str(error.value).splitlines() == [
        "Invalid configuration for stack 'test' (2 problems):",
        "  - apps.zmage.storage.media.access: a prod CDN needs the app's domain with tls: true (served at "
        "<bucket>.<domain> with an ACM certificate and TLS 1.2+); CloudFront's default certificate also accepts "
        "TLS 1.0",
        "  - apps.zmage.tls: public routes without TLS need a dev stack with aws.allow_plain_http: true; give the "
        "app a domain to serve it over HTTPS",
    ]


def test_a_host_beyond_acms_64_characters_goes_behind_the_apps_domain():
    """ACM's first name takes 64 characters, alternative names 253: the app's domain leads, and its
    validation record is left to the ALB's certificate, which creates it."""
    domain = "z" * 50 + ".example.com"  # 62 characters: the ALB's certificate fits
    synthesis = synth(tier="prod", apps={"zmage": {"domain": domain}}, extra={"aws": {"hosted_zone_id": ZONE}})
    (certificate,) = [c for c in synthesis.by_type(CERTIFICATE) if c.name == "zmage-media-cdn"]
    assert certificate.inputs["domainName"] == domain
    assert certificate.inputs["subjectAlternativeNames"] == [f"media.{domain}"]
    records = sorted(r.name for r in synthesis.by_type(RECORD) if r.name.startswith("zmage-media-cdn-validation"))
    assert records == ["zmage-media-cdn-validation-1"]  # the host's; the domain's belongs to the ALB certificate
    (validation,) = [v for v in synthesis.by_type("aws:acm/certificateValidation:CertificateValidation")
                     if v.name == "zmage-media-cdn"]
    assert "validationRecordFqdns" not in validation.inputs  # waits for issuance instead


def test_a_short_host_is_the_certificates_only_name():
    synthesis = synth(tier="prod", apps={"zmage": {}}, extra={"aws": {"hosted_zone_id": ZONE}})
    (certificate,) = [c for c in synthesis.by_type(CERTIFICATE) if c.name == "zmage-media-cdn"]
    assert certificate.inputs["domainName"] == "media.zmage.example.com"
    assert certificate.inputs.get("subjectAlternativeNames") in (None, [])
    (validation,) = [v for v in synthesis.by_type("aws:acm/certificateValidation:CertificateValidation")
                     if v.name == "zmage-media-cdn"]
    (option,) = _certificate("zmage-media-cdn", certificate.inputs)["domainValidationOptions"]
    assert validation.inputs["validationRecordFqdns"] == [option["resourceRecordName"].rstrip(".")]


def test_no_route_takes_the_cdn_host():
    route = {"services": {"web": {"routes": [{"path": "/", "host": "media.zmage.example.com"}]}}}
    with pytest.raises(pulumi.RunError) as error:
        synth(tier="dev", apps={"zmage": route})
    assert ("  - apps.zmage.storage.media: is served at media.zmage.example.com, which a route of the app uses "
            "too; rename one") in str(error.value).splitlines()
