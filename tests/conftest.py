"""Shared fixtures: synthesized stacks (cached per session) and custom single-app stacks."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported on first use: the xdist controller loads this file and never plans
    from appstack.synth import Synthesis

ROOT = Path(__file__).resolve().parents[1]

_CACHE: dict[tuple[str, Path | None], Synthesis] = {}

# The slowest files, slowest first (measured with `pytest -n0 --durations=0`). xdist hands each worker
# whole files in collection order (addopts: --dist loadfile --no-loadscope-reorder); started first,
# none of them is left running on one worker while the other has finished. By default xdist would
# order files by their number of tests, which puts these single-test files last.
SLOW_FILES_FIRST = (
    "tests/delivery/test_sixth_app.py",  # a scaffolded project's CLI in subprocesses: two planned stacks
    "tests/delivery/test_wheel_install.py",  # the same with the built wheel
    "tests/foundation/test_overrides.py",
    "tests/foundation/test_plan.py",
    "tests/cost/test_cost.py",
    "tests/foundation/test_environments.py",
    "tests/provider_checks/test_generated_stacks.py",
    "tests/engine/test_switches.py",
    "tests/foundation/test_packaging.py",
    "tests/aws/test_prod_refusals.py",
)


def synth_stack(name: str, project: Path | None = None) -> Synthesis:
    """The shipped stack Pulumi.<name>.yaml (of the root, or of a split's project), synthesized once per session."""
    key = (name, None if project is None or project.resolve() == ROOT else project.resolve())
    if key not in _CACHE:
        from appstack.synth import synthesize

        _CACHE[key] = synthesize(name) if key[1] is None else synthesize(name, project=key[1])
    return _CACHE[key]


def synth_config(
    *,
    platform: str,
    tier: str = "dev",
    apps: dict[str, Any],
    domain: str | None = "example.com",
    secrets: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    stack: str = "test",
) -> Synthesis:
    """Synthesize an ad-hoc stack: apps maps blueprint name -> overrides."""
    from appstack.synth import synthesize
    from tests.foundation.helpers import with_storage_credentials

    extra = with_storage_credentials(platform, dict(extra or {}))
    config = {"appstack:platform": platform, "appstack:tier": tier, "appstack:apps": json.dumps(apps)}
    if domain:
        config["appstack:domain"] = domain
    for key, value in (extra or {}).items():
        config[f"appstack:{key}"] = value if isinstance(value, str) else json.dumps(value)
    config.update(secrets or {})
    return synthesize(stack, config=config, secret_keys=sorted(secrets or {}))


@pytest.fixture
def stack() -> Callable[[str], Synthesis]:
    return synth_stack


@pytest.fixture
def custom_stack() -> Callable[..., Synthesis]:
    return synth_config


def pytest_configure(config: pytest.Config) -> None:
    """Where the environment forbids writing bytecode (PYTHONDONTWRITEBYTECODE), cache it in pytest's cache.

    Without .pyc files every interpreter the suite runs (the two xdist workers, the CLI and wheel tests'
    subprocesses) compiles the Pulumi SDKs from source again, seconds each. The cache lives outside the
    source tree and the environment (`.pytest_cache/d/bytecode`, cleared with `--cache-clear`); Python checks
    each cached file against its source, so it never runs stale code. A PYTHONPYCACHEPREFIX already set wins.
    """
    if hasattr(config, "workerinput") or not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return  # a worker inherits the controller's environment; elsewhere Python writes its own .pyc files
    if os.environ.get("PYTHONPYCACHEPREFIX") or getattr(config, "cache", None) is None:
        return
    prefix = str(config.cache.mkdir("bytecode"))
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    del os.environ["PYTHONDONTWRITEBYTECODE"]
    sys.pycache_prefix = prefix
    sys.dont_write_bytecode = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run SLOW_FILES_FIRST first, in its order; every other file, and each file's tests, keep their order."""
    root = Path(__file__).resolve().parents[1]
    missing = [name for name in SLOW_FILES_FIRST if not (root / name).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py SLOW_FILES_FIRST names files that do not exist: {missing}")
    rank = {name: position for position, name in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest's hook signature
    """Say plainly, in every default run, that the real-engine test was left out and how to run it."""
    if "not real_engine" not in (config.getoption("markexpr") or ""):
        return
    from tests.engine.realengine import missing_binaries

    built = not missing_binaries()
    terminalreporter.write_line(
        "real-engine test (tests/engine/test_real_engine.py) not run: it takes minutes and is left out of the default "
        "run; " + ("the engine is built here: `uv run --frozen pytest -m real_engine tests/engine`" if built else
                   "no engine built here: scripts/build-engine.sh (needs Go, over an hour cold), then "
                   "`uv run --frozen pytest -m real_engine tests/engine`")
    )
