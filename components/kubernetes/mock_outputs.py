"""Provider-computed outputs of Kubernetes resources, for offline synthesis (see appstack.mocks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COMPUTED_OUTPUTS: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {}
