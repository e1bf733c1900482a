"""Pulumi policy pack entry point: `pulumi preview --policy-pack policies`.

The rules live in the appstack_policies package next to this file, shared with the
offline runner (`python -m appstack_policies PLAN.json`).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from appstack_policies.pulumi_adapter import serve  # noqa: E402

serve()
