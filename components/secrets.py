"""An app's secret values: generated ones with pulumi-random, provided ones from stack config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_random as random

from appstack.spec import SecretSpec


@dataclass(frozen=True)
class AppSecretsArgs:
    secrets: Mapping[str, SecretSpec]
    provided: Mapping[str, str]  # operator-provided plaintext values read from config (kept secret here)
    protect: bool  # generated values are protected in production: losing one rotates everything


class AppSecrets(pulumi.ComponentResource):
    """`values` maps every available secret name to a Pulumi secret output; `rollout_key` keys the
    digests that roll workloads when a secret value changes (appstack.components.bindings.secret_digest)."""

    values: dict[str, pulumi.Output[str]]
    rollout_key: pulumi.Output[str]

    def __init__(self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:app:Secrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, protect=args.protect)
        self.values = {}
        for secret_name, spec in sorted(args.secrets.items()):
            resource_name = f"{name}-{secret_name.lower().replace('_', '-')}"
            if spec.source == "generated":
                self.values[secret_name] = _generate(resource_name, spec, child)
            elif secret_name in args.provided:
                self.values[secret_name] = pulumi.Output.secret(args.provided[secret_name])
        self.rollout_key = random.RandomBytes(f"{name}-rollout-key", length=32, opts=child).hex
        self.register_outputs({"names": sorted(self.values)})


def _generate(resource_name: str, spec: SecretSpec, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    if spec.charset == "hex":
        # RandomBytes keeps its hex output secret in state; two hex digits per byte.
        return random.RandomBytes(resource_name, length=spec.length // 2, opts=opts).hex
    password = random.RandomPassword(
        resource_name,
        length=spec.length,
        special=spec.charset == "urlsafe",
        override_special="-_" if spec.charset == "urlsafe" else None,
        min_lower=1,
        min_upper=1,
        min_numeric=1,
        opts=opts,
    )
    return password.result
