"""Validation of synthesized Kubernetes objects.

Built-in kinds are checked against the official OpenAPI-derived JSON schemas bundled with
kubernetes-validate, in their *strict* form (unknown fields rejected). The schemas are loaded once
per (version, kind) so validating a whole stack stays fast. Custom resources (cert-manager,
Prometheus Operator, CloudNativePG) have no bundled schema: they are checked against the minimal
schemas below, written from the fields each CRD documents (unknown top-level spec fields rejected).
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from referencing import Registry, Resource

from ..synth import UNKNOWN, PlanResource, reveal

# The oldest release still widely supported by managed clusters, and the newest bundled one.
K8S_VERSIONS = ("1.30.0", "1.37.0")
SCHEMA_ROOT = resources.files("kubernetes_validate") / "kubernetes-json-schema"


def plain(value: Any) -> Any:
    """Synthesized inputs with Secret markers unwrapped (schemas check shapes, never values)."""
    revealed = reveal(value)
    assert UNKNOWN not in json.dumps(revealed), "offline plans must not contain unknown values"
    return revealed


def manifest(resource: PlanResource) -> dict[str, Any]:
    return plain(resource.inputs)


@cache
def _registry(version: str) -> Registry:
    definitions = json.loads((SCHEMA_ROOT / f"v{version}-local-strict" / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


@cache
def _validator(version: str, api_version: str, kind: str) -> jsonschema.Validator:
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = SCHEMA_ROOT / f"v{version}-local-strict" / f"{kind.lower()}-{group}.json"
    schema = json.loads(path.read_text())
    return jsonschema.Draft202012Validator(schema, registry=_registry(version))


def validate_builtin(obj: dict[str, Any], version: str) -> list[str]:
    validator = _validator(version, obj["apiVersion"], obj["kind"])
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or [], "additionalProperties": False}


_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
_METADATA = _obj({"name": _STR, "namespace": _STR, "labels": _LABELS, "annotations": _LABELS}, ["name", "namespace"])
_SECRET_KEY = _obj({"name": _STR, "key": _STR}, ["name", "key"])
_GO_DURATION = {"type": "string", "pattern": r"^([0-9]+(\.[0-9]+)?(h|m|s|ms))+$"}  # Go's time.ParseDuration units
_KEY_USAGES = ["signing", "digital signature", "content commitment", "key encipherment", "key agreement",
               "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
               "server auth", "client auth", "code signing", "email protection", "s/mime", "ipsec end system",
               "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc"]

CRD_SPECS: dict[tuple[str, str], dict[str, Any]] = {
    ("cert-manager.io/v1", "Certificate"): {**_obj({
        "secretName": _STR,
        "commonName": {"type": "string", "minLength": 1, "maxLength": 64},  # X.509's upper bound on a CN
        "dnsNames": {"type": "array", "items": _STR, "minItems": 1},
        "isCA": _BOOL,
        "duration": _GO_DURATION,
        "renewBefore": _GO_DURATION,
        "usages": {"type": "array", "items": {"enum": _KEY_USAGES}},
        "issuerRef": _obj({"name": _STR, "kind": {"enum": ["Issuer", "ClusterIssuer"]}, "group": _STR}, ["name"]),
        "privateKey": _obj({"algorithm": {"enum": ["RSA", "ECDSA", "Ed25519"]}, "size": _INT,
                            "rotationPolicy": {"enum": ["Never", "Always"]}}),
    }, ["secretName", "issuerRef"]),
        # cert-manager refuses a Certificate that names no subject at all.
        "anyOf": [{"required": ["commonName"]}, {"required": ["dnsNames"]}]},
    ("cert-manager.io/v1", "Issuer"): {**_obj({
        "selfSigned": _obj({}),
        "ca": _obj({"secretName": _STR}, ["secretName"]),
    }), "minProperties": 1, "maxProperties": 1},  # exactly one issuer type
    ("monitoring.coreos.com/v1", "ServiceMonitor"): _obj({
        "selector": _obj({"matchLabels": _LABELS}, ["matchLabels"]),
        "namespaceSelector": _obj({"matchNames": {"type": "array", "items": _STR}}),
        "endpoints": {"type": "array", "minItems": 1, "items": _obj({
            "port": _STR, "path": {"type": "string", "pattern": "^/"}, "scheme": {"enum": ["http", "https"]},
            "interval": {"type": "string", "pattern": r"^\d+s$"}}, ["port"])},
    }, ["selector", "endpoints"]),
    ("monitoring.coreos.com/v1", "PrometheusRule"): _obj({
        "groups": {"type": "array", "minItems": 1, "items": _obj({
            "name": _STR,
            "rules": {"type": "array", "minItems": 1, "items": _obj({
                "alert": _STR, "expr": {"type": "string", "minLength": 1},
                "for": {"type": "string", "pattern": r"^\d+(s|m|h|d)$"},
                "labels": _LABELS, "annotations": _LABELS}, ["alert", "expr"])},
        }, ["name", "rules"])},
    }, ["groups"]),
    ("postgresql.cnpg.io/v1", "Cluster"): _obj({
        "instances": {"type": "integer", "minimum": 1},
        "imageName": _STR,
        "primaryUpdateStrategy": {"enum": ["unsupervised", "supervised"]},
        "enableSuperuserAccess": _BOOL,
        "storage": _obj({"size": _STR, "storageClass": _STR}, ["size"]),
        "resources": {"type": "object"},
        "postgresql": _obj({"parameters": _LABELS, "shared_preload_libraries": {"type": "array", "items": _STR}}),
        "bootstrap": _obj({"initdb": _obj({
            "database": _STR, "owner": _STR, "secret": _obj({"name": _STR}, ["name"]),
            "postInitApplicationSQL": {"type": "array", "items": _STR}}, ["database", "owner"])}),
        "managed": _obj({"roles": {"type": "array", "items": _obj({
            "name": _STR, "ensure": {"enum": ["present", "absent"]}, "login": _BOOL, "inherit": _BOOL}, ["name"])}}),
        "affinity": _obj({"enablePodAntiAffinity": _BOOL, "topologyKey": _STR,
                          "podAntiAffinityType": {"enum": ["preferred", "required"]}}),
        "inheritedMetadata": _obj({"labels": _LABELS, "annotations": _LABELS}),
        "serviceAccountTemplate": _obj({"metadata": _obj({"labels": _LABELS, "annotations": _LABELS})},
                                       ["metadata"]),
        "backup": _obj({
            "retentionPolicy": {"type": "string", "pattern": r"^[1-9][0-9]*[dwm]$"},
            "volumeSnapshot": _obj({"online": _BOOL, "className": _STR}),
            "barmanObjectStore": _obj({
                "destinationPath": {"type": "string", "pattern": "^s3://"}, "endpointURL": _STR,
                "s3Credentials": {"oneOf": [
                    _obj({"accessKeyId": _SECRET_KEY, "secretAccessKey": _SECRET_KEY},
                         ["accessKeyId", "secretAccessKey"]),
                    _obj({"inheritFromIAMRole": {"const": True}}, ["inheritFromIAMRole"])]},
                "wal": _obj({"compression": _STR}), "data": _obj({"compression": _STR})},
                ["destinationPath"]),
        }),
    }, ["instances", "storage"]),
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): _obj({
        # CloudNativePG schedules have six fields: seconds first.
        "schedule": {"type": "string", "pattern": r"^(\S+\s+){5}\S+$"},
        "cluster": _obj({"name": _STR}, ["name"]),
        "backupOwnerReference": {"enum": ["none", "self", "cluster"]},
        "method": {"enum": ["barmanObjectStore", "volumeSnapshot", "plugin"]},
        "immediate": _BOOL,
    }, ["schedule", "cluster"]),
}


def validate_custom(obj: dict[str, Any]) -> list[str]:
    spec_schema = CRD_SPECS[(obj["apiVersion"], obj["kind"])]
    schema = _obj({"apiVersion": _STR, "kind": _STR, "metadata": _METADATA, "spec": spec_schema},
                  ["apiVersion", "kind", "metadata", "spec"])
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


def is_custom(obj: dict[str, Any]) -> bool:
    return (obj["apiVersion"], obj["kind"]) in CRD_SPECS


def kubernetes_objects(resources_: list[PlanResource]) -> list[PlanResource]:
    """Every synthesized Kubernetes object (not providers, components or Helm releases)."""
    return [r for r in resources_ if r.type.startswith("kubernetes:") and r.custom
            and r.type != "kubernetes:helm.sh/v3:Release"]
