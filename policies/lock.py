"""Write policies/requirements.txt from the project's uv.lock: the pack's dependencies, hash-locked.

    uv run --frozen python policies/lock.py           # after `uv lock` moved pulumi or pulumi-policy
    uv run --frozen python policies/lock.py --check   # exit 1 if requirements.txt is out of step

Pulumi installs the pack's virtualenv with `pip install -r requirements.txt`; because every line
carries `--hash`, pip runs in hash-checking mode and installs only the artifacts the project's lock
recorded (same versions as the program's own environment, no unpinned transitive dependency).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE.parent / "uv.lock"
DIRECT = HERE / "requirements.in"
OUTPUT = HERE / "requirements.txt"
HEADER = """\
# Generated from ../uv.lock by `uv run --frozen python policies/lock.py`: do not edit.
# Every requirement is pinned and carries the sha256 of each artifact uv.lock recorded, so pip
# installs in hash-checking mode (tests/delivery/test_supply_chain.py keeps this file in step).
"""


def direct_names(path: Path = DIRECT) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def render(lock_path: Path = LOCK, direct: list[str] | None = None) -> str:
    packages = {p["name"]: p for p in tomllib.loads(lock_path.read_text())["package"]}
    closure: dict[str, set[str]] = {}  # name -> markers under which it is needed ("" = always)
    pending = [(name, "") for name in (direct or direct_names())]
    while pending:
        name, marker = pending.pop()
        if marker in closure.setdefault(name, set()):
            continue
        closure[name].add(marker)
        for dependency in packages[name].get("dependencies", []):
            own = dependency.get("marker", "")
            both = f"({marker}) and ({own})" if marker and own else marker or own
            pending.append((dependency["name"], both))
    lines = [HEADER]
    for name in sorted(closure):
        package = packages[name]
        markers = closure[name]
        marker = "" if "" in markers else " ; " + " or ".join(f"({m})" for m in sorted(markers))
        hashes = sorted({wheel["hash"] for wheel in package.get("wheels", [])}
                        | ({package["sdist"]["hash"]} if "sdist" in package else set()))
        lines.append(f"{name}=={package['version']}{marker}"
                     + "".join(f" \\\n    --hash={h}" for h in hashes) + "\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT.name} is out of step with uv.lock: run `uv run --frozen python policies/lock.py`",
                  file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
