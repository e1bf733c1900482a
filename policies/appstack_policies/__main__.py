"""python -m appstack_policies PLAN.json [--stack S] [--config FILE] [--format text|json]"""

import sys

from .runner import main

sys.exit(main())
