"""Generated secret values: pulumi-random resources, or config values for real-engine runs.

With `appstack:generated_secrets: config` (Kubernetes stacks only, never a shipped one) every value
that pulumi-random would generate is read instead from the secret config key
`appstack-generated:<resource name>`: the pulumi-random provider cannot be built from the Go module
proxy, so the real-engine test (tests/engine) sets these with `pulumi config set --secret`. The resource
names are the ones pulumi-random resources get, so the mapping is one to one.
"""

from __future__ import annotations

import pulumi
import pulumi_random as random

GENERATED_CONFIG = "appstack-generated"


def from_config(generated_secrets: str) -> bool:
    return generated_secrets == "config"


def random_hex(name: str, byte_length: int, opts: pulumi.ResourceOptions, *, config: bool) -> pulumi.Output[str]:
    """`byte_length` random bytes as 2 x byte_length hex digits (kept secret)."""
    if config:
        return pulumi.Config(GENERATED_CONFIG).require_secret(name)
    return random.RandomBytes(name, length=byte_length, opts=opts).hex


def random_password(name: str, length: int, urlsafe: bool, opts: pulumi.ResourceOptions, *,
                    config: bool) -> pulumi.Output[str]:
    """Letters and digits (at least one lower, upper and digit), plus - and _ when urlsafe."""
    if config:
        return pulumi.Config(GENERATED_CONFIG).require_secret(name)
    password = random.RandomPassword(
        name,
        length=length,
        special=urlsafe,
        override_special="-_" if urlsafe else None,
        min_lower=1,
        min_upper=1,
        min_numeric=1,
        opts=opts,
    )
    return password.result
