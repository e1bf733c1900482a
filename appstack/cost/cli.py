"""`appstack cost STACK`: the estimated monthly cost of a stack's offline plan, per app and per type."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..project import Project
from . import CostError, estimate
from .render import render_json, render_text

EXIT_CONFIG_ERROR = 2
EXIT_UNPRICED = 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="appstack cost", description=__doc__)
    parser.add_argument("stack", help="stack name: plans Pulumi.<stack>.yaml offline")
    parser.add_argument(
        "--project-dir", metavar="DIR", type=Path,
        help="the project (directory holding Pulumi.yaml); default: searched upward from the working directory",
    )
    parser.add_argument("--plan", metavar="FILE", type=Path, help="price a plan written by `appstack plan --json`")
    parser.add_argument("--region", help="price table region (default: the stack's aws:region)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="write the estimate as JSON ('-' for stdout)")
    parser.add_argument(
        "--strict", action="store_true", help=f"exit {EXIT_UNPRICED} when a resource type has no price"
    )
    return parser


def main_cost(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    import pulumi

    from ..errors import ConfigError
    from ..project import find_project, load_project
    from ..synth import stack_config

    try:
        project = load_project(args.project_dir) if args.project_dir else find_project()
        config, secret_keys = stack_config(args.stack, project)
        document = (
            json.loads(args.plan.read_text()) if args.plan else _plan(args.stack, config, secret_keys, project)
        )
    except (FileNotFoundError, json.JSONDecodeError) as error:
        print(f"appstack cost: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except pulumi.RunError as error:  # the program's config error, raised inside the mock run
        print(str(error), file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if document.get("platform") != "aws":
        print(
            f"appstack cost: stack '{args.stack}' runs on Kubernetes; its workloads use your cluster's capacity, "
            "which appstack does not price (the price table covers AWS resources)",
            file=sys.stderr,
        )
        return 0
    region = args.region or config.get("aws:region") or "us-east-1"
    try:
        result = estimate(document, region)
    except CostError as error:
        print(f"appstack cost: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if args.json and str(args.json) == "-":
        sys.stdout.write(render_json(result))
    else:
        sys.stdout.write(render_text(result))
        if args.json:
            args.json.write_text(render_json(result))
    return EXIT_UNPRICED if args.strict and result.unpriced else 0


def _plan(stack: str, config: dict[str, str], secret_keys: list[str], project: Project) -> dict:
    from ..plan import plan_document
    from ..synth import synthesize

    synthesis = synthesize(stack, config=config, secret_keys=secret_keys, project=project)
    return plan_document(synthesis, synthesis.model)
