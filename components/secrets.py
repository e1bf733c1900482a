"""An app's secret values: generated ones (components/generated.py), provided ones from stack config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from appstack.spec import SecretSpec

from .generated import random_hex, random_password


@dataclass(frozen=True)
class AppSecretsArgs:
    secrets: Mapping[str, SecretSpec]
    provided: Mapping[str, str]  # operator-provided plaintext values read from config (kept secret here)
    protect: bool  # generated values are protected in production: losing one rotates everything
    generated_from_config: bool = False  # appstack:generated_secrets: config (components/generated.py)


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
                self.values[secret_name] = _generate(resource_name, spec, child, args.generated_from_config)
            elif secret_name in args.provided:
                self.values[secret_name] = pulumi.Output.secret(args.provided[secret_name])
        self.rollout_key = random_hex(f"{name}-rollout-key", 32, child, config=args.generated_from_config)
        self.register_outputs({"names": sorted(self.values)})


def _generate(resource_name: str, spec: SecretSpec, opts: pulumi.ResourceOptions, config: bool) -> pulumi.Output[str]:
    if spec.charset == "hex":
        # RandomBytes keeps its hex output secret in state; two hex digits per byte.
        return random_hex(resource_name, spec.length // 2, opts, config=config)
    return random_password(resource_name, spec.length, spec.charset == "urlsafe", opts, config=config)
