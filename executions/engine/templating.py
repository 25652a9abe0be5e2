"""jq templates and conditions (YAWL.md "State and templating").

- A string is literal unless it contains `\\(expr)`. A string that is exactly one `\\(expr)` evaluates to the
  JSON value of `expr`; other strings render to a string (non-strings inside as compact JSON, as jq does).
  Objects and arrays are rendered leaf by leaf (keys are literal); other scalars are literal.
- A condition is a bare jq program, true when its first result is neither false nor null (no result: false).
- A program with several results yields its first; a template with no result renders as null.
- Variables: `$global` (top-level state before the current top-level step), `$counter` (0-based iteration of
  the innermost While; in a Foreach iteration its element index; 0 elsewhere).
- Functions: `secret("name")` returns the secret from the resolver (unknown: a template error naming it).
  `now` is the event time passed to the interpreter, not the clock, so evaluation is deterministic; `env`,
  `$ENV`, `input`, `debug` and `stderr` are neutralised (no environment leaks, no I/O); modules cannot be
  imported because user programs never start the compiled text.
- Bounds: only the first result is computed (jq generators are lazy). A program that never yields (e.g.
  `def f: f; f`, `[range(1e10)]`) cannot be time-boxed from pure code: the shell must run evaluation under a
  time limit (a worker subprocess) if untrusted authors can write specs.

Compiled programs are cached per program text (compiling costs ~1 ms, evaluating ~7 us).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jq

SecretResolver = Callable[[str], str | None]

_PRELUDE = (
    ". as [$__in, $global, $counter, $__now, $__secrets] | "
    'def now: $__now; def env: {}; def input: error("input is not available in templates"); '
    "def inputs: empty; def debug: .; def debug(m): .; def stderr: .; def input_filename: null; "
    "def secret($name): if ($__secrets | has($name)) then $__secrets[$name] "
    'else error("secret \\($name | tojson) is not defined") end; '
    "{} as $ENV | $__in | (\n"
)
_SECRET_CALL = re.compile(r'\bsecret\s*\(\s*("(?:[^"\\]|\\.)*")\s*\)')
_SECRET_ANY = re.compile(r"\bsecret\s*\(")
_LOCKBOX = re.compile(r"\blockboxPayload\s*\(")


class TemplateError(Exception):
    """A template or condition does not compile, or failed at evaluation; the message says why."""


@dataclass(frozen=True)
class Env:
    """What a template sees besides its input."""

    now: datetime
    global_state: Any = None
    counter: int = 0
    secrets: SecretResolver | None = field(default=None, compare=False)


@dataclass(frozen=True)
class _Compiled:
    program: Any
    secrets: tuple[str, ...]
    uses_global: bool


def is_template(value: Any) -> bool:
    """Whether a value needs jq to render (contains an interpolation anywhere)."""
    if isinstance(value, str):
        return "\\(" in value
    if isinstance(value, dict):
        return any(is_template(v) for v in value.values())
    if isinstance(value, list):
        return any(is_template(v) for v in value)
    return False


def check_template(value: Any) -> list[str]:
    """Compile every string of a template; return the problems (empty when it all compiles)."""
    problems: list[str] = []
    for text in _strings(value):
        if "\\(" not in text:
            continue
        try:
            _compile(_template_program(text))
        except TemplateError as exc:
            problems.append(str(exc))
    return problems


def check_condition(program: str) -> list[str]:
    try:
        _compile(program)
    except TemplateError as exc:
        return [str(exc)]
    return []


def render(value: Any, data: Any, env: Env) -> Any:
    """Evaluate a template against `data` (see the module docstring for the rules)."""
    if isinstance(value, str):
        if "\\(" not in value:
            return value
        return _first(_compile(_template_program(value)), data, env, default=None)
    if isinstance(value, dict):
        return {key: render(item, data, env) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, data, env) for item in value]
    return value


def holds(condition: str, data: Any, env: Env) -> bool:
    result = _first(_compile(condition), data, env, default=False)
    return result is not None and result is not False


def _first(compiled: _Compiled, data: Any, env: Env, *, default: Any) -> Any:
    secrets = _resolve(compiled.secrets, env.secrets)
    now = env.now.timestamp()
    global_state = env.global_state if compiled.uses_global else None
    try:
        results = iter(compiled.program.input_value([data, global_state, env.counter, now, secrets]))
        return next(results, default)
    except ValueError as exc:
        raise TemplateError(_clean(str(exc))) from None


def _resolve(names: tuple[str, ...], resolver: SecretResolver | None) -> dict[str, str]:
    if resolver is None:
        return {}
    found = {name: resolver(name) for name in names}
    return {name: value for name, value in found.items() if value is not None}


@functools.lru_cache(maxsize=4096)
def _compile(program: str) -> _Compiled:
    if _LOCKBOX.search(program):
        raise TemplateError('Lockbox is not available on this engine: use secret("name") to read a secret instead')
    literal = _SECRET_CALL.findall(program)
    if len(literal) != len(_SECRET_ANY.findall(program)):
        raise TemplateError('secret() takes a literal name: secret("name")')
    try:
        compiled = jq.compile(_PRELUDE + program + "\n)")
    except ValueError as exc:
        raise TemplateError(f"jq does not compile: {_clean(str(exc))}") from None
    names = tuple(sorted({json.loads(name) for name in literal}))
    return _Compiled(compiled, names, "$global" in program)


def _template_program(text: str) -> str:
    """A template string as a jq program: the bare expression, or a jq string literal with interpolations."""
    parts = split_template(text)
    if len(parts) == 1 and isinstance(parts[0], _Expr):
        return parts[0].text
    pieces = [f"\\({p.text})" if isinstance(p, _Expr) else json.dumps(p)[1:-1] for p in parts]
    return '"' + "".join(pieces) + '"'


@dataclass(frozen=True)
class _Expr:
    text: str


def split_template(text: str) -> list[str | _Expr]:
    """Split a template into literal text and `\\(expr)` parts; raise TemplateError if unbalanced."""
    parts: list[str | _Expr] = []
    pos = 0
    while (start := text.find("\\(", pos)) >= 0:
        if start > pos:
            parts.append(text[pos:start])
        end = _expr_end(text, start + 2)
        parts.append(_Expr(text[start + 2 : end]))
        pos = end + 1
    if pos < len(text):
        parts.append(text[pos:])
    return parts


def _expr_end(text: str, pos: int) -> int:
    """Index of the `)` closing an interpolation whose expression starts at `pos`."""
    depth = 0
    while pos < len(text):
        char = text[pos]
        if char == '"':
            pos = _string_end(text, pos + 1)
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    raise TemplateError("unterminated \\( interpolation")


def _string_end(text: str, pos: int) -> int:
    """Index of the `"` closing a jq string literal whose content starts at `pos`."""
    while pos < len(text):
        char = text[pos]
        if char == '"':
            return pos
        if text.startswith("\\(", pos):
            pos = _expr_end(text, pos + 2)
        elif char == "\\":
            pos += 1
        pos += 1
    raise TemplateError("unterminated string in a \\( interpolation")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _clean(message: str) -> str:
    """jq's first error line without the `jq: error:` prefix and its position in our wrapped program."""
    first = message.strip().splitlines()[0] if message.strip() else "unknown jq error"
    first = first.removeprefix("jq: error: ")
    return re.sub(r" at <top-level>, line \d+(, column \d+)?:?$", "", first)
