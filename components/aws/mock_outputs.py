"""Provider-computed outputs of AWS resources, for offline synthesis (see appstack.mocks)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def _digest(name: str, length: int) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def _bucket(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    bucket = inputs.get("bucket") or f"{name}-{_digest(name, 7)}"
    return {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
    }


def _rds_instance(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    identifier = inputs.get("identifier") or name
    address = f"{identifier}.c{_digest(name, 11)}.{REGION}.rds.amazonaws.com"
    port = inputs.get("port", 5432)
    return {"address": address, "endpoint": f"{address}:{port}", "port": port,
            "arn": f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:db:{identifier}"}


def _replication_group(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    host = f"master.{name}.{_digest(name, 6)}.use1.cache.amazonaws.com"
    return {"primaryEndpointAddress": host, "readerEndpointAddress": host.replace("master.", "replica.", 1)}


def _distribution(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    distribution_id = "E" + _digest(name, 13).upper()
    return {"domainName": f"d{_digest(name, 13)}.cloudfront.net", "hostedZoneId": "Z2FDTNDATAQYW2",
            "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{distribution_id}"}


def _kms_key(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    h = _digest(name, 32)
    key_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    return {"keyId": key_id, "arn": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key_id}"}


def _log_group(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    group = inputs.get("name") or f"{name}-{_digest(name, 7)}"
    return {"name": group, "arn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}"}


def _secret(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{name}-{_digest(name, 6)}"}


def _file_system(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    fs_id = f"fs-{_digest(name, 17)}"
    return {"dnsName": f"{fs_id}.efs.{REGION}.amazonaws.com",
            "arn": f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT_ID}:file-system/{fs_id}"}


def _access_point(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT_ID}:access-point/fsap-{_digest(name, 17)}"}


def _autonamed(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Pulumi auto-names these resources (name plus a random suffix) before creating them."""
    return {"name": inputs.get("name") or f"{name}-{_digest(name, 7)}"}


def _iam_role(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{inputs.get('name') or name}"}


# The certificate (components/aws/certificate.py) serves the ALB and CloudFront.
def _certificate(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    domains = [inputs.get("domainName", ""), *(inputs.get("subjectAlternativeNames") or [])]
    return {
        "arn": f"arn:aws:acm:{REGION}:{ACCOUNT_ID}:certificate/{_digest(name, 8)}-0000-0000-0000-{_digest(name, 12)}",
        "domainValidationOptions": [
            {
                "domainName": domain,
                "resourceRecordName": f"_{_digest(domain, 32)}.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{_digest('v' + domain, 32)}.acm-validations.aws.",
            }
            for domain in domains
        ],
    }


def _certificate_validation(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"certificateArn": inputs.get("certificateArn")}


def _route53_record(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"fqdn": str(inputs.get("name", name)).rstrip(".")}


COMPUTED_OUTPUTS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:kms/key:Key": _kms_key,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:efs/fileSystem:FileSystem": _file_system,
    "aws:efs/accessPoint:AccessPoint": _access_point,
    "aws:iam/role:Role": _iam_role,
    "aws:rds/parameterGroup:ParameterGroup": _autonamed,
    "aws:rds/subnetGroup:SubnetGroup": _autonamed,
    "aws:elasticache/parameterGroup:ParameterGroup": _autonamed,
    "aws:elasticache/subnetGroup:SubnetGroup": _autonamed,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:acm/certificateValidation:CertificateValidation": _certificate_validation,
    "aws:route53/record:Record": _route53_record,
}


def _compute_layer_outputs() -> None:
    """The compute layer (components/aws/compute) keeps its own table; merge it when it exists."""
    try:
        from .compute.mock_outputs import COMPUTED_OUTPUTS as compute_outputs
    except ImportError:
        return
    for type_token, compute in compute_outputs.items():
        COMPUTED_OUTPUTS.setdefault(type_token, compute)


_compute_layer_outputs()
