"""The `appstack` command: offline plans, validation and scaffolding of the project in the working directory.

The project is the nearest directory at or above the working directory holding Pulumi.yaml (as the
Pulumi CLI finds it), or --project-dir. Nothing but the command's own output is printed: colour and
progress only on a terminal; with `--json -` (or `--mermaid -`, `--format yaml`, `--show`) stdout holds
that document alone and everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ConfigError

EXIT_CONFIG_ERROR = 2
EXIT_POLICY_VIOLATION = 1
EXIT_PROVIDER_FINDINGS = 3


def _project_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project-dir", metavar="DIR", type=Path,
        help="the project (directory holding Pulumi.yaml); default: searched upward from the working directory",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="appstack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser(
        "plan",
        help="plan a stack offline (or: appstack plan diff ...)",
        description="Synthesize a stack under Pulumi's mock runtime and show every resource it would register.",
    )
    plan.add_argument("stack", help="stack name: reads Pulumi.<stack>.yaml")
    _project_arg(plan)
    plan.add_argument("--json", metavar="FILE", type=Path, help="write the plan as deterministic JSON ('-' for stdout)")
    plan.add_argument("--mermaid", metavar="FILE", type=Path, help="write a Mermaid architecture diagram ('-': stdout)")
    plan.add_argument(
        "--app", action="append", default=[], metavar="NAME",
        help="show only this app's resources (repeatable); the whole stack is still planned and checked",
    )
    plan.add_argument(
        "--show", metavar="TARGET",
        help="print one app, or one resource (URN or name) and what it contains, as YAML",
    )
    plan.add_argument(
        "--format", choices=["table", "yaml"], default="table",
        help="table (default) or yaml: one document per resource, Kubernetes objects as their manifests",
    )
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

    validate = commands.add_parser(
        "validate", help="check blueprints and stacks without planning (exit 2 on config errors)",
        description="Validate every blueprint of the project and the given stacks (default: all), without planning.",
    )
    validate.add_argument("stacks", nargs="*", metavar="STACK")
    _project_arg(validate)

    init = commands.add_parser("init", help="scaffold a new appstack project", description=_scaffold_doc("init"))
    init.add_argument("directory", nargs="?", type=Path, default=Path("."), help="where (default: here)")
    init.add_argument("--name", help="Pulumi project name (default: the directory's name)")
    init.add_argument("--app", default="hello", help="name of the starter blueprint (default: hello)")

    new = commands.add_parser("new", help="scaffold a part of a project: `appstack new app NAME`")
    kinds = new.add_subparsers(dest="kind", required=True)
    new_app = kinds.add_parser("app", help="scaffold a blueprint in the project's blueprints directory")
    new_app.add_argument("name", help="app name (a DNS label: lower-case letters, digits, single hyphens)")
    new_app.add_argument(
        "--stack", action="append", default=[], metavar="STACK", help="also add the app to this stack (repeatable)"
    )
    _project_arg(new_app)
    return parser


def _scaffold_doc(command: str) -> str:
    from .scaffold import DESCRIPTIONS

    return DESCRIPTIONS[command]


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
    try:
        if args.command == "plan":
            return _plan(args)
        if args.command == "validate":
            return _validate(args)
        from .scaffold import ScaffoldError, init_project, new_app

        try:
            if args.command == "init":
                return init_project(args.directory, name=args.name, app=args.app)
            return new_app(_project(args), args.name, stacks=args.stack)
        except ScaffoldError as error:
            print(f"appstack {args.command}: {error}", file=sys.stderr)
            return EXIT_CONFIG_ERROR
    except FileNotFoundError as error:  # no project, no stack file
        print(f"appstack: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        return EXIT_CONFIG_ERROR


def _project(args: argparse.Namespace):  # -> Project
    from .project import find_project, load_project

    return load_project(args.project_dir) if args.project_dir else find_project()


def _plan(args: argparse.Namespace) -> int:
    import pulumi

    from .plan import plan_json, plan_mermaid, plan_table
    from .program import read_provided_secrets
    from .stackconfig import load_stack
    from .synth import stack_config, synthesize
    from .views import Progress, SelectionError, Style, render_yaml, select_apps, select_target

    to_stdout = [flag for flag, value in (("--json", args.json), ("--mermaid", args.mermaid)) if str(value) == "-"]
    to_stdout += ["--show"] if args.show else []
    to_stdout += ["--format yaml"] if args.format == "yaml" else []
    if len(to_stdout) > 1:
        print(f"appstack plan: only one of {', '.join(to_stdout)} can write to stdout", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    project = _project(args)
    progress = Progress()
    progress.show(f"planning stack {args.stack} of project {project.name}...")
    try:
        config, secret_keys = stack_config(args.stack, project)
        if args.strict_secrets:
            model = load_stack(
                args.stack, config.get, all_keys=sorted(config), blueprints_dir=project.blueprints_dir(config.get)
            )
            read_provided_secrets(model, config.get, is_secret=set(secret_keys).__contains__)
        synthesis = synthesize(args.stack, config=config, secret_keys=secret_keys, project=project)
        stack = synthesis.model
        assert stack is not None
        shown = select_apps(synthesis, args.app, sorted(stack.apps)) if args.app else synthesis
        selected = select_target(shown, args.show, sorted(stack.apps)) if args.show else shown.resources
    except pulumi.RunError as error:
        print(str(error), file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except SelectionError as error:
        print(f"appstack plan: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    finally:
        progress.done()

    # stdout holds one thing: the document asked for with '-', or else the table.
    reports = sys.stderr if to_stdout else sys.stdout
    if args.show or args.format == "yaml":
        sys.stdout.write(render_yaml(selected, components=bool(args.show)))
    elif not args.quiet and not to_stdout:
        sys.stdout.write(plan_table(shown, stack, Style.for_stream(sys.stdout), apps=args.app or None))
    if args.json:
        _write(args.json, plan_json(shown, stack, apps=args.app or None))
    if args.mermaid:
        _write(args.mermaid, plan_mermaid(stack))
    status = 0 if args.no_check else _provider_checks(synthesis)
    if args.policy:
        from .policy_check import run_policies

        status = max(status, run_policies(synthesis, stack, project.policy_config_dir, out=reports))
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


def _validate(args: argparse.Namespace) -> int:
    """Every blueprint on its own, then each stack (settings, overrides, names, secrets' lengths)."""
    from .program import read_provided_secrets
    from .stackconfig import available_blueprints, load_stack, validate_blueprint
    from .synth import stack_config

    project = _project(args)
    errors: list[str] = []
    directory = project.blueprints_dir()
    blueprints = available_blueprints(directory) if directory.is_dir() else []
    if not blueprints:
        errors.append(f"no blueprints in {directory} (appstack:blueprints)")
    for name in blueprints:
        try:
            validate_blueprint(name, directory)
            print(f"blueprint {name}: ok")
        except ConfigError as error:
            errors.append(error.render())
    for stack_name in args.stacks or project.stacks():
        try:
            config, secret_keys = stack_config(stack_name, project)
            stack = load_stack(
                stack_name, config.get, all_keys=sorted(config), blueprints_dir=project.blueprints_dir(config.get)
            )
            read_provided_secrets(stack, config.get, placeholders_for_missing=True,
                                  is_secret=set(secret_keys).__contains__)
            print(f"stack {stack_name}: ok ({stack.settings.platform}, tier {stack.settings.tier}, "
                  f"apps: {', '.join(sorted(stack.apps))})")
        except FileNotFoundError as error:
            errors.append(f"appstack: {error}")
        except ConfigError as error:
            errors.append(error.render())
    for error in errors:
        print(error, file=sys.stderr)
    return EXIT_CONFIG_ERROR if errors else 0


def _write(path: Path, text: str) -> None:
    if str(path) == "-":
        sys.stdout.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


if __name__ == "__main__":
    raise SystemExit(main())
