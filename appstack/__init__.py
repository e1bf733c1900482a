"""appstack: one typed app spec, deployed to AWS or Kubernetes with Pulumi component resources.

The component resources import as `appstack.components`. The installed wheel ships them at
appstack/components; a source checkout keeps them at the top of the repository (components/), where
the people who work on appstack expect them, and this package maps exactly that folder to the same
import path. Nothing is importable as a bare top-level `components`, so a user's own `components/`
package never collides with ours.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from pathlib import Path

_CHECKOUT_COMPONENTS = Path(__file__).resolve().parent.parent / "components"


class _CheckoutComponentsFinder(importlib.abc.MetaPathFinder):
    """Finds `appstack.components` in a source checkout; submodules then resolve through its __path__."""

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname != "appstack.components":
            return None
        return importlib.util.spec_from_file_location(
            fullname, _CHECKOUT_COMPONENTS / "__init__.py", submodule_search_locations=[str(_CHECKOUT_COMPONENTS)]
        )


if not (Path(__file__).parent / "components").is_dir() and (_CHECKOUT_COMPONENTS / "__init__.py").is_file():
    sys.meta_path.insert(0, _CheckoutComponentsFinder())
