"""How long a rollout may take, derived from the pods' probes, so `pulumi up` fails exactly when it should.

The Kubernetes provider waits for a Deployment or StatefulSet to be ready (10 minutes by default) and
fails the update when it is not. A fixed 10 minutes is wrong both ways: a service whose startup probe
allows 15 minutes fails a healthy rollout, and a broken one is waited on longer than its probes allow.

Per pod, the kubelet allows `initialDelaySeconds + periodSeconds * failureThreshold` for the startup
probe (then restarts the container) and the same window for readiness; pods roll one at a time
(Deployments: maxSurge 1, maxUnavailable 0; StatefulSets: OrderedReady), so the rollout budget is
that per-pod window, plus a margin for scheduling and image pulls, times the replica count. The
Deployment's progressDeadlineSeconds is one pod's share: the controller marks the rollout stalled
(ProgressDeadlineExceeded) only when a single pod overran what its probes allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from .common import await_timeout

POD_START_MARGIN_SECONDS = 120  # scheduling, volume attach and image pull before the first probe
# Kubernetes' probe defaults (core/v1 Probe), used when a probe leaves a field unset.
PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "failureThreshold": 3}


def probe_window(probe: dict[str, Any] | None) -> int:
    """Seconds the kubelet lets this probe fail before acting: initial delay + period x failure threshold."""
    if probe is None:
        return 0
    get = lambda key: int(probe.get(key, PROBE_DEFAULTS[key]))  # noqa: E731
    return get("initialDelaySeconds") + get("periodSeconds") * get("failureThreshold")


def pod_ready_seconds(probes: dict[str, Any]) -> int:
    """The longest a healthy pod may take to become ready: its startup window, then its readiness window."""
    return probe_window(probes.get("startupProbe")) + probe_window(probes.get("readinessProbe"))


@dataclass(frozen=True)
class RolloutBudget:
    progress_deadline_seconds: int  # one pod (Deployment spec.progressDeadlineSeconds)
    timeout_seconds: int  # the whole rollout (the provider's await)

    def annotations(self) -> dict[str, str]:
        return await_timeout(self.timeout_seconds)

    def custom_timeouts(self) -> pulumi.CustomTimeouts:
        return pulumi.CustomTimeouts(create=f"{self.timeout_seconds}s", update=f"{self.timeout_seconds}s")


def rollout_budget(probes: dict[str, Any], replicas: int) -> RolloutBudget:
    """`replicas` is the most pods a rollout replaces (an autoscaler's maximum)."""
    per_pod = POD_START_MARGIN_SECONDS + pod_ready_seconds(probes)
    return RolloutBudget(progress_deadline_seconds=per_pod, timeout_seconds=per_pod * max(1, replicas))
