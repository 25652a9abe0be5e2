"""A tiny YAML highlighter: each line split into (css class, text) tokens; templates escape the text.

Good enough for YaWL documents (block mappings and sequences, quoted and plain scalars, block scalars,
comments, jq interpolations); anything it does not recognise stays plain text, never lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_KEY = re.compile(r"""^(\s*)(-\s+)?((?:"[^"]*"|'[^']*'|[^\s#'"{}\[\],][^#]*?))(\s*:)(?=\s|$)""")
_DASH = re.compile(r"^(\s*)(-)(?=\s|$)")
_NUMBER = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_LITERALS = frozenset({"true", "false", "null", "~", "yes", "no", "True", "False", "Null"})
# `\(...)` in single quotes or plain scalars, `\\(...)` inside YAML double quotes.
_INTERPOLATION = re.compile(r"\\{1,2}\((?:[^()]|\([^()]*\))*\)")
_BLOCK_SCALAR = re.compile(r"^[|>][-+]?\d*\s*(#.*)?$")


@dataclass(frozen=True)
class Line:
    number: int
    tokens: list[tuple[str, str]]
    problems: list[str] = field(default_factory=list)


def highlight(text: str, *, problems: Mapping[int, list[str]] | None = None) -> list[Line]:
    """Tokenised lines, numbered from 1, each carrying the `problems` reported at that line."""
    problems = problems or {}
    lines: list[Line] = []
    block_indent: int | None = None  # inside a block scalar (`key: |`): the indent of its key
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        indent = len(raw) - len(raw.lstrip(" "))
        if block_indent is not None and (not raw.strip() or indent > block_indent):
            tokens = [("str", raw)]
        else:
            block_indent = None
            tokens, opens_block = _line(raw)
            if opens_block:
                block_indent = indent
        lines.append(Line(number, tokens, list(problems.get(number, ()))))
    return lines


def _line(raw: str) -> tuple[list[tuple[str, str]], bool]:
    tokens: list[tuple[str, str]] = []
    rest = raw
    match = _KEY.match(rest)
    if match:
        indent, dash, key, colon = match.groups()
        tokens.append(("", indent))
        if dash:
            tokens.append(("punct", dash))
        tokens += [("key", key), ("punct", colon)]
        rest = rest[match.end() :]
    else:
        dash_match = _DASH.match(rest)
        if dash_match:
            tokens += [("", dash_match.group(1)), ("punct", dash_match.group(2))]
            rest = rest[dash_match.end() :]
    value, comment = _split_comment(rest)
    tokens += _value(value)
    if comment:
        tokens.append(("comment", comment))
    opens_block = bool(_BLOCK_SCALAR.match(value.strip())) if value.strip() else False
    return [token for token in tokens if token[1]], opens_block


def _split_comment(text: str) -> tuple[str, str]:
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            return text[:index], text[index:]
    return text, ""


def _value(text: str) -> list[tuple[str, str]]:
    stripped = text.strip()
    if not stripped:
        return [("", text)]
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    if stripped[0] in "\"'":
        kind = "str"
    elif _NUMBER.match(stripped):
        kind = "num"
    elif stripped in _LITERALS:
        kind = "lit"
    elif stripped[0] in "|>&*!{[":
        kind = "punct" if _BLOCK_SCALAR.match(stripped) else ""
    else:
        kind = "str"
    return [("", lead), *_interpolations(kind, stripped), ("", trail)]


def _interpolations(kind: str, text: str) -> Iterable[tuple[str, str]]:
    """jq `\\( ... )` inside a string stands out from the literal text around it."""
    if kind != "str":
        yield kind, text
        return
    position = 0
    for match in _INTERPOLATION.finditer(text):
        yield "str", text[position : match.start()]
        yield "interp", match.group(0)
        position = match.end()
    yield "str", text[position:]
