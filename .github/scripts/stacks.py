"""The stacks CI deploys, read from the Pulumi.<stack>.yaml files (the workflows' matrices come from here).

    python .github/scripts/stacks.py                    # JSON: {"dev": [...], "prod": [...], "all": [...]}
    python .github/scripts/stacks.py --github-output F  # the same three lists as `dev=`, `prod=`, `all=` lines

Each entry names the stack, its platform, tier, secrets provider kind and policy config. The GitHub
environment of a stack is the stack's name (its OIDC subject is `repo:<owner>/<repo>:environment:<stack>`).
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


def read_stack(path: Path) -> dict:
    """One matrix entry for Pulumi.<stack>.yaml, or StackFileError."""
    stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    if not STACK_NAME.match(stack):
        raise StackFileError(f"{path.name}: stack names are lower-case letters, digits and '-' (they name "
                             "the GitHub environment)")
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    tier, platform = config.get("appstack:tier"), config.get("appstack:platform")
    if tier not in TIERS:
        raise StackFileError(f"{path.name}: appstack:tier must be one of {', '.join(TIERS)}, got {tier!r}")
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
    }


def read_stacks(root: Path = ROOT) -> list[dict]:
    """Every stack file under root, sorted by name; all problems in one StackFileError."""
    entries, problems = [], []
    for path in sorted(root.glob("Pulumi.*.yaml"), key=lambda p: p.name.removesuffix(".yaml")):
        try:
            entries.append(read_stack(path))
        except StackFileError as error:
            problems.append(str(error))
    keys: dict[str, str] = {}
    for entry in entries:
        url = entry["secrets_provider_url"].split("?", 1)[0]
        if entry["secrets_provider"] in KMS_SCHEMES:
            if url in keys:
                problems.append(f"Pulumi.{entry['stack']}.yaml: secretsprovider key {url} is also the key of "
                                f"stack {keys[url]}; each stack has its own key")
            keys[url] = entry["stack"]
    if problems:
        raise StackFileError("\n".join(problems))
    return entries


def matrices(entries: list[dict]) -> dict[str, list[dict]]:
    """Deploy order: dev-tier stacks first, then prod-tier stacks (after approval)."""
    return {"dev": [e for e in entries if e["tier"] == "dev"],
            "prod": [e for e in entries if e["tier"] == "prod"], "all": entries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--github-output", type=Path, help="append dev=, prod=, all= lines to this file")
    args = parser.parse_args(argv)
    try:
        result = matrices(read_stacks(args.root))
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
