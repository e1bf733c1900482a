"""Kubernetes platform: every app spec on any conformant cluster."""

from .platform import KubernetesPlatform

__all__ = ["KubernetesPlatform"]
