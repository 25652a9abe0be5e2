"""YAML text (or trusted plain data) -> a tree of `YNode`s that remember where they came from.

PyYAML's constructor silently keeps the last of duplicate keys and loses positions, so the parser works on the
composed node graph instead: duplicates are reported while converting, aliases are expanded with a node budget
(an alias bomb is rejected, never expanded), and every node keeps its 1-based line and column.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from .definition import SpecError, SpecIssue

MAX_DEPTH = 100


@dataclass
class YNode:
    """`value` is dict[str, YNode] (mapping), list[YNode] (sequence) or a plain JSON scalar."""

    value: Any
    line: int | None = None
    column: int | None = None
    raw: str | None = None  # the scalar's source text, e.g. "0.1" for an unquoted float
    key_marks: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    def plain(self) -> Any:
        if isinstance(self.value, dict):
            return {key: child.plain() for key, child in self.value.items()}
        if isinstance(self.value, list):
            return [child.plain() for child in self.value]
        return self.value


def compose(text: str, *, max_nodes: int) -> tuple[YNode, list[SpecIssue]]:
    """The node tree and the duplicate keys found (reported with the other problems, not alone)."""
    loader = None
    try:
        # Inside the try: the loader's reader already refuses control characters (ReaderError) here.
        loader = yaml.SafeLoader(text)
        root = loader.get_single_node()
        if root is None:
            raise SpecError([SpecIssue("the document is empty", "", 1, 1)])
        converter = _Converter(loader, max_nodes)
        return converter.convert(root, "", 0), converter.duplicates
    except yaml.reader.ReaderError as exc:
        line, column = _reader_position(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"malformed YAML: control character U+{code:04X} is not allowed"
        raise SpecError([SpecIssue(message, "", line, column)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"malformed YAML: {exc.problem or exc.context}"
        raise SpecError([SpecIssue(message, "", line, column)]) from None
    except yaml.YAMLError as exc:
        raise SpecError([SpecIssue(f"malformed YAML: {exc}", "", None, None)]) from None
    except RecursionError:
        raise SpecError([SpecIssue("the document nests too deeply", "", None, None)]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _reader_position(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def from_plain(data: Any, depth: int = 0) -> YNode:
    """Trusted plain data (a stored `to_document()`) as nodes without positions."""
    if depth > MAX_DEPTH:
        raise SpecError([SpecIssue("the document nests too deeply", "", None, None)])
    if isinstance(data, dict):
        return YNode({str(k): from_plain(v, depth + 1) for k, v in data.items()})
    if isinstance(data, list):
        return YNode([from_plain(v, depth + 1) for v in data])
    return YNode(data, raw=data if isinstance(data, str) else None)


class _Converter:
    def __init__(self, loader: yaml.SafeLoader, max_nodes: int) -> None:
        self.loader = loader
        self.max_nodes = max_nodes
        self.count = 0
        self.duplicates: list[SpecIssue] = []

    def convert(self, node: yaml.Node, path: str, depth: int) -> YNode:
        self.count += 1
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if self.count > self.max_nodes:
            message = f"the document expands to more than {self.max_nodes} nodes (an alias bomb?)"
            raise SpecError([SpecIssue(message, path, line, column)])
        if depth > MAX_DEPTH:
            message = "the document nests too deeply (or an alias refers to itself)"
            raise SpecError([SpecIssue(message, path[:80], line, column)])
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth, line, column)
        if isinstance(node, yaml.SequenceNode):
            items = [self.convert(child, f"{path}[{i}]", depth + 1) for i, child in enumerate(node.value)]
            return YNode(items, line, column)
        return YNode(self._scalar(node, path, line, column), line, column, raw=node.value)

    def _mapping(self, node: yaml.MappingNode, path: str, depth: int, line: int, column: int) -> YNode:
        seen: set[str] = set()
        for key_node, _ in node.value:
            mark = key_node.start_mark
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError([SpecIssue("keys must be strings", path, mark.line + 1, mark.column + 1)])
            if key_node.tag != "tag:yaml.org,2002:merge" and key_node.value in seen:
                message = f"duplicate key {key_node.value!r}"
                where = _join(path, key_node.value)
                self.duplicates.append(SpecIssue(message, where, mark.line + 1, mark.column + 1))
            seen.add(key_node.value)
        self.loader.flatten_mapping(node)  # resolves `<<: *anchor` merges; explicit keys win
        result = YNode({}, line, column)
        for key_node, value_node in node.value:
            key = key_node.value
            child = self.convert(value_node, _join(path, key), depth + 1)
            result.value[key] = child
            result.key_marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result

    def _scalar(self, node: yaml.Node, path: str, line: int, column: int) -> Any:
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, dt.datetime | dt.date):
            text = value.isoformat()
            return text.replace("+00:00", "Z") if isinstance(value, dt.datetime) else text
        if isinstance(value, float) and not math.isfinite(value):
            raise SpecError([SpecIssue("NaN and infinity are not JSON values", path, line, column)])
        if value is None or isinstance(value, str | int | float | bool):
            return value
        message = f"a {type(value).__name__} value is not JSON data"
        raise SpecError([SpecIssue(message, path, line, column)])


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
