"""Typed, validating access to the fields of one YAML mapping, reporting problems to the parser's `Issues`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .definition import ALL, EXCLUDE, INCLUDE, CatchRule, RetryPolicy, SpecIssue, Template
from .retry import parse_duration
from .templating import check_condition, check_template, is_template
from .yamlnodes import YNode

_ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
MISSING = object()


@dataclass(frozen=True)
class Ref:
    """A `next`/`start`/catch target to check against the ids of its block once they are all known."""

    target: str
    path: str
    line: int | None
    column: int | None


@dataclass
class Issues:
    """Collects every problem; `refs` is a stack with one list of references per block being built."""

    issues: list[SpecIssue] = field(default_factory=list)
    warnings: list[SpecIssue] = field(default_factory=list)
    refs: list[list[Ref]] = field(default_factory=list)
    max_retries: int = 100
    max_timeout: float = 900.0
    max_delay: float = 3600.0

    def add(self, message: str, path: str, node: YNode | None = None) -> None:
        line, column = (node.line, node.column) if node is not None else (None, None)
        self.issues.append(SpecIssue(message, path, line, column))


class Fields:
    """The fields of one mapping node at `path`; call `done()` last to report keys nobody asked for."""

    def __init__(self, issues: Issues, node: YNode, path: str) -> None:
        self.issues = issues
        self.node = node
        self.path = path
        self.used: set[str] = set()
        self.ok = node.is_map
        if not self.ok:
            issues.add("expected a mapping", path, node)

    def child(self, key: str) -> YNode | None:
        self.used.add(key)
        return self.node.value.get(key) if self.ok else None

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.ok and key in self.node.value

    def done(self) -> None:
        if not self.ok:
            return
        for key in self.node.value:
            if key not in self.used:
                line, column = self.node.key_marks.get(key, (self.node.line, self.node.column))
                self.issues.issues.append(SpecIssue(f"unknown key {key!r}", self.at(key), line, column))

    def require(self, key: str) -> YNode | None:
        node = self.child(key)
        if node is None and self.ok:
            self.issues.add(f"missing required field {key!r}", self.path, self.node)
        return node

    # -- scalars -------------------------------------------------------------------------------------------

    def string(self, key: str, *, required: bool = False) -> str | None:
        node = self.require(key) if required else self.child(key)
        if node is None:
            return None
        if not isinstance(node.value, str):
            self.issues.add(f"{key!r} must be a string", self.at(key), node)
            return None
        return node.value

    def integer(self, key: str, *, minimum: int, maximum: int | None = None) -> int | None:
        node = self.child(key)
        if node is None:
            return None
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int):
            self.issues.add(f"{key!r} must be an integer", self.at(key), node)
            return None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.issues.add(f"{key!r} must be {bound}", self.at(key), node)
            return None
        return value

    def number(self, key: str, *, minimum: float) -> float | None:
        node = self.child(key)
        if node is None:
            return None
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            self.issues.add(f"{key!r} must be a number >= {minimum:g}", self.at(key), node)
            return None
        return float(value)

    def duration(self, key: str, *, maximum: float) -> float | None:
        node = self.child(key)
        if node is None:
            return None
        return self.check_duration(node, self.at(key), maximum=maximum)

    def check_duration(self, node: YNode, path: str, *, maximum: float | None) -> float | None:
        if not isinstance(node.value, str):
            self.issues.add('a duration must be a string such as "2s"', path, node)
            return None
        try:
            seconds = parse_duration(node.value)
        except ValueError as exc:
            self.issues.add(str(exc), path, node)
            return None
        if seconds <= 0 or (maximum is not None and seconds > maximum):
            self.issues.add(f"duration must be > 0s and at most {maximum:g}s", path, node)
            return None
        return seconds

    def ref(self, key: str, *, required: bool = False) -> str | None:
        """A step id that must exist in the current block (checked when the block is complete)."""
        node = self.require(key) if required else self.child(key)
        return self.ref_node(node, self.at(key)) if node is not None else None

    def ref_node(self, node: YNode, path: str) -> str | None:
        if not isinstance(node.value, str) or not node.value:
            hint = f" (YAML reads {node.raw!r} as {node.value!r}: quote it)" if node.raw else ""
            self.issues.add(f"a step id must be a non-empty string{hint}", path, node)
            return None
        self.issues.refs[-1].append(Ref(node.value, path, node.line, node.column))
        return node.value

    # -- jq --------------------------------------------------------------------------------------------------

    def template(self, key: str, *, required: bool = False) -> tuple[Template, bool]:
        """(value, present): a templated field, every interpolation compiled now."""
        node = self.require(key) if required else self.child(key)
        if node is None:
            return None, False
        return self.check_template(node, self.at(key)), True

    def check_template(self, node: YNode, path: str) -> Template:
        value = node.plain()
        for problem in check_template(value):
            self.issues.add(problem, path, node)
        return value

    def condition(self, key: str, *, required: bool = False) -> str | None:
        node = self.require(key) if required else self.child(key)
        if node is None:
            return None
        if not isinstance(node.value, str) or not node.value.strip():
            self.issues.add(f"{key!r} must be a jq program (a non-empty string)", self.at(key), node)
            return None
        if is_template(node.value):
            self.issues.add("a condition is a bare jq program, without \\( )", self.at(key), node)
            return None
        for problem in check_condition(node.value):
            self.issues.add(problem, self.at(key), node)
        return node.value

    def template_map(self, key: str) -> dict[str, Template]:
        node = self.child(key)
        if node is None:
            return {}
        if not node.is_map:
            self.issues.add(f"{key!r} must be a mapping", self.at(key), node)
            return {}
        return {name: self.check_template(child, f"{self.at(key)}.{name}") for name, child in node.value.items()}

    # -- shared objects --------------------------------------------------------------------------------------

    def retry_policy(self, key: str) -> RetryPolicy | None:
        node = self.child(key)
        if node is None:
            return None
        fields = Fields(self.issues, node, self.at(key))
        if not fields.ok:
            return None
        policy = RetryPolicy(
            error_list=fields.error_list(),
            mode=fields.mode(),
            retry_count=_or(fields.integer("retryCount", minimum=0, maximum=self.issues.max_retries), 0),
            initial_delay=_or(fields.duration("initialDelay", maximum=self.issues.max_delay), 1.0),
            backoff_rate=_or(fields.number("backoffRate", minimum=0.0), 1.0),
            max_delay=_or(fields.duration("maxDelay", maximum=self.issues.max_delay), 1.0),
        )
        fields.done()
        if policy.initial_delay > policy.max_delay:
            message = f"initialDelay exceeds maxDelay ({policy.max_delay:g}s): every delay is {policy.max_delay:g}s"
            self.issues.warnings.append(SpecIssue(message, self.at(key), node.line, node.column))
        return policy

    def catch_rules(self, key: str) -> tuple[CatchRule, ...]:
        node = self.child(key)
        if node is None:
            return ()
        if not node.is_seq:
            self.issues.add(f"{key!r} must be a list of catch rules", self.at(key), node)
            return ()
        rules = []
        for index, item in enumerate(node.value):
            fields = Fields(self.issues, item, f"{self.at(key)}[{index}]")
            if not fields.ok:
                continue
            error_list, mode = fields.error_list(), fields.mode()
            output, has_output = fields.template("output")
            target = fields.ref("next", required=True) or ""
            rules.append(CatchRule(error_list, target, mode, output, has_output))
            fields.done()
        return tuple(rules)

    def error_list(self) -> tuple[str, ...]:
        node = self.require("errorList")
        if node is None:
            return ()
        codes = node.plain()
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            self.issues.add("'errorList' must be a list of error codes", self.at("errorList"), node)
            return ()
        for code in codes:
            if code != ALL and not _ERROR_CODE.match(code):
                self.issues.add(f"{code!r} is not an error code", self.at("errorList"), node)
        return tuple(codes)

    def mode(self) -> str:
        value = self.string("errorListMode")
        if value is not None and value not in (INCLUDE, EXCLUDE):
            self.issues.add("'errorListMode' must be INCLUDE or EXCLUDE", self.at("errorListMode"), self.node)
        return value if value in (INCLUDE, EXCLUDE) else INCLUDE


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value
