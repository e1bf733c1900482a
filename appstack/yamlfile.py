"""The one way appstack reads a stack or blueprint file: strict YAML, bounded work, readable errors.

Every file is a single UTF-8 document holding a mapping with string keys, as JSON would hold it:
no duplicate keys (YAML's last-wins would silently drop settings), no tags beyond the plain types,
no tabs in indentation. The work is bounded before it starts (file size) and while it runs
(nesting depth, the number of values aliases expand to), so a hostile file fails in well under a
second instead of exhausting memory. Every refusal is a ConfigError naming `file:line:column`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.cyaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from .errors import ConfigError, Problem

MAX_BYTES = 128 * 1024  # the shipped files are ~5 KB; the slowest 128 KiB parses in about a second
MAX_DEPTH = 64  # nested mappings and lists; the spec itself goes about 8 deep
MAX_VALUES = 100_000  # values after expanding aliases (a "billion laughs" file expands to 10^9)

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)
# What YAML does not allow in a stream (outside its printable set): C0 and C1 controls but tab and line breaks.
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_BOMS = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32", b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}


class _Refusal(Exception):
    def __init__(self, message: str, mark: Any = None, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = mark.line + 1 if mark is not None else line
        self.column = mark.column + 1 if mark is not None else column


class _Loader(Composer, CParser, SafeConstructor, Resolver):
    """libyaml's parser (fast, not recursive) under PyYAML's composer, whose recursion is bounded here,
    and the safe constructor, which refuses every tag beyond the plain types."""

    def __init__(self, stream: str):
        CParser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        self._depth += 1
        try:
            self._nodes += 1
            if self._depth > MAX_DEPTH:
                raise _Refusal(f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark)
            if self._nodes > MAX_VALUES:
                raise _Refusal(f"holds more than {MAX_VALUES} values", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_timestamp(self, node: ScalarNode) -> str:  # type: ignore[override]
        return str(node.value)  # dates are opaque strings to the spec (and must survive JSON)

    def construct_undefined(self, node: Node) -> Any:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise _Refusal(f"tag {_short(tag)} is not allowed; use plain YAML values", node.start_mark)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
for _tag in ("tag:yaml.org,2002:binary", "tag:yaml.org,2002:set", "tag:yaml.org,2002:omap",
             "tag:yaml.org,2002:pairs"):
    _Loader.add_constructor(_tag, _Loader.construct_undefined)
_Loader.add_constructor(None, _Loader.construct_undefined)


def _kind(node: Node) -> str:
    if isinstance(node, ScalarNode):
        kind = node.tag.rsplit(":", 1)[-1]
        return {"null": "null", "int": "an integer", "bool": "a boolean", "float": "a number",
                "str": "a string"}.get(kind, kind)
    return "a list" if isinstance(node, SequenceNode) else "a mapping"


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _check_keys(node: MappingNode) -> None:
    """Keys are distinct strings, as in JSON (`123:`, `~:` and `yes:` are not; `<<` merges are fine)."""
    seen: dict[str, Any] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE:
            continue
        if not isinstance(key_node, ScalarNode):
            raise _Refusal(f"a key must be a plain string, not {_kind(key_node)}", key_node.start_mark)
        if key_node.tag != _STR:
            shown = _short(key_node.value) or "(empty)"
            raise _Refusal(f"key {shown} is read as {_kind(key_node)}, not a string; quote it: \"{shown}\":",
                           key_node.start_mark)
        if key_node.value in seen:
            raise _Refusal(
                f"duplicate key '{_short(key_node.value)}' (first at line {seen[key_node.value].line + 1}); "
                "YAML would silently keep only the last one", key_node.start_mark,
            )
        seen[key_node.value] = key_node.start_mark


def _expanded_size(root: Node) -> None:
    """Count the values and depth the document expands to (aliases counted per use); refuse cycles and bombs.

    Anchors precede their aliases, so this depth-first walk has measured a node before any alias of it
    is reached: the walk itself recurses no deeper than the composed document (MAX_DEPTH).
    """
    measured: dict[int, tuple[int, int]] = {}
    active: set[int] = set()

    def measure(node: Node) -> tuple[int, int]:
        key = id(node)
        if key in measured:
            return measured[key]
        if key in active:
            raise _Refusal("an alias refers to the value that contains it (a recursive structure)", node.start_mark)
        active.add(key)
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            _check_keys(node)
            children = [part for pair in node.value for part in pair]
        count, depth = 1, 1
        for child in children:
            child_count, child_depth = measure(child)
            count, depth = count + child_count, max(depth, child_depth + 1)
            if count > MAX_VALUES:
                raise _Refusal(f"expands to more than {MAX_VALUES} values (through aliases)",
                               node.start_mark)
            if depth > MAX_DEPTH:
                raise _Refusal(f"nested more than {MAX_DEPTH} levels deep (through aliases)", node.start_mark)
        active.discard(key)
        measured[key] = (count, depth)
        return count, depth

    measure(root)


def _position_of(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS.items():
        if data.startswith(bom):
            raise _Refusal(f"the file is {encoding} encoded; save it as UTF-8", line=1, column=1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position_of(data[: error.start].decode("utf-8", "replace"), error.start)
        raise _Refusal(
            f"byte 0x{data[error.start]:02x} is not UTF-8 (Latin-1 or another encoding?); save the file as UTF-8",
            line=line, column=column,
        ) from None
    text = text.removeprefix("\ufeff")  # a UTF-8 byte order mark carries no meaning
    if match := _NOT_PRINTABLE.search(text):
        line, column = _position_of(text, match.start())
        character = match.group()
        message = "NUL byte" if character == "\x00" else f"control character U+{ord(character):04X}"
        raise _Refusal(f"{message}; a YAML file is text", line=line, column=column)
    if match := _TAB_INDENT.search(text):
        line, column = _position_of(text, match.end() - 1)
        raise _Refusal("tab in indentation; YAML indents with spaces", line=line, column=column)
    return text


def parse(data: bytes) -> dict[str, Any]:
    """The mapping a file's bytes hold; raises _Refusal (internal) with a position."""
    if len(data) > MAX_BYTES:
        raise _Refusal(f"{len(data)} bytes is more than the {MAX_BYTES // 1024} KiB a stack or blueprint file may hold")
    loader = _Loader(_decode(data))
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            raise _Refusal(f"the document must be a mapping of keys to values, not {_kind(node)}", node.start_mark)
        _expanded_size(node)
        document = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(part for part in (error.context, error.problem) if part)
        if "expected a single document" in message:
            message = "more than one YAML document ('---'); a file holds exactly one"
        raise _Refusal(message, mark) from None
    except yaml.YAMLError as error:
        raise _Refusal(f"not valid YAML: {error}") from None
    finally:
        loader.dispose()
    return document


def load_mapping(path: Path, *, shown_as: str | None = None) -> dict[str, Any]:
    """Read a stack or blueprint file, or raise one ConfigError naming the file and position."""
    shown = shown_as or path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # refuse before reading a file of any size into memory
            raise _Refusal(f"{size} bytes is more than the {MAX_BYTES // 1024} KiB a stack or blueprint file may hold")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        return parse(data)
    except _Refusal as refusal:
        where = shown if refusal.line is None else f"{shown}:{refusal.line}:{refusal.column}"
        raise ConfigError([Problem(where, refusal.message)], title=f"Unreadable file {shown}") from None
    except OSError as error:
        problem = Problem(shown, f"cannot be read: {error.strerror}")
        raise ConfigError([problem], title=f"Unreadable file {shown}") from None
