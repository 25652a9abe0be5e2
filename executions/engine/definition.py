"""A parsed YaWL workflow as frozen dataclasses (built by `parser.parse` / `parser.load`).

Templated fields hold the raw JSON value from the document (`Template`): strings are jq templates when they
contain `\\( )`, objects and arrays are templated leaf by leaf. Conditions are bare jq programs. Durations are
seconds as floats. Every jq program in a Definition compiled when it was built.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .states import StepType

Template = Any

INCLUDE = "INCLUDE"
EXCLUDE = "EXCLUDE"
ALL = "ALL"


@dataclass(frozen=True)
class SpecIssue:
    """One problem in a YaWL document. `line`/`column` are 1-based; None for documents not read from YAML."""

    message: str
    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        return f"{where}{self.path or '(document)'}: {self.message}"


class SpecError(ValueError):
    """The document is not a valid workflow; `issues` lists every problem found, in document order."""

    def __init__(self, issues: list[SpecIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


@dataclass(frozen=True)
class RetryPolicy:
    error_list: tuple[str, ...]
    mode: str = INCLUDE
    retry_count: int = 0
    initial_delay: float = 1.0
    backoff_rate: float = 1.0
    max_delay: float = 1.0


@dataclass(frozen=True)
class CatchRule:
    error_list: tuple[str, ...]
    next: str
    mode: str = INCLUDE
    output: Template = None
    has_output: bool = False


@dataclass(frozen=True)
class Choice:
    condition: str
    next: str


@dataclass(frozen=True)
class Block:
    """A sequence of steps with its own namespace: the workflow, a Parallel branch, a Foreach/While `do`."""

    start: str
    steps: Mapping[str, Step]


@dataclass(frozen=True, kw_only=True)
class NoOpSpec:
    output: Template = None
    has_output: bool = False
    next: str | None = None


@dataclass(frozen=True, kw_only=True)
class SuccessSpec:
    pass


@dataclass(frozen=True, kw_only=True)
class FailSpec:
    error_message: Template


@dataclass(frozen=True, kw_only=True)
class SwitchSpec:
    input: Template = None
    has_input: bool = False
    choices: tuple[Choice, ...] = ()
    default: str | None = None


@dataclass(frozen=True, kw_only=True)
class WaitSpec:
    duration: Template = None
    until: Template = None
    next: str | None = None


@dataclass(frozen=True, kw_only=True)
class _Filtered:
    """The `input`/`output` filters and `next` shared by integration and container steps."""

    input: Template = None
    has_input: bool = False
    output: Template = None
    has_output: bool = False
    next: str | None = None


@dataclass(frozen=True, kw_only=True)
class ParallelSpec(_Filtered):
    branches: Mapping[str, Block]
    concurrency: int = 30


@dataclass(frozen=True, kw_only=True)
class ForeachSpec(_Filtered):
    do: Block
    concurrency: int = 1


@dataclass(frozen=True, kw_only=True)
class WhileSpec(_Filtered):
    do: Block
    condition: str | None = None
    max_iterations: int | None = None


@dataclass(frozen=True, kw_only=True)
class IntegrationSpec(_Filtered):
    retry_policy: RetryPolicy | None = None
    timeout: float | None = None
    catch: tuple[CatchRule, ...] = ()


@dataclass(frozen=True, kw_only=True)
class HttpCallSpec(IntegrationSpec):
    url: Template
    method: str = "GET"
    headers: Mapping[str, Template] = field(default_factory=dict)
    query: Mapping[str, Template] = field(default_factory=dict)
    body: Template = None
    has_body: bool = False


@dataclass(frozen=True, kw_only=True)
class FunctionCallSpec(IntegrationSpec):
    function_id: str
    tag: str | None = None


@dataclass(frozen=True, kw_only=True)
class WorkflowSpec(IntegrationSpec):
    workflow_id: str
    execution_input: Template = None
    has_execution_input: bool = False


StepSpec = (
    NoOpSpec
    | SuccessSpec
    | FailSpec
    | SwitchSpec
    | WaitSpec
    | ParallelSpec
    | ForeachSpec
    | WhileSpec
    | HttpCallSpec
    | FunctionCallSpec
    | WorkflowSpec
)


@dataclass(frozen=True)
class Step:
    id: str
    type: StepType
    spec: StepSpec
    title: str = ""
    description: str = ""

    @property
    def next(self) -> str | None:
        return getattr(self.spec, "next", None)

    def blocks(self) -> Iterator[tuple[str, Block]]:
        """The nested blocks of a container step, keyed as in a block locator (see `Definition.block`)."""
        spec = self.spec
        if isinstance(spec, ParallelSpec):
            yield from spec.branches.items()
        elif isinstance(spec, ForeachSpec | WhileSpec):
            yield "do", spec.do


@dataclass(frozen=True)
class Definition:
    yawl: str
    start: str
    steps: Mapping[str, Step]
    default_retry_policy: RetryPolicy | None = None
    warnings: tuple[SpecIssue, ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def root(self) -> Block:
        return Block(self.start, self.steps)

    def block(self, locator: list[str] | tuple[str, ...]) -> Block:
        """The block at `locator`: pairs (container step id, branch id or "do") from the top level down."""
        block = self.root
        for step_id, key in zip(locator[::2], locator[1::2], strict=True):
            block = dict(block.steps[step_id].blocks())[key]
        return block

    def to_document(self) -> dict[str, Any]:
        """The document as plain JSON data: what the shell stores; `parser.load` rebuilds the Definition."""
        return copy.deepcopy(dict(self.document))


CONTROL_TYPES = frozenset(
    {
        StepType.NO_OP,
        StepType.SUCCESS,
        StepType.FAIL,
        StepType.SWITCH,
        StepType.WAIT,
        StepType.PARALLEL,
        StepType.FOREACH,
        StepType.WHILE,
    }
)
