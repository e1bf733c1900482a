"""The stacks CI deploys, read from the Pulumi.<stack>.yaml files (the workflows' matrices come from here).

    python .github/scripts/stacks.py                    # JSON: {"dev": [...], "prod": [...], "all": [...], ...}
    python .github/scripts/stacks.py --github-output F  # the same lists as `dev=`, `prod=`, `all=`, ... lines
    python .github/scripts/stacks.py --layout prod=split --layout prod-k8s=single   # which layout is live

Each entry names the stack, its platform, tier, secrets provider kind, policy config, mode (single,
environment, app) and project directory (relative to the repository root: `.` or the split's directory,
where `pulumi` runs for it). The GitHub environment of a stack is the stack's name (its OIDC subject is
`repo:<owner>/<repo>:environment:<stack>`).

A split, `environments/<stack>-split/`, replaces the root stack <stack> with an environment stack and one
stack per app, under the same physical names: only one of the two layouts may ever be deployed. The
layout of each split is `single` (the default) or `split` (`--layout`; the workflows pass the repository
variable `APPSTACK_<STACK>_LAYOUT`, e.g. APPSTACK_PROD_LAYOUT, APPSTACK_PROD_K8S_LAYOUT); once the root
stack file is removed, the split is the only layout (unset means split then). The keys:
- `dev`, `prod`: the root stacks deploy-dev and deploy-prod deploy (a stack whose split is live is left out);
- `all`: every stack of the live layout (drift checks): the root stacks, a live split's stacks in place of
  its root stack;
- `split`: the live splits' stacks (environment stack first, then the app stacks);
- `layouts`: each split's layout, by the root stack it replaces ({"prod": "split", ...});
- `all_layouts`: every stack of every project, whatever is live (offline plan diff, policy checks).
A stack file that breaks the delivery rules stops here, before any credential is requested:
- a prod-tier stack declares `secretsprovider:` with a cloud KMS key, never a passphrase or the backend
  default, and no two stacks share a key (the key policy grants Decrypt to one stack's deploy role);
- an `awskms://` URL names its region, so the key is never looked up in whatever region CI defaults to.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
KMS_SCHEMES = ("awskms", "gcpkms", "azurekeyvault", "hashivault")
TIERS = ("dev", "prod")
# GitHub environment names: the stack name doubles as one, and as a concurrency group and job name part.
STACK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MODES = ("single", "environment", "app")
LAYOUTS = ("single", "split")
SPLITS_DIR = "environments"


class StackFileError(ValueError):
    """A stack file breaks a delivery rule; the message names the file and what is allowed."""


def _provider_kind(path: Path, provider: object) -> str:
    if provider is None:
        return "default"  # passphrase on a self-managed backend, Pulumi Cloud's per-stack key on Pulumi Cloud
    if not isinstance(provider, str) or not provider:
        raise StackFileError(f"{path.name}: secretsprovider must be a URL string, got {provider!r}")
    scheme = provider.split("://", 1)[0] if "://" in provider else provider
    if scheme in ("passphrase", "default"):
        return scheme
    if scheme not in KMS_SCHEMES:
        raise StackFileError(f"{path.name}: secretsprovider {provider!r}: allowed are passphrase or a "
                             f"cloud KMS URL ({', '.join(s + '://' for s in KMS_SCHEMES)})")
    if scheme == "awskms" and not parse_qs(urlsplit(provider).query).get("region"):
        raise StackFileError(f"{path.name}: secretsprovider {provider!r} names no region "
                             "(awskms://alias/NAME?region=REGION)")
    return scheme


def _project_dir(directory: Path, base: Path) -> str:
    try:
        return directory.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return "."


def read_stack(path: Path, base: Path | None = None) -> dict:
    """One matrix entry for Pulumi.<stack>.yaml, or StackFileError (project_dir relative to base)."""
    stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    if not STACK_NAME.match(stack):
        raise StackFileError(f"{path.name}: stack names are lower-case letters, digits and '-' (they name "
                             "the GitHub environment)")
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    tier, platform = config.get("appstack:tier"), config.get("appstack:platform")
    if tier not in TIERS:
        raise StackFileError(f"{path.name}: appstack:tier must be one of {', '.join(TIERS)}, got {tier!r}")
    mode = config.get("appstack:mode", "single")
    if mode not in MODES:
        raise StackFileError(f"{path.name}: appstack:mode must be one of {', '.join(MODES)}, got {mode!r}")
    provider = document.get("secretsprovider")
    kind = _provider_kind(path, provider)
    if tier == "prod" and kind not in KMS_SCHEMES:
        raise StackFileError(
            f"{path.name}: a prod-tier stack declares `secretsprovider:` with a cloud KMS key "
            f"({', '.join(s + '://' for s in KMS_SCHEMES)}), got {provider!r}: a passphrase or the backend default "
            "would let whoever holds that shared secret decrypt production")
    policy_config = Path("policies") / "config" / f"{stack}.json"
    return {
        "stack": stack,
        "platform": platform,
        "tier": tier,
        "secrets_provider": kind,
        "secrets_provider_url": provider or "",
        # the job gets PULUMI_CONFIG_PASSPHRASE only then: never a stack with a cloud key, never prod
        "passphrase": tier != "prod" and kind in ("default", "passphrase"),
        # AWS credentials are needed whatever the state backend: the stack's resources or its secrets key
        "aws": platform == "aws" or kind == "awskms",
        "policy_config": policy_config.as_posix() if (path.parent / policy_config).is_file() else "",
        "mode": mode,
        # where `pulumi` runs for this stack (its Pulumi.yaml), relative to the repository root
        "project_dir": _project_dir(path.parent, base if base is not None else _repository(path.parent)),
    }


def _repository(directory: Path) -> Path:
    """ROOT when the directory is inside this repository, else the directory itself (a copy in a test)."""
    return ROOT if directory.resolve().is_relative_to(ROOT) else directory


def _shared_keys(entries: list[dict]) -> list[str]:
    """No two stacks (of any project) share a KMS key: each key policy names one stack's role."""
    problems, keys = [], {}
    for entry in entries:
        url = entry["secrets_provider_url"].split("?", 1)[0]
        if entry["secrets_provider"] in KMS_SCHEMES:
            if url in keys:
                problems.append(f"Pulumi.{entry['stack']}.yaml: secretsprovider key {url} is also the key of "
                                f"stack {keys[url]}; each stack has its own key")
            keys[url] = entry["stack"]
    return problems


