"""YaWL text -> `Definition`, validating everything YAWL.md asks and collecting every problem at once.

Paths in `SpecIssue.path` are dotted document paths, keys as written and list items as `[i]`, e.g.
`steps.notify.parallel.branches.mail.steps.send_mail.httpCall.url` or `steps.route.switch.choices[0].next`;
the document itself is "". Lines and columns are 1-based and point at the offending value (or key, for an
unknown or duplicate key; or the enclosing mapping, for a missing field).

`load(document)` rebuilds a Definition from `Definition.to_document()` (trusted data the shell stored): the
same builder runs, so the two can never disagree, but function ids are not checked (the registry may change)
and issues carry no line numbers.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

from .definition import Block, Definition, SpecError, SpecIssue, Step
from .parser_fields import Fields, Issues, Ref
from .parser_steps import CLOUD_ONLY_STEP_TYPES, STEP_TYPES, StepBuilder
from .protocol import Limits
from .yamlnodes import YNode, compose, from_plain

YAWL_VERSIONS = ("0.1", "1.0")
MAX_TEXT_BYTES = 1_000_000
MAX_NODES = 100_000


def parse(
    text: str,
    *,
    functions: Container[str] | None = None,
    limits: Limits | None = None,
    max_bytes: int = MAX_TEXT_BYTES,
    max_nodes: int = MAX_NODES,
) -> Definition:
    """Parse and validate a YaWL document; raise SpecError listing every problem.

    `functions`: the registered function ids; when given, a functionCall naming another id is an error.
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise SpecError([SpecIssue(f"the document is {size} bytes; the limit is {max_bytes}", "", None, None)])
    root, duplicates = compose(text, max_nodes=max_nodes)
    return _build(root, functions, limits or Limits(), duplicates)


def load(document: Mapping[str, Any], *, limits: Limits | None = None) -> Definition:
    """Rebuild a Definition from `Definition.to_document()` output, without YAML."""
    return _build(from_plain(dict(document)), None, limits or Limits())


def _build(
    root: YNode, functions: Container[str] | None, limits: Limits, early: list[SpecIssue] | None = None
) -> Definition:
    issues = Issues(max_retries=limits.max_retries, max_timeout=limits.step_timeout_seconds)
    issues.issues.extend(early or ())
    builder = _Builder(issues, functions)
    definition = builder.document(root)
    if issues.issues or definition is None:
        ordered = sorted(issues.issues, key=lambda i: (i.line or 0, i.column or 0))
        raise SpecError(ordered or [SpecIssue("not a valid workflow", "", None, None)])
    return definition


