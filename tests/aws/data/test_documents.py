"""Every JSON document the network and data layer writes passes the AWS policy grammar, and the
structured settings pass the AWS API shapes (botocore service models), so a malformed one fails here."""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.validate import ParamValidator
from moto.iam.policy_validation import IAMPolicyDocumentValidator, IAMTrustPolicyDocumentValidator

from .helpers import RDS_PARAMS, REDIS, app_of, plain

POLICY_FIELDS = {"policy": IAMPolicyDocumentValidator, "assumeRolePolicy": IAMTrustPolicyDocumentValidator}


def _documents(synthesis):
    for resource in synthesis.resources:
        if not resource.type.startswith("aws:"):
            continue
        if app_of(synthesis, resource) is None and not resource.name.startswith("aws-"):
            continue  # not this layer's
        for field, validator in POLICY_FIELDS.items():
            if field in resource.inputs:
                yield resource, field, plain(resource.inputs[field]), validator


def test_every_policy_document_is_valid(prod, dev, adopted):
    seen = set()
    for synthesis in (prod, dev, adopted):
        for resource, _field, text, validator in _documents(synthesis):
            validator(text).validate()
            document = json.loads(text)
            assert document["Version"] == "2012-10-17"
            sids = [s.get("Sid") for s in document["Statement"]]
            assert all(sids) and len(set(sids)) == len(sids), resource.name
            seen.add(resource.type)
    assert seen == {
        "aws:kms/keyPolicy:KeyPolicy", "aws:s3/bucketPolicy:BucketPolicy", "aws:efs/fileSystemPolicy:FileSystemPolicy",
        "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy",
    }


@pytest.mark.parametrize("broken", [
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allowed", "Action": "s3:GetObject", "Resource": "*"}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}]},
    {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
])
def test_the_check_rejects_malformed_documents(broken):
    with pytest.raises(Exception, match="(?i)policy"):
        IAMPolicyDocumentValidator(json.dumps(broken)).validate()


_SESSION = botocore.session.get_session()


def _validate(service: str, operation: str, params: dict) -> None:
    model = _SESSION.get_service_model(service).operation_model(operation)
    report = ParamValidator().validate(params, model.input_shape)
    assert not report.has_errors(), report.generate_report()


def _s3(synthesis, kind):
    return synthesis.by_type(f"aws:s3/{kind[0].lower()}{kind[1:]}:{kind}")


def _pascal(value):
    """Pulumi's camelCase inputs as the API's PascalCase members."""
    if isinstance(value, dict):
        return {k[0].upper() + k[1:]: _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def test_bucket_settings_match_the_s3_api_shapes(prod, dev):
    for synthesis in (prod, dev):
        for block in _s3(synthesis, "BucketPublicAccessBlock"):
            config = {k[0].upper() + k[1:]: v for k, v in block.inputs.items() if k != "bucket"}
            _validate("s3", "PutPublicAccessBlock", {"Bucket": "b", "PublicAccessBlockConfiguration": config})
        for sse in _s3(synthesis, "BucketServerSideEncryptionConfiguration"):
            rules = [_pascal(r) for r in sse.inputs["rules"]]
            for rule in rules:
                default = rule["ApplyServerSideEncryptionByDefault"]
                default["SSEAlgorithm"] = default.pop("SseAlgorithm")
                if "KmsMasterKeyId" in default:
                    default["KMSMasterKeyID"] = default.pop("KmsMasterKeyId")
            _validate("s3", "PutBucketEncryption",
                      {"Bucket": "b", "ServerSideEncryptionConfiguration": {"Rules": rules}})
        for lifecycle in _s3(synthesis, "BucketLifecycleConfiguration"):
            rules = []
            for rule in _pascal(lifecycle.inputs["rules"]):
                rule["ID"] = rule.pop("Id")
                rules.append(rule)
            _validate("s3", "PutBucketLifecycleConfiguration",
                      {"Bucket": "b", "LifecycleConfiguration": {"Rules": rules}})
        for cors in _s3(synthesis, "BucketCorsConfiguration"):
            _validate("s3", "PutBucketCors",
                      {"Bucket": "b", "CORSConfiguration": {"CORSRules": _pascal(cors.inputs["corsRules"])}})


def test_rds_parameters_match_the_rds_api_shape(prod):
    for group in prod.by_type(RDS_PARAMS):
        parameters = [{"ParameterName": p["name"], "ParameterValue": p["value"], "ApplyMethod": p["applyMethod"]}
                      for p in group.inputs["parameters"]]
        _validate("rds", "ModifyDBParameterGroup", {"DBParameterGroupName": "g", "Parameters": parameters})


def test_replication_groups_match_the_elasticache_api_shape(prod, dev):
    for synthesis in (prod, dev):
        for group in synthesis.by_type(REDIS):
            i = plain(group.inputs)
            params = {
                "ReplicationGroupId": "g", "ReplicationGroupDescription": i["description"], "Engine": i["engine"],
                "EngineVersion": i["engineVersion"], "CacheNodeType": i["nodeType"],
                "NumCacheClusters": i["numCacheClusters"], "AutomaticFailoverEnabled": i["automaticFailoverEnabled"],
                "MultiAZEnabled": i["multiAzEnabled"], "Port": i["port"],
                "AtRestEncryptionEnabled": i["atRestEncryptionEnabled"], "KmsKeyId": i["kmsKeyId"],
                "TransitEncryptionEnabled": i["transitEncryptionEnabled"],
                "TransitEncryptionMode": i["transitEncryptionMode"], "AuthToken": i["authToken"],
                "SnapshotRetentionLimit": i["snapshotRetentionLimit"],
                "PreferredMaintenanceWindow": i["maintenanceWindow"],
                "LogDeliveryConfigurations": [{
                    "LogType": c["logType"], "DestinationType": c["destinationType"], "LogFormat": c["logFormat"],
                    "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": c["destination"]}},
                } for c in i["logDeliveryConfigurations"]],
            }
            _validate("elasticache", "CreateReplicationGroup", params)
