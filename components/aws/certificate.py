"""The ALB's certificate: a supplied ACM ARN, or one requested and DNS-validated (in Route 53 when given)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class CertificateArgs:
    domains: Sequence[str]  # the first is the certificate's name, the rest its alternative names
    hosted_zone_id: str | None
    # Names whose validation CNAME another certificate of the stack already creates in the zone (ACM uses
    # one record per name and account): not created twice, so deleting one certificate keeps the other's.
    validated_elsewhere: Sequence[str] = ()


def _validation_record(cert: aws.acm.Certificate, domain: str, field: str) -> pulumi.Output[str]:
    return cert.domain_validation_options.apply(
        lambda options: next(getattr(o, field) for o in options if o.domain_name == domain)
    )


class DnsValidatedCertificate(pulumi.ComponentResource):
    """`arn` is usable only once ACM issued it: it comes from the CertificateValidation.

    With a hosted zone the validation CNAMEs are created here. Without one, `pulumi up` waits at the
    validation step and logs the CNAMEs to create at the domain's DNS provider.
    """

    def __init__(self, name: str, args: CertificateArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:DnsValidatedCertificate", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        domain, *alternatives = args.domains
        cert = aws.acm.Certificate(
            name,
            domain_name=domain,
            subject_alternative_names=alternatives,
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            opts=child,
        )
        fqdns: list[pulumi.Output[str]] = []
        for index, name_to_validate in enumerate(args.domains):
            record_name = _validation_record(cert, name_to_validate, "resource_record_name")
            record_type = _validation_record(cert, name_to_validate, "resource_record_type")
            record_value = _validation_record(cert, name_to_validate, "resource_record_value")
            if args.hosted_zone_id and name_to_validate in args.validated_elsewhere:
                continue
            if args.hosted_zone_id:
                record = aws.route53.Record(
                    f"{name}-validation-{index}",
                    zone_id=args.hosted_zone_id,
                    name=record_name,
                    type=record_type,
                    records=[record_value],
                    ttl=300,
                    allow_overwrite=True,
                    opts=child,
                )
                fqdns.append(record.fqdn)
            else:
                pulumi.Output.all(record_name, record_type, record_value).apply(
                    lambda r, d=name_to_validate: pulumi.log.warn(
                        f"create this DNS record to validate the certificate for {d}: {r[0]} {r[1]} {r[2]}", self
                    )
                )
        # With a record left to another certificate, wait for issuance rather than list every record.
        complete = not any(d in args.validated_elsewhere for d in args.domains)
        validation = aws.acm.CertificateValidation(
            name,
            certificate_arn=cert.arn,
            validation_record_fqdns=(fqdns or None) if complete else None,
            opts=child,
        )
        self.arn = validation.certificate_arn
        self.register_outputs({"arn": self.arn})
