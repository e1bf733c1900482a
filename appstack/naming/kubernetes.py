"""Kubernetes name limits the components build names against (API server validation and controllers)."""

from __future__ import annotations

import re

from . import shorten

NAMESPACE = 63  # a DNS-1123 label
LABEL_VALUE = 63
CRONJOB = 52  # the CronJob controller appends 11 characters to name each Job
S3_BUCKET = 63  # object storage bucket names (S3 rules)
# Namespaces the cluster itself (or appstack's shared services) uses: an app never takes one over.
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def namespace_name(prefix: str, app: str) -> str:
    """<namespace_prefix><app>, shortened to a DNS label."""
    return shorten(f"{prefix}{app}", NAMESPACE)


def label_value(text: str) -> str:
    """Any text (a stack name) as a label value: at most 63 characters, alphanumeric at both ends."""
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", shorten(value, LABEL_VALUE)) or "x"


def bucket_name(prefix: str, namespace: str, suffix: str) -> str:
    """<bucket_prefix><namespace>-<suffix> (an object storage bucket), within S3's 63 characters."""
    return shorten(f"{prefix}{namespace}-{suffix}", S3_BUCKET)