def read_stacks(root: Path = ROOT, base: Path | None = None) -> list[dict]:
    """Every stack file under root, sorted by name; all problems in one StackFileError."""
    entries, problems = [], []
    for path in sorted(root.glob("Pulumi.*.yaml"), key=lambda p: p.name.removesuffix(".yaml")):
        try:
            entries.append(read_stack(path, base))
        except StackFileError as error:
            problems.append(str(error))
    problems += _shared_keys(entries)
    if problems:
        raise StackFileError("\n".join(problems))
    return entries


def splits(root: Path = ROOT) -> dict[str, Path]:
    """The split projects under root: the root stack each replaces -> its directory (environments/<stack>-split)."""
    return {path.parent.name.removesuffix("-split"): path.parent
            for path in sorted((root / SPLITS_DIR).glob("*-split/Pulumi.yaml"))}


def _split_problems(single: dict | None, name: str, entries: list[dict]) -> list[str]:
    where = f"{SPLITS_DIR}/{name}-split"
    problems = []
    envs = [e["stack"] for e in entries if e["mode"] == "environment"]
    if envs != [f"{name}-env"]:
        problems.append(f"{where}: one environment stack, named {name}-env (appstack:mode: environment), got {envs}")
    for entry in entries:
        if entry["mode"] == "app" and not entry["stack"].startswith(f"{name}-"):
            problems.append(f"{where}: app stack {entry['stack']} must be named {name}-<app>")
        if entry["mode"] == "single":
            problems.append(f"{where}: stack {entry['stack']} is mode single; a split holds environment and app stacks")
        if single is not None and (entry["tier"], entry["platform"]) != (single["tier"], single["platform"]):
            problems.append(f"{where}: stack {entry['stack']} is {entry['platform']}/{entry['tier']}, the stack it "
                            f"replaces {single['platform']}/{single['tier']}")
    return problems


