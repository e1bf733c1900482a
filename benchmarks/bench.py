"""Offline planning speed, measured in one run (a script, not a test).

Each measurement is a fresh Python process, so every figure includes interpreter start and SDK
imports; the floor is exactly that plus an empty program under mocks. The Pulumi SDKs load their
modules lazily, so "the SDKs" means every SDK module the shipped stacks load (found by planning
them once in a child process), not just the package roots. Targets: each shipped stack
within 2x the floor; 100 services within 10x the time of 10 services.

The cost rows (`appstack cost`) compare the monthly estimate of each AWS stack's per-app layout
(one ALB per app) with the shared-environment layout of the same apps (one ALB, same availability):
for prod, the planned split in environments/prod-split (prod-env plus one stack per app, summed).

Usage: uv run python benchmarks/bench.py [--repeat N] [--cost-only]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SDK_PACKAGES = ("pulumi", "pulumi_aws", "pulumi_kubernetes", "pulumi_docker", "pulumi_random")

SDK_MODULES = """
import sys
from appstack.synth import synthesize
for stack in sys.argv[1:]:
    synthesize(stack)
print("\\n".join(sorted(m for m in sys.modules if m.split(".")[0] in {packages!r})))
"""

FLOOR = """
import importlib, sys
for module in sys.argv[1:]:
    importlib.import_module(module)
from appstack.synth import synthesize
synthesize("floor", config={{}}, program=lambda: None)
"""

GENERATED = """
import json, sys
from appstack.synth import synthesize
count, platform = int(sys.argv[1]), sys.argv[2]
services = {f"svc-{i}": {"image": "web", "port": 8000 + i, "routes": [{"path": f"/s{i}"}],
             "health": {"readiness": {"http": "/healthz"}}, "replicas": 2} for i in range(count)}
apps = {"zmage": {"services": services}}
config = {"appstack:platform": platform, "appstack:tier": "prod", "appstack:domain": "example.com",
          "appstack:apps": json.dumps(apps), "zmage:GEMINI_API_KEY": "x", "zmage:SENTRY_DSN": "x"}
if platform == "kubernetes":  # zmage's media bucket: the stack states how pods reach object storage
    config["appstack:kubernetes"] = json.dumps({"object_storage": {"credentials": "static"}})
synthesize("bench", config=config, secret_keys=["zmage:GEMINI_API_KEY", "zmage:SENTRY_DSN"])
"""


SPLITS = {"prod": ROOT / "environments" / "prod-split"}  # single stack -> the project of its planned split


def split_estimate(project: Path, region: str):  # -> appstack.cost.Estimate
    """The monthly estimate of a planned split: its environment stack and every app stack, summed."""
    from appstack.cost import combined, estimate
    from appstack.plan import plan_document
    from appstack.synth import synthesize

    parts = []
    for path in sorted(project.glob("Pulumi.*.yaml")):
        synthesis = synthesize(path.name.removeprefix("Pulumi.").removesuffix(".yaml"), project=project)
        parts.append(estimate(plan_document(synthesis, synthesis.model), region))
    return combined(parts, project.name)


def cost_rows(stacks: list[str]) -> list[tuple[str, str]]:
    """Monthly estimates (USD) of each AWS stack: its per-app layout and the shared-environment layout
    (the planned split where one is shipped, else one environment-wide ALB projected onto the same plan)."""
    from appstack.cost import estimate, shared_load_balancer_projection
    from appstack.cost.render import money
    from appstack.plan import plan_document
    from appstack.synth import synthesize

    rows = []
    for stack in stacks:
        synthesis = synthesize(stack)
        if synthesis.model is None or synthesis.model.settings.platform != "aws":
            continue
        region = synthesis.config.get("aws:region", "us-east-1")
        per_app = estimate(plan_document(synthesis, synthesis.model), region)
        if stack in SPLITS:
            shared, how = split_estimate(SPLITS[stack], region), "planned split, env + app stacks"
        else:
            shared, how = shared_load_balancer_projection(per_app), "projection"
        rows.append((f"{stack}: per-app layout ({region})", money(per_app.total)))
        rows.append((f"{stack}: shared-environment layout ({how}, {region})", money(shared.total)))
    return rows


def _time(args: list[str], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args[:4])} failed:\n{done.stderr}")
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median is reported)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--cost-only", action="store_true", help="print only the monthly cost rows")
    args = parser.parse_args()
    python = sys.executable
    stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml"))
    costs = cost_rows(stacks)
    print(f"{'monthly estimate (appstack cost, USD)':<58} {'USD':>8}")
    for label, usd in costs:
        print(f"{label:<58} {usd:>8}")
    print()
    if args.cost_only:
        return 0

    def sdk_modules(stack: str) -> list[str]:
        return subprocess.run(
            [python, "-c", SDK_MODULES.format(packages=set(SDK_PACKAGES)), stack],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()

    rows: list[tuple[str, float]] = []
    floors: dict[str, float] = {}
    for stack in stacks:
        modules = sdk_modules(stack)
        floors[stack] = _time([python, "-c", FLOOR.format(), *modules], args.repeat)
        rows.append((f"floor for {stack} ({len(modules)} SDK modules, empty program)", floors[stack]))
        rows.append(
            (f"appstack plan {stack}", _time([python, "-m", "appstack.cli", "plan", stack, "--quiet"], args.repeat))
        )
    generated = {}
    for count in (10, 100):
        for platform in ("kubernetes", "aws"):
            seconds = _time([python, "-c", GENERATED, str(count), platform], args.repeat)
            generated[(count, platform)] = seconds
            rows.append((f"generated spec, {count} services ({platform})", seconds))

    print(f"{'measurement':<58} {'seconds':>8}")
    for label, seconds in rows:
        print(f"{label:<58} {seconds:>8.2f}")
    verdicts = []
    for stack in stacks:
        ratio = dict(rows)[f"appstack plan {stack}"] / floors[stack]
        verdicts.append((f"plan {stack} within 2x its floor", ratio <= 2.0, ratio))
    for platform in ("kubernetes", "aws"):
        ratio = generated[(100, platform)] / generated[(10, platform)]
        verdicts.append((f"100 vs 10 services ({platform}) within 10x", ratio <= 10.0, ratio))
    print()
    for label, ok, ratio in verdicts:
        print(f"{'PASS' if ok else 'MISS'}  {label}: {ratio:.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "verdicts": verdicts, "cost": costs}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
