"""Stack and blueprint files: hostile or malformed YAML fails fast with one error naming file:line:column."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from appstack.cli import main
from appstack.errors import ConfigError
from appstack.stackconfig import load_blueprint
from appstack.yamlfile import MAX_BYTES, load_mapping

BOMB = b"".join(
    f"{name}: &{name} [{', '.join([f'*{prev}' if prev else 'x'] * 10)}]\n".encode()
    for prev, name in zip(["", "a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e", "f"], strict=True)
)

# (case, file bytes, expected "where: message")
CASES = [
    ("tab indentation", b"name: a\nimages:\n\tweb: {}\n", "f.yaml:3:1: tab in indentation; YAML indents with spaces"),
    ("two documents", b"name: a\n---\nname: b\n",
     "f.yaml:2:1: more than one YAML document ('---'); a file holds exactly one"),
    ("python tag", b"name: !!python/object/apply:os.system ['id']\n",
     "f.yaml:1:7: tag !!python/object/apply:os.system is not allowed; use plain YAML values"),
    ("local tag", b"name: !env HOME\n", "f.yaml:1:7: tag !env is not allowed; use plain YAML values"),
    ("binary", b"name: !!binary aGk=\n", "f.yaml:1:7: tag !!binary is not allowed; use plain YAML values"),
    ("set", b"tags: !!set {a, b}\n", "f.yaml:1:7: tag !!set is not allowed; use plain YAML values"),
    ("NUL byte", b"name: a\ndescription: x\x00y\n", "f.yaml:2:15: NUL byte; a YAML file is text"),
    ("control character", b"name: a\x1a\n", "f.yaml:1:8: control character U+001A; a YAML file is text"),
    ("Latin-1", b"name: a\ndescription: caf\xe9\n",
     "f.yaml:2:17: byte 0xe9 is not UTF-8 (Latin-1 or another encoding?); save the file as UTF-8"),
    ("UTF-16", "name: a\n".encode("utf-16"), "f.yaml:1:1: the file is UTF-16 encoded; save it as UTF-8"),
    ("UTF-32", "name: a\n".encode("utf-32"), "f.yaml:1:1: the file is UTF-32 encoded; save it as UTF-8"),
    ("list document", b"- name: a\n", "f.yaml:1:1: the document must be a mapping of keys to values, not a list"),
    ("scalar document", b"just text\n",
     "f.yaml:1:1: the document must be a mapping of keys to values, not a string"),
    ("integer key", b"services:\n  123: {}\n",
     'f.yaml:2:3: key 123 is read as an integer, not a string; quote it: "123":'),
    ("null key", b"~: a\n", 'f.yaml:1:1: key ~ is read as null, not a string; quote it: "~":'),
    ("yes key", b"env:\n  yes: a\n", 'f.yaml:2:3: key yes is read as a boolean, not a string; quote it: "yes":'),
    ("list key", b"? [a]\n: 1\n", "f.yaml:1:3: a key must be a plain string, not a list"),
    ("duplicate key", b"services:\n  web: {port: 1}\n  api: {}\n  web: {port: 2}\n",
     "f.yaml:4:3: duplicate key 'web' (first at line 2); YAML would silently keep only the last one"),
    ("alias bomb", BOMB, "f.yaml:5:4: expands to more than 100000 values (through aliases)"),
    ("recursive alias", b"a: &a [*a]\n",
     "f.yaml:1:4: an alias refers to the value that contains it (a recursive structure)"),
    ("deep flow nesting", b"a: " + b"[" * 10000 + b"]" * 10000 + b"\n", "f.yaml:1:67: nested more than 64 levels deep"),
    ("deep block nesting", b"".join(b" " * i + b"k:\n" for i in range(500)),
     "f.yaml:64:64: nested more than 64 levels deep"),
    ("deep through aliases",
     b"a: &a " + b"[" * 40 + b"]" * 40 + b"\nb: " + b"[" * 30 + b"*a" + b"]" * 30 + b"\n",
     "f.yaml:2:9: nested more than 64 levels deep (through aliases)"),
    ("wide alias expansion", b"a: &a [" + b"1, " * 1000 + b"1]\nb: [" + b"*a, " * 100 + b"*a]\n",
     "f.yaml:2:4: expands to more than 100000 values (through aliases)"),
    ("multi-megabyte", b"a: " + b"x" * (5 * 1024 * 1024) + b"\n",
     "f.yaml: 5242884 bytes is more than the 128 KiB a stack or blueprint file may hold"),
    ("syntax error", b"a: [1, 2\n",
     "f.yaml:2:1: while parsing a flow sequence did not find expected ',' or ']'"),
]


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_file_fails_fast_with_file_and_position(tmp_path, data, expected):
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    assert time.perf_counter() - started < 3
    assert [str(p) for p in caught.value.problems] == [expected]
    assert caught.value.render().startswith("Unreadable file f.yaml (1 problem):")


# (case, file bytes, the mapping it reads as)
ACCEPTED = [
    ("UTF-8 byte order mark", b"\xef\xbb\xbfname: a\n", {"name": "a"}),
    ("merge keys override", b"x-b: &b {a: 1, c: 2}\ns:\n  <<: *b\n  a: 3\n", {"x-b": {"a": 1, "c": 2}, "s": {"a": 3, "c": 2}}),
    ("merge of a merge", b"x-a: &a {a: 1}\nx-m: &m {<<: *a, a: 2}\ns: {<<: *m, a: 3}\n",
     {"x-a": {"a": 1}, "x-m": {"a": 2}, "s": {"a": 3}}),
    ("dates stay strings", b"since: 2024-01-01\n", {"since": "2024-01-01"}),
    ("quoted keys", b"'123': a\n\"yes\": b\n", {"123": "a", "yes": "b"}),
    ("tabs inside values", b"a: \"x\ty\"\n", {"a": "x\ty"}),
    ("empty file", b"", {}),
]


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_plain_yaml_reads_as_before(tmp_path, data, expected):
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    assert load_mapping(path) == expected


def test_a_file_larger_than_the_cap_is_never_read(tmp_path):
    path = tmp_path / "f.yaml"
    with path.open("wb") as handle:  # sparse: 2 GB on paper, nothing on disk
        handle.truncate(2 * 1024**3)
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    assert str(caught.value.problems[0]).endswith(f"bytes is more than the {MAX_BYTES // 1024} KiB a stack or "
                                                  "blueprint file may hold")


def test_blueprint_errors_name_the_blueprint_file(tmp_path):
    (tmp_path / "web.yaml").write_bytes(b"name: web\nservices:\n  a: {}\n  a: {}\n")
    with pytest.raises(ConfigError) as caught:
        load_blueprint("web", tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path.name}/web.yaml:4:3: duplicate key 'a' (first at line 3); YAML would silently keep only the last one"
    ]


def _project(tmp_path: Path, stack_file: bytes, project_file: bytes = b"name: bad\nruntime: python\n") -> list[str]:
    (tmp_path / "Pulumi.yaml").write_bytes(project_file)
    (tmp_path / "Pulumi.bad.yaml").write_bytes(stack_file)
    return ["plan", "bad", "--quiet", "--project-dir", str(tmp_path)]


def test_hostile_stack_file_exits_2_without_traceback(tmp_path, capsys):
    argv = _project(tmp_path, b"config:\n  appstack:tier: dev\n  appstack:tier: prod\n")
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        "Unreadable file Pulumi.bad.yaml (1 problem):",
        "  - Pulumi.bad.yaml:3:3: duplicate key 'appstack:tier' (first at line 2); "
        "YAML would silently keep only the last one",
    ]


def test_stack_file_config_must_be_a_mapping(tmp_path, capsys):
    assert main(_project(tmp_path, b"config: [a, b]\n")) == 2
    assert "Pulumi.bad.yaml: config: must be a mapping of config keys to values" in capsys.readouterr().err


def test_hostile_project_file_exits_2_with_its_position(tmp_path, capsys):
    assert main(_project(tmp_path, b"config: {}\n", b"name: bad\nname: worse\n")) == 2
    assert f"{tmp_path.resolve()}/Pulumi.yaml:2:1: duplicate key 'name' (first at line 1)" in capsys.readouterr().err