def layout(root: Path = ROOT, layouts: dict[str, str] | None = None) -> dict:
    """Every output key (module docstring) for the given layouts ({root stack: single|split}); StackFileError."""
    problems: list[str] = []
    try:
        entries = read_stacks(root)
    except StackFileError as error:
        entries, problems = [], [str(error)]
    by_name = {e["stack"]: e for e in entries}
    projects = splits(root)
    # unset: single, unless the root stack file is gone (after the move, the split is all that is left)
    chosen = {name: (layouts or {}).get(name) or ("single" if name in by_name else "split")
              for name in sorted(projects)}
    for name, value in (layouts or {}).items():
        if name not in projects:
            problems.append(f"--layout {name}={value}: no split replaces stack {name} "
                            f"(splits: {', '.join(sorted(projects)) or 'none'})")
        elif chosen[name] not in LAYOUTS:
            problems.append(f"--layout {name}={value}: the layout is one of {', '.join(LAYOUTS)} (or unset: single)")
        elif chosen[name] == "single" and name not in by_name:
            problems.append(f"--layout {name}={value}: there is no Pulumi.{name}.yaml any more; its split is the "
                            "only layout left (unset the variable or set it to split)")
    split_entries: dict[str, list[dict]] = {}
    for name, directory in projects.items():
        try:
            found = read_stacks(directory, base=root)
        except StackFileError as error:
            problems.append(str(error))
            continue
        # the environment stack deploys first
        split_entries[name] = sorted(found, key=lambda e: (e["mode"] != "environment", e["stack"]))
        problems += _split_problems(by_name.get(name), name, found)
    every = entries + [e for found in split_entries.values() for e in found]
    seen: dict[str, str] = {}
    for entry in every:
        if entry["stack"] in seen:
            problems.append(f"stack {entry['stack']} is in {seen[entry['stack']]} and {entry['project_dir']}: a stack "
                            "name is also its GitHub environment and role, so it is unique across projects")
        seen.setdefault(entry["stack"], entry["project_dir"])
    problems += [p for p in _shared_keys(every) if p not in problems]
    if problems:
        raise StackFileError("\n".join(problems))
    live = {name for name, value in chosen.items() if value == "split"}
    single = [e for e in entries if e["stack"] not in live]
    result = matrices(single)
    live_entries = [e for name in sorted(live) for e in split_entries[name]]
    result["all"] = single + live_entries
    result.update(split=live_entries, layouts=chosen, all_layouts=every)
    return result


def matrices(entries: list[dict]) -> dict[str, list[dict]]:
    """Deploy order: dev-tier stacks first, then prod-tier stacks (after approval)."""
    return {"dev": [e for e in entries if e["tier"] == "dev"],
            "prod": [e for e in entries if e["tier"] == "prod"], "all": entries}


def _layout_option(value: str) -> tuple[str, str]:
    name, sep, chosen = value.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"{value!r}: STACK=LAYOUT (LAYOUT: {', '.join(LAYOUTS)}, or empty: single)")
    return name, chosen


def add_layout_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layout", type=_layout_option, action="append", default=[], metavar="STACK=LAYOUT",
                        help="the live layout of the split that replaces STACK: single (default) or split")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--github-output", type=Path, help="append dev=, prod=, all=, ... lines to this file")
    add_layout_argument(parser)
    args = parser.parse_args(argv)
    try:
        result = layout(args.root, dict(args.layout))
    except StackFileError as error:
        print(f"stack files break the delivery rules:\n{error}", file=sys.stderr)
        return 1
    if args.github_output:
        with args.github_output.open("a") as out:
            for name, entries in result.items():
                out.write(f"{name}={json.dumps(entries, separators=(',', ':'))}\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
