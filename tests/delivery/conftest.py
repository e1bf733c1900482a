"""The installed wheel, built once per session for every test that runs appstack outside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.delivery.test_wheel_install import _build_wheel, _environment


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("wheel")
    return _environment(tmp, _build_wheel(tmp / "dist"))
