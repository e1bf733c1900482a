"""Deterministic mock outputs for offline synthesis.

Providers compute some outputs (ids, ARNs, endpoints, generated passwords). Offline, these mocks
compute stable stand-ins from the resource's name, so the same stack always plans identically.
Platform components that read a provider-computed output add it to COMPUTED_OUTPUTS.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def _digest(text: str, length: int) -> str:
    out = ""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{text}:{counter}".encode()).hexdigest()
        counter += 1
    return out[:length]


def _arn(service: str, name: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{name}"


def _random_password(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"result": _digest(name, int(inputs.get("length", 32)))}


def _random_bytes(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    hex_value = _digest(name, 2 * int(inputs.get("length", 32)))
    return {"hex": hex_value, "base64": base64.b64encode(bytes.fromhex(hex_value)).decode()}  # the same bytes


# type token -> function(name, inputs) -> outputs the provider would compute
COMPUTED_OUTPUTS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomBytes:RandomBytes": _random_bytes,
}

# invoke token -> function(args) -> result
INVOKE_RESULTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda args: {
        "names": [f"{REGION}{zone}" for zone in "abcdef"],
        "zoneIds": [f"use1-az{n}" for n in range(1, 7)],
        "state": "available",
    },
    "aws:index/getCallerIdentity:getCallerIdentity": lambda args: {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mock",
        "userId": "AIDAMOCK",
        "id": ACCOUNT_ID,
    },
    "aws:index/getRegion:getRegion": lambda args: {"name": REGION, "region": REGION, "id": REGION},
    "aws:index/getPartition:getPartition": lambda args: {"partition": "aws", "dnsSuffix": "amazonaws.com"},
}


def _platform_outputs() -> None:
    """Each platform package declares the computed outputs its components read."""
    from appstack.components.aws.mock_outputs import COMPUTED_OUTPUTS as aws_outputs
    from appstack.components.kubernetes.mock_outputs import COMPUTED_OUTPUTS as kubernetes_outputs

    for table in (aws_outputs, kubernetes_outputs):
        for type_token, compute in table.items():
            COMPUTED_OUTPUTS.setdefault(type_token, compute)


STACK_REFERENCE = "pulumi:pulumi:StackReference"


class AppstackMocks(pulumi.runtime.Mocks):
    """`stack_outputs`: the outputs of each referenced stack (by stack name), from its own offline plan."""

    def __init__(self, stack_outputs: dict[str, dict[str, Any]] | None = None) -> None:
        _platform_outputs()
        self.stack_outputs = stack_outputs or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == STACK_REFERENCE:
            name = str(args.inputs.get("name"))
            outputs = self.stack_outputs.get(name.rsplit("/", 1)[-1])
            if outputs is None:
                raise ValueError(f"no offline plan of referenced stack {name}")
            return name, {"name": name, "outputs": outputs, "secretOutputNames": []}
        outputs = dict(args.inputs)
        if args.typ.startswith("aws:"):
            service = args.typ.split(":")[1].split("/")[0]
            outputs.setdefault("arn", _arn(service, args.name))
        compute = COMPUTED_OUTPUTS.get(args.typ)
        if compute is not None:
            outputs.update(compute(args.name, args.inputs))
        resource_id = f"{args.name}-id" if args.custom else None
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        handler = INVOKE_RESULTS.get(args.token)
        return (handler(dict(args.args)) if handler else {}), []
