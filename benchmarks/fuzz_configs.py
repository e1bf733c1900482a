"""A fuzz campaign over the config: random edits of the shipped stacks and blueprints, each one planned.

Every mutant must end as a config error (exit 2) or as a plan with zero provider findings; the
campaign prints the count per outcome and one example per distinct failure. The test suite runs a few
of the same mutants (tests/provider_checks/test_mutations.py); this runs thousands.

Usage: uv run python benchmarks/fuzz_configs.py [--count N] [--seed S] [--show K]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.provider_checks.mutations import mutant, run  # noqa: E402


def _signature(detail: str) -> str:
    lines = [line for line in detail.splitlines() if line.strip()]
    return lines[0][:160] if lines else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0, help="first mutant seed; mutant i uses seed+i")
    parser.add_argument("--show", type=int, default=20, help="distinct failures to print")
    args = parser.parse_args()
    outcomes: Counter[str] = Counter()
    failures: dict[str, tuple[int, list[str], str]] = {}
    started = time.perf_counter()
    for index in range(args.count):
        seed = args.seed + index
        candidate = mutant(seed)
        result = run(candidate)
        outcomes[result.kind] += 1
        if result.kind in ("crash", "findings"):
            failures.setdefault(f"{result.kind}: {_signature(result.detail)}", (seed, candidate.edits, result.detail))
        if (index + 1) % 100 == 0:
            print(f"{index + 1} mutants, {time.perf_counter() - started:.0f} s: {dict(outcomes)}", file=sys.stderr)
    print(f"{args.count} mutants (seeds {args.seed}..{args.seed + args.count - 1}) in "
          f"{time.perf_counter() - started:.0f} s")
    for kind in ("rejected", "planned", "findings", "crash"):
        print(f"  {kind:9} {outcomes[kind]}")
    for signature, (seed, edits, detail) in list(failures.items())[: args.show]:
        print(f"\nseed {seed}: {'; '.join(edits)}\n  {signature}\n  " + "\n  ".join(detail.splitlines()[1:6]))
    return 1 if outcomes["crash"] or outcomes["findings"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