class _Builder:
    def __init__(self, issues: Issues, functions: Container[str] | None) -> None:
        self.issues = issues
        self.steps = StepBuilder(self.block, functions)
        self.warnings = issues.warnings

    def document(self, root: YNode) -> Definition | None:
        if not root.is_map:
            self.issues.add("a workflow document must be a mapping (yawl, start, steps)", "", root)
            return None
        fields = Fields(self.issues, root, "")
        version = self._version(fields)
        default_policy = fields.retry_policy("defaultRetryPolicy")
        block = self.block(root, "", top=True)
        fields.used.update({"start", "steps"})
        fields.done()
        if block is None or version is None:
            return None
        return Definition(
            yawl=version,
            start=block.start,
            steps=block.steps,
            default_retry_policy=default_policy,
            warnings=tuple(self.warnings),
            document=root.plain(),
        )

    def _version(self, fields: Fields) -> str | None:
        node = fields.require("yawl")
        if node is None:
            return None
        # An unquoted `yawl: 0.1` is a YAML float: its source text is what the author meant.
        text = node.raw if node.raw is not None else str(node.value)
        if text not in YAWL_VERSIONS:
            self.issues.add(f"'yawl' must be one of {', '.join(YAWL_VERSIONS)}", "yawl", node)
            return None
        return text

    def block(self, node: YNode, path: str, *, top: bool = False) -> Block | None:
        """A {start, steps} mapping; on the top level the document's own keys are handled by the caller."""
        fields = Fields(self.issues, node, path)
        if not fields.ok:
            return None
        self.issues.refs.append([])
        start = fields.ref("start", required=True)
        steps = self._steps(fields)
        refs = self.issues.refs.pop()
        if not top:
            fields.done()
        if steps is None:
            return None
        # Refs are checked against every id written, even of steps that failed to build: no cascades.
        self._check_refs(refs, fields.node.value["steps"].value)
        if start is None:
            return None
        self._check_reachable(start, steps, fields.at("steps"))
        return Block(start, steps)

    def _steps(self, fields: Fields) -> dict[str, Step] | None:
        node = fields.require("steps")
        if node is None:
            return None
        if not node.is_map or not node.value:
            self.issues.add("'steps' must be a non-empty mapping of step id to step", fields.at("steps"), node)
            return None
        steps = {}
        for step_id, step_node in node.value.items():
            step = self._step(step_id, step_node, f"{fields.at('steps')}.{step_id}")
            if step is not None:
                steps[step_id] = step
        return steps

    def _step(self, step_id: str, node: YNode, path: str) -> Step | None:
        fields = Fields(self.issues, node, path)
        if not fields.ok:
            return None
        title = fields.string("title") or ""
        description = fields.string("description") or ""
        type_keys = [key for key in node.value if key not in ("title", "description")]
        fields.used.update(type_keys)
        key = self._type_key(type_keys, node, path)
        if key is None:
            return None
        spec = self.steps.build(key, Fields(self.issues, _empty_if_null(node.value[key]), f"{path}.{key}"))
        if spec is None:
            return None
        return Step(step_id, STEP_TYPES[key], spec, title, description)

    def _type_key(self, keys: list[str], node: YNode, path: str) -> str | None:
        if len(keys) != 1:
            found = f"found {', '.join(keys)}" if keys else "found none"
            message = f"a step needs exactly one step type ({', '.join(STEP_TYPES)}); {found}"
            self.issues.add(message, path, node)
            return None
        key = keys[0]
        line, column = node.key_marks.get(key, (node.line, node.column))
        if key in CLOUD_ONLY_STEP_TYPES:
            message = f"step type {key!r} is not supported by this engine"
        elif key not in STEP_TYPES:
            message = f"unknown step type {key!r} (expected one of {', '.join(STEP_TYPES)})"
        else:
            return key
        self.issues.issues.append(SpecIssue(message, f"{path}.{key}", line, column))
        return None

    def _check_refs(self, refs: list[Ref], steps: Mapping[str, Any]) -> None:
        for ref in refs:
            if ref.target not in steps:
                known = ", ".join(steps)
                message = f"no step {ref.target!r} in this block (steps here: {known})"
                self.issues.issues.append(SpecIssue(message, ref.path, ref.line, ref.column))

    def _check_reachable(self, start: str, steps: Mapping[str, Step], path: str) -> None:
        seen: set[str] = set()
        todo = [start]
        while todo:
            step_id = todo.pop()
            if step_id in seen or step_id not in steps:
                continue
            seen.add(step_id)
            todo.extend(_targets(steps[step_id]))
        for step_id in steps:
            if step_id not in seen:
                self.warnings.append(SpecIssue(f"step {step_id!r} is unreachable", f"{path}.{step_id}"))


def _targets(step: Step) -> list[str]:
    spec = step.spec
    targets = [step.next] if step.next else []
    targets += [choice.next for choice in getattr(spec, "choices", ())]
    targets += [rule.next for rule in getattr(spec, "catch", ())]
    if getattr(spec, "default", None):
        targets.append(spec.default)
    return targets


def _empty_if_null(node: YNode) -> YNode:
    """`success:` with no value (YAML null) means an empty mapping."""
    if node.value is None:
        return YNode({}, node.line, node.column)
    return node
