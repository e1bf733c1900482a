"""Outbound rules: where an app's workloads may connect besides HTTPS, their own services and data stores."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .base import Hostname, Strict


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError:
        raise ValueError("a CIDR block with no host bits set, e.g. 10.20.0.0/16 or 2001:db8::/32") from None


Cidr = Annotated[str, AfterValidator(_network)]
# What EC2 accepts in a security group rule description (and nothing that needs quoting elsewhere).
RuleDescription = Annotated[str, Field(pattern=r"^[a-zA-Z0-9. _:/()#,@+=&;{}!$*-]{1,200}$")]
ANYWHERE = ("0.0.0.0/0", "::/0")


class EgressRule(Strict):
    """One outbound rule of every workload of the app: a TCP or UDP port (range) to CIDR blocks.

    `hosts` only documents the destination: neither security groups nor Kubernetes NetworkPolicies
    can match host names, so a rule with hosts and no `cidrs` opens the port to every address.
    """

    port: int = Field(ge=1, le=65535)
    to_port: int | None = Field(None, ge=1, le=65535, description="last port of a range (default: port)")
    protocol: Literal["tcp", "udp"] = "tcp"
    cidrs: list[Cidr] = Field(default_factory=list, description="destinations; empty with hosts: anywhere")
    hosts: list[Hostname] = Field(default_factory=list, description="documentation of the destination names")
    description: RuleDescription = Field(description="what the workloads reach there (EC2 rule description)")

    @model_validator(mode="after")
    def _destination(self) -> EgressRule:
        if not self.cidrs and not self.hosts:
            raise ValueError("give cidrs (where the port opens) or hosts (documentation; opens it to anywhere)")
        if self.to_port is not None and self.to_port < self.port:
            raise ValueError(f"to_port ({self.to_port}) is below port ({self.port})")
        return self

    @property
    def destinations(self) -> list[str]:
        return list(self.cidrs) if self.cidrs else list(ANYWHERE)

    @property
    def last_port(self) -> int:
        return self.to_port or self.port
