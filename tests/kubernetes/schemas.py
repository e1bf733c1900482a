"""The Kubernetes schema validation lives in the library (appstack.provider_checks); tests import it from here."""

from appstack.provider_checks.kubernetes_schemas import (
    CRD_SPECS,
    K8S_VERSIONS,
    is_custom,
    kubernetes_objects,
    manifest,
    plain,
    validate_builtin,
    validate_custom,
)

__all__ = ["CRD_SPECS", "K8S_VERSIONS", "is_custom", "kubernetes_objects", "manifest", "plain", "validate_builtin",
           "validate_custom"]
