"""Stacks for the AWS network and data layer tests, each synthesized once per session.

The data layer is tested on its own: these stacks are synthesized with a no-op stand-in for the
compute layer, so they do not change while components/aws/compute evolves. `fake_compute`
checks the hand-over to AppCompute with a recording stand-in.
"""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
import pytest

from appstack.synth import Synthesis, synthesize
from tests.conftest import synth_config

COMPUTE = "appstack.components.aws.compute"
ADOPTED = {
    "vpc_id": "vpc-0123456789abcdef0",
    "cidr": "10.20.0.0/16",
    "availability_zones": ["us-east-1a", "us-east-1b"],
    "public_subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
    "private_subnet_ids": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
    "isolated_subnet_ids": ["subnet-0ccccccccccccccc1", "subnet-0ccccccccccccccc2"],
}


@dataclass(frozen=True)
class AppComputeArgs:
    """Stands in for appstack.components.aws.compute.AppComputeArgs (the same fields)."""

    spec: Any
    settings: Any
    stack: str
    network: Any
    data: Any
    rollout_key: Any
    database_instance_id: Any = None
    cache_replication_group_id: Any = None
    cache_node_count: int = 1
    shared: Any = None


def _no_compute() -> types.ModuleType:
    """A compute layer that deploys nothing."""

    class AppCompute(pulumi.ComponentResource):
        def __init__(self, name: str, args: AppComputeArgs, opts: pulumi.ResourceOptions | None = None):
            super().__init__("test:compute:NoCompute", name, None, opts)
            self.url = None
            self.migration_commands: dict[str, Any] = {}
            self.register_outputs({})

    module = types.ModuleType(COMPUTE)
    module.AppCompute, module.AppComputeArgs = AppCompute, AppComputeArgs  # type: ignore[attr-defined]
    return module


@contextmanager
def compute_module(module: types.ModuleType | None) -> Iterator[None]:
    """Replace appstack.components.aws.compute for one synthesis (None: a layer that deploys nothing)."""
    import appstack.components.aws

    saved = {k: v for k, v in sys.modules.items() if k == COMPUTE or k.startswith(COMPUTE + ".")}
    for key in saved:
        del sys.modules[key]
    stand_in = module or _no_compute()
    # Validation (appstack.semantics) still reads the real submodules (Fargate sizes, dev-only settings).
    stand_in.__path__ = [str(Path(appstack.components.aws.__file__).parent / "compute")]
    sys.modules[COMPUTE] = stand_in
    try:
        yield
    finally:
        for key in [k for k in sys.modules if k == COMPUTE or k.startswith(COMPUTE + ".")]:
            del sys.modules[key]
        sys.modules.update(saved)


@cache
def prod_stack() -> Synthesis:
    with compute_module(None):
        return synthesize("prod")


@cache
def dev_stack() -> Synthesis:
    """Dev tier: Zmage (Postgres, Redis, CDN bucket) and Elizabeth as blueprinted (SQLite on a volume)."""
    with compute_module(None):
        return synth_config(platform="aws", tier="dev", apps={"zmage": {}, "elizabeth": {}})


@cache
def adopted_stack() -> Synthesis:
    with compute_module(None):
        return synth_config(platform="aws", tier="dev", apps={"claude-relay": {}},
                            extra={"aws": {"existing_vpc": ADOPTED, "interface_endpoints": True}})


@dataclass
class Captured:
    """What AwsApp handed to the stand-in AppCompute, resolved."""

    synthesis: Synthesis
    args: dict[str, Any]  # app -> AppComputeArgs
    values: dict[str, Any]  # "<app>:binding:<attr>" / "<app>:env:<workload>:<name>" / ... -> value


@cache
def fake_compute_stack() -> Captured:
    """Zmage and Elizabeth (dev) with a stand-in compute module that records its arguments."""
    args: dict[str, Any] = {}
    values: dict[str, Any] = {}

    class AppCompute(pulumi.ComponentResource):
        def __init__(self, name: str, compute_args: AppComputeArgs, opts: pulumi.ResourceOptions | None = None):
            super().__init__("test:compute:AppCompute", name, None, opts)
            args[name] = compute_args
            data = compute_args.data
            outputs = {f"binding:{k}": v for k, v in data.binding_values.items()}
            outputs |= {f"env:{w}:{e}": arn for (w, e), arn in data.env_secret_arns.items()}
            outputs |= {f"bucket:{k}": v for k, v in data.bucket_arns.items()}
            outputs |= {f"efs:{s}:{v}": refs.access_point_id for (s, v), refs in data.file_systems.items()}
            outputs |= {"kms": data.kms_key_arn, "workload_sg": data.workload_security_group_id,
                        "vpc": compute_args.network.vpc_id}
            outputs |= {f"secret_arn:{i}": arn for i, arn in enumerate(data.secret_arns)}
            keys = sorted(outputs)
            pulumi.Output.all(*[outputs[k] for k in keys]).apply(
                lambda resolved: values.update({f"{name}:{k}": v for k, v in zip(keys, resolved, strict=True)})
            )
            # Recorded as the engine would receive them: secret attributes arrive as secrets.
            pulumi.CustomResource("test:compute:Bindings", f"{name}-bindings", {"values": dict(data.binding_values)},
                                  opts=pulumi.ResourceOptions(parent=self))
            self.url = pulumi.Output.from_input(f"https://{name}.example.com")
            self.migration_commands = {}
            self.register_outputs({})

    module = types.ModuleType(COMPUTE)
    module.AppCompute, module.AppComputeArgs = AppCompute, AppComputeArgs  # type: ignore[attr-defined]
    with compute_module(module):
        config = {"appstack:platform": "aws", "appstack:tier": "dev", "appstack:domain": "example.com",
                  "appstack:apps": json.dumps({"zmage": {}, "elizabeth": {}})}
        synthesis = synthesize("test", config=config, secret_keys=[])
    return Captured(synthesis, args, values)


@pytest.fixture(scope="session")
def prod() -> Synthesis:
    return prod_stack()


@pytest.fixture(scope="session")
def dev() -> Synthesis:
    return dev_stack()


@pytest.fixture(scope="session")
def adopted() -> Synthesis:
    return adopted_stack()


@pytest.fixture(scope="session")
def captured() -> Captured:
    return fake_compute_stack()
