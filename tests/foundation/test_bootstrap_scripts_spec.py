"""database.bootstrap.scripts: files read beside the blueprint, validated up front with path-named errors."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import yaml

from appstack.errors import ConfigError
from appstack.spec import PostgresSpec
from appstack.spec.data import SCRIPT_MAX_BYTES, SCRIPTS_MAX_BYTES
from appstack.stackconfig import validate_blueprint

FIELD = "apps.shop.database.bootstrap.scripts[0].file"


def blueprint(directory: Path, scripts: list, **bootstrap) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    document = {"name": "shop", "images": {"app": {"repository": "example/shop", "tag": "1.0"}},
                "workers": {"worker": {"image": "app", "command": ["shop-worker"], "run_as_user": 1000}},
                "database": {"engine": "postgres", "version": "16", "database": "shop",
                                             "bootstrap": {"scripts": scripts, **bootstrap}}}
    (directory / "shop.yaml").write_text(yaml.safe_dump(document))
    return directory


def problems(directory: Path) -> list:
    with pytest.raises(ConfigError) as error:
        validate_blueprint("shop", directory)
    return error.value.problems


def test_scripts_are_read_beside_the_blueprint_in_order_with_their_sha256(tmp_path):
    apps = tmp_path / "apps"
    (apps / "shop").mkdir(parents=True)
    (apps / "shop" / "b.sql").write_text("CREATE TABLE b (id int);\n")
    (apps / "shop" / "a.sql").write_text("CREATE TABLE a (id int); -- ü\n")
    blueprint(apps, [{"name": "2-b", "file": "shop/b.sql"}, {"name": "1-a", "file": "./shop/a.sql"}])
    cwd = os.getcwd()
    os.chdir(tmp_path.parent)  # relative to the blueprint, never to the working directory
    try:
        database = validate_blueprint("shop", apps).database
    finally:
        os.chdir(cwd)
    assert isinstance(database, PostgresSpec)
    assert [(s.name, s.file, s.content) for s in database.bootstrap.scripts] == [
        ("2-b", "shop/b.sql", "CREATE TABLE b (id int);\n"), ("1-a", "./shop/a.sql", "CREATE TABLE a (id int); -- ü\n")]
    assert database.bootstrap.scripts[1].sha256 == hashlib.sha256("CREATE TABLE a (id int); -- ü\n".encode()).hexdigest()


def test_a_spec_built_without_its_blueprint_cannot_name_scripts():
    with pytest.raises(ValueError, match="scripts are read relative to the blueprint's directory"):
        PostgresSpec.model_validate({"engine": "postgres", "version": "16", "database": "shop",
                                     "bootstrap": {"scripts": [{"name": "a", "file": "a.sql"}]}})


def _write(apps: Path, name: str, data: bytes) -> None:
    apps.mkdir(parents=True, exist_ok=True)
    (apps / name).write_bytes(data)


@pytest.mark.parametrize(("file", "setup", "message"), [
    ("missing.sql", None, "'missing.sql' does not exist (relative to apps/)"),
    ("dir", lambda apps: (apps / "dir").mkdir(parents=True), "'dir' is not a regular file"),
    ("latin1.sql", lambda apps: _write(apps, "latin1.sql", b"-- caf\xe9\n"), "'latin1.sql' is not UTF-8 text (byte 6)"),
    ("big.sql", lambda apps: _write(apps, "big.sql", b"-" * (SCRIPT_MAX_BYTES + 1)),
     f"holds {SCRIPT_MAX_BYTES + 1} bytes; a script holds at most {SCRIPT_MAX_BYTES}"),
    ("empty.sql", lambda apps: _write(apps, "empty.sql", b" \n\n"), "'empty.sql' is empty"),
    ("nul.sql", lambda apps: _write(apps, "nul.sql", b"SELECT 1;\x00\n"), "contains a NUL character"),
    ("../outside.sql", lambda apps: _write(apps.parent, "outside.sql", b"SELECT 1;\n"),
     "'../outside.sql' leaves the blueprint's directory (apps/)"),
    ("link.sql", lambda apps: (_write(apps.parent, "secret.txt", b"SELECT 1;\n"),
                               (apps / "link.sql").symlink_to(apps.parent / "secret.txt")),
     "'link.sql' leaves the blueprint's directory"),
    ("/etc/passwd", None, "'/etc/passwd' must be a relative path"),
    ("sub\\a.sql", None, "must be a relative path with / separators"),
    ("", None, "at least 1 character"),
])
def test_hostile_script_files_are_refused_at_the_files_path(tmp_path, file, setup, message):
    apps = tmp_path / "apps"
    apps.mkdir()
    if setup:
        setup(apps)
    found = problems(blueprint(apps, [{"name": "a", "file": file}]))
    assert [p.path for p in found] == [FIELD], found
    assert message in found[0].message, found[0].message


@pytest.mark.parametrize(("scripts", "bootstrap", "message"), [
    ([{"name": "a", "file": "a.sql"}, {"name": "a", "file": "b.sql"}], {}, "bootstrap.scripts.1.name: 'a' is declared twice"),
    ([{"name": "a", "file": "big1.sql"}, {"name": "b", "file": "big2.sql"}], {},
     f"the scripts take 40004 bytes together once escaped as JSON; at most {SCRIPTS_MAX_BYTES}"),
    ([{"name": "a", "file": "quotes.sql"}, {"name": "b", "file": "b.sql"}], {}, "take 36015 bytes together"),
    ([], {"schemas": [{"name": "appstack"}]}, "bootstrap.schemas.0.name: 'appstack' is reserved"),
])
def test_scripts_of_one_app_are_coherent(tmp_path, scripts, bootstrap, message):
    apps = tmp_path / "apps"
    for name, data in (("a.sql", b"SELECT 1;\n"), ("b.sql", b"SELECT 2;\n"), ("big1.sql", b"-" * 20000),
                       ("big2.sql", b"-" * 20000), ("quotes.sql", b'"' * 18000)):
        _write(apps, name, data)
    found = problems(blueprint(apps, scripts, **bootstrap))
    assert [p.path for p in found] == ["apps.shop.database"], found
    assert message in found[0].message, found[0].message


@pytest.mark.parametrize(("script", "message"), [
    ({"name": "Bad Name", "file": "a.sql"}, "does not match ^[a-z0-9][a-z0-9_.-]{0,62}$"),
    ({"name": "a"}, "required; this field has no default"),
    ({"name": "a", "file": "a.sql", "sha256": "0" * 64}, "unknown key 'sha256'"),
])
def test_hostile_script_entries_name_their_field(tmp_path, script, message):
    apps = tmp_path / "apps"
    _write(apps, "a.sql", b"SELECT 1;\n")
    found = problems(blueprint(apps, [script]))
    assert found and all(p.path.startswith("apps.shop.database.bootstrap.scripts[0]") for p in found), found
    assert any(message in p.message.lower() for p in found), [p.message for p in found]
