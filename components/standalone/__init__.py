"""Components usable one by one, with typed args and no whole app spec."""

from __future__ import annotations

from appstack.errors import ConfigError, Problem
from appstack.spec import ServiceSpec


def refuse_sidecars(spec: ServiceSpec) -> None:
    """A sidecar names one of the app spec's images, which a standalone service has none of."""
    if spec.sidecars:
        raise ConfigError([Problem("spec.sidecars", "a standalone service takes no sidecars (they name images "
                                   "of an app spec); deploy it through an app spec")])
