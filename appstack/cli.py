"""The `appstack` command: offline plans of a stack, with no cloud, cluster or Pulumi CLI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pulumi

from .errors import ConfigError
from .stackconfig import PROJECT_ROOT, load_stack

EXIT_CONFIG_ERROR = 2
EXIT_POLICY_VIOLATION = 1
EXIT_PROVIDER_FINDINGS = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="appstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser(
        "plan",
        help="plan a stack offline (or: appstack plan diff ...)",
        description="Synthesize a stack under Pulumi's mock runtime and show every resource it would register.",
    )
    plan.add_argument("stack", help="stack name: reads Pulumi.<stack>.yaml")
    plan.add_argument("--json", metavar="FILE", type=Path, help="write the plan as deterministic JSON ('-' for stdout)")
    plan.add_argument("--mermaid", metavar="FILE", type=Path, help="write a Mermaid architecture diagram")
    plan.add_argument("--policy", action="store_true", help="evaluate the policy pack; exit 1 on a mandatory violation")
    plan.add_argument(
        "--strict-secrets", action="store_true", help="fail, as `pulumi up` would, on unset provided secrets"
    )
    plan.add_argument(
        "--no-check",
        action="store_true",
        help="skip the provider checks (by default every finding is an error: exit 3)",
    )
    plan.add_argument("--quiet", action="store_true", help="do not print the table")
    return parser


def _quiet_loop_teardown() -> None:
    """The mock monitor leaves one event loop per worker thread; their finalizers fail harmlessly at exit."""
    default_hook = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if getattr(unraisable.object, "__qualname__", "") != "BaseEventLoop.__del__":
            default_hook(unraisable)

    sys.unraisablehook = hook


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _quiet_loop_teardown()
    if argv[:2] == ["plan", "diff"]:
        from .plandiff import main_diff

        return main_diff(argv[2:])
    if argv[:1] == ["cost"]:
        from .cost.cli import main_cost

        return main_cost(argv[1:])
    args = _parser().parse_args(argv)
    return _plan(args)


def _plan(args: argparse.Namespace) -> int:
    from .plan import plan_json, plan_mermaid, plan_table
    from .program import read_provided_secrets
    from .synth import stack_config, synthesize

    try:
        config, secret_keys = stack_config(args.stack, PROJECT_ROOT)
        if args.strict_secrets:
            read_provided_secrets(load_stack(args.stack, config.get, all_keys=sorted(config)), config.get)
        synthesis = synthesize(args.stack, config=config, secret_keys=secret_keys)
        stack = synthesis.model
    except FileNotFoundError as error:
        print(f"appstack: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except pulumi.RunError as error:
        print(str(error), file=sys.stderr)
        return EXIT_CONFIG_ERROR

    if not args.quiet:
        sys.stdout.write(plan_table(synthesis, stack))
    if args.json:
        _write(args.json, plan_json(synthesis, stack))
    if args.mermaid:
        _write(args.mermaid, plan_mermaid(stack))
    status = 0 if args.no_check else _provider_checks(synthesis)
    if args.policy:
        status = max(status, _policy(synthesis, stack))
    return status


def _provider_checks(synthesis) -> int:
    """What AWS or the Kubernetes API server would reject in this plan; findings go to stderr."""
    from .provider_checks import MissingCheckDependencies, check, render

    try:
        findings = check(synthesis)
    except MissingCheckDependencies as error:
        print(f"appstack: {error}", file=sys.stderr)
        return EXIT_PROVIDER_FINDINGS
    if findings:
        print(render(findings, synthesis.stack), file=sys.stderr)
        return EXIT_PROVIDER_FINDINGS
    return 0


def _policy(synthesis, stack) -> int:
    from .policy_check import run_policies

    return run_policies(synthesis, stack)


def _write(path: Path, text: str) -> None:
    if str(path) == "-":
        sys.stdout.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


if __name__ == "__main__":
    raise SystemExit(main())
