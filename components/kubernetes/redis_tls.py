"""RedisTls: the private PKI of one app's in-cluster Redis, issued by cert-manager inside its namespace.

A self-signed Issuer signs the app's own CA Certificate; a CA Issuer built on it signs the server
Certificate, whose DNS names cover every name of the Redis Service. No ClusterIssuer is involved, so one
app's CA never vouches for another app's Redis. Clients trust the CA through `ca.crt` of the server's
Secret (that key only is projected into their pods); the CA's private key stays in Secret `redis-ca`,
which only cert-manager reads.

Redis reads its certificate at start: the server certificate lives a year and is renewed 30 days before
it expires, and a restart of the StatefulSet (docs/kubernetes.md) loads the renewed one.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .common import TYPE_PREFIX, WAIT_FOR_ANNOTATION, AppContext, child

API_VERSION = "cert-manager.io/v1"
SELF_SIGNED = "redis-selfsigned"
CA = "redis-ca"  # the CA Certificate, its Secret and the Issuer that signs with it
SERVER_SECRET = "redis-tls"
MOUNT = "/etc/redis/tls"  # inside the server's projected config volume
CLIENT_MOUNT = "/etc/redis-ca"
CA_FILE = f"{CLIENT_MOUNT}/ca.crt"
# Clients mount only ca.crt of the server's Secret: the Secret also holds the server's private key.
CLIENT_CA_VOLUME = {"name": "redis-ca", "secret": {"secretName": SERVER_SECRET, "defaultMode": 0o444,
                                                   "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
CLIENT_CA_VOLUME_MOUNT = {"name": "redis-ca", "mountPath": CLIENT_MOUNT, "readOnly": True}
KEY = {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"}
READY = {WAIT_FOR_ANNOTATION: "condition=Ready"}  # the provider waits until cert-manager has issued it


def issuer_ref(name: str) -> dict[str, str]:
    return {"name": name, "kind": "Issuer", "group": "cert-manager.io"}


def dns_names(service: str, namespace: str) -> list[str]:
    """Every name a client in the cluster may use for the Service."""
    return [service, f"{service}.{namespace}", f"{service}.{namespace}.svc", f"{service}.{namespace}.svc.cluster.local"]


def server_config_lines(port: int) -> list[str]:
    """redis.conf lines of a TLS-only server: no plain-text port; clients need no certificate of their own
    (they authenticate with AUTH)."""
    return ["port 0", f"tls-port {port}", f"tls-cert-file {MOUNT}/tls.crt", f"tls-key-file {MOUNT}/tls.key",
            f"tls-ca-cert-file {MOUNT}/ca.crt", "tls-auth-clients no"]


class RedisTls(pulumi.ComponentResource):
    """Outputs: `certificate` (the server Certificate: the StatefulSet waits on it), `secret_name`."""

    def __init__(self, name: str, ctx: AppContext, service: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:RedisTls", name, None, opts)

        def resource(suffix: str, kind: str, object_name: str, spec: dict[str, Any], **options: Any):
            annotations = READY if kind == "Certificate" else None
            return k8s.apiextensions.CustomResource(
                f"{name}-{suffix}", api_version=API_VERSION, kind=kind,
                metadata=ctx.meta(object_name, annotations=annotations), spec=spec, opts=child(self, **options))

        self_signed = resource("selfsigned-issuer", "Issuer", SELF_SIGNED, {"selfSigned": {}})
        # The common name stays within X.509's 64 characters: app names have at most 40.
        ca = resource("ca", "Certificate", CA, {
            "isCA": True, "commonName": f"{ctx.app} redis CA", "secretName": CA,
            "duration": "87600h", "renewBefore": "720h", "privateKey": KEY, "issuerRef": issuer_ref(SELF_SIGNED),
        }, depends_on=[self_signed])
        ca_issuer = resource("ca-issuer", "Issuer", CA, {"ca": {"secretName": CA}}, depends_on=[ca])
        self.certificate = resource("certificate", "Certificate", SERVER_SECRET, {
            "secretName": SERVER_SECRET, "dnsNames": dns_names(service, ctx.namespace),
            "duration": "8760h", "renewBefore": "720h", "usages": ["server auth", "digital signature"],
            "privateKey": KEY, "issuerRef": issuer_ref(CA),
        }, depends_on=[ca_issuer])
        self.secret_name = SERVER_SECRET
        self.register_outputs({"secret_name": self.secret_name})
