"""One builder per step type: the step-type mapping's fields -> its frozen spec."""

from __future__ import annotations

from collections.abc import Callable, Container
from datetime import datetime

from .definition import (
    Block,
    Choice,
    FailSpec,
    ForeachSpec,
    FunctionCallSpec,
    HttpCallSpec,
    NoOpSpec,
    ParallelSpec,
    StepSpec,
    SuccessSpec,
    SwitchSpec,
    WaitSpec,
    WhileSpec,
    WorkflowSpec,
)
from .parser_fields import Fields
from .states import StepType
from .templating import is_template
from .yamlnodes import YNode

BlockBuilder = Callable[[YNode, str], "Block | None"]

STEP_TYPES: dict[str, StepType] = {
    "noOp": StepType.NO_OP,
    "success": StepType.SUCCESS,
    "fail": StepType.FAIL,
    "switch": StepType.SWITCH,
    "wait": StepType.WAIT,
    "parallel": StepType.PARALLEL,
    "foreach": StepType.FOREACH,
    "while": StepType.WHILE,
    "httpCall": StepType.HTTP_CALL,
    "functionCall": StepType.FUNCTION_CALL,
    "workflow": StepType.WORKFLOW,
}

# Step types of Yandex Cloud that only make sense inside that cloud: named so the error says "not supported"
# rather than "unknown".
CLOUD_ONLY_STEP_TYPES = frozenset(
    {
        "grpcCall",
        "containerCall",
        "ydbDocument",
        "ydbCall",
        "yds",
        "ydsPut",
        "ymq",
        "foundationModelsCall",
        "objectStorage",
        "tracker",
        "postbox",
        "telegramBot",
        "gitlab",
        "disk",
        "cloudLogging",
        "aiAgent",
        "speechkit",
        "translate",
        "vision",
    }
)

HTTP_METHODS = frozenset({"OPTIONS", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT"})


class StepBuilder:
    def __init__(self, build_block: BlockBuilder, functions: Container[str] | None) -> None:
        self.build_block = build_block
        self.functions = functions

    def build(self, key: str, fields: Fields) -> StepSpec | None:
        method = getattr(self, f"_{key}")
        spec = method(fields)
        fields.done()
        return spec

    def _noOp(self, f: Fields) -> NoOpSpec:
        output, has_output = f.template("output")
        return NoOpSpec(output=output, has_output=has_output, next=f.ref("next"))

    def _success(self, f: Fields) -> SuccessSpec:
        return SuccessSpec()

    def _fail(self, f: Fields) -> FailSpec:
        message, _ = f.template("errorMessage", required=True)
        return FailSpec(error_message=message)

    def _switch(self, f: Fields) -> SwitchSpec:
        input_, has_input = f.template("input")
        choices = self._choices(f)
        default_node = f.child("default")
        default = None
        if default_node is not None and isinstance(default_node.value, str):
            default = f.ref_node(default_node, f.at("default"))
        elif default_node is not None:
            sub = Fields(f.issues, default_node, f.at("default"))
            default = sub.ref("next", required=True) if sub.ok else None
            sub.done()
        return SwitchSpec(input=input_, has_input=has_input, choices=choices, default=default)

    def _choices(self, f: Fields) -> tuple[Choice, ...]:
        node = f.require("choices")
        if node is None:
            return ()
        if not node.is_seq:
            f.issues.add("'choices' must be a list", f.at("choices"), node)
            return ()
        choices = []
        for index, item in enumerate(node.value):
            sub = Fields(f.issues, item, f"{f.at('choices')}[{index}]")
            if not sub.ok:
                continue
            condition, target = sub.condition("condition", required=True), sub.ref("next", required=True)
            sub.done()
            if condition is not None and target is not None:
                choices.append(Choice(condition, target))
        return tuple(choices)

    def _wait(self, f: Fields) -> WaitSpec:
        duration, has_duration = f.template("duration")
        until, has_until = f.template("until")
        if has_duration == has_until:
            f.issues.add("'wait' needs exactly one of 'duration' or 'until'", f.path, f.node)
        if has_duration and isinstance(duration, str) and not is_template(duration):
            f.check_duration(f.node.value["duration"], f.at("duration"), maximum=None)
        if has_until and isinstance(until, str) and not is_template(until):
            _check_timestamp(f, until)
        return WaitSpec(duration=duration, until=until, next=f.ref("next"))

    def _parallel(self, f: Fields) -> ParallelSpec | None:
        input_, has_input = f.template("input")
        output, has_output = f.template("output")
        concurrency = f.integer("concurrency", minimum=1)
        branches_node = f.require("branches")
        branches: dict[str, Block] = {}
        if branches_node is not None and (not branches_node.is_map or not branches_node.value):
            f.issues.add("'branches' must be a non-empty mapping", f.at("branches"), branches_node)
        elif branches_node is not None:
            for branch_id, node in branches_node.value.items():
                block = self.build_block(node, f"{f.at('branches')}.{branch_id}")
                if block is not None:
                    branches[branch_id] = block
        return ParallelSpec(
            input=input_,
            has_input=has_input,
            output=output,
            has_output=has_output,
            next=f.ref("next"),
            branches=branches,
            concurrency=concurrency or 30,
        )

    def _foreach(self, f: Fields) -> ForeachSpec | None:
        input_, has_input = f.template("input", required=True)
        output, has_output = f.template("output", required=True)
        concurrency = f.integer("concurrency", minimum=1)
        do = self._do(f)
        next_ = f.ref("next")
        if do is None:
            return None
        return ForeachSpec(
            input=input_,
            has_input=has_input,
            output=output,
            has_output=has_output,
            next=next_,
            do=do,
            concurrency=concurrency or 1,
        )

    def _while(self, f: Fields) -> WhileSpec | None:
        input_, has_input = f.template("input")
        output, has_output = f.template("output")
        condition = f.condition("condition")
        if f.has("maxIterations") and f.has("max_iterations"):
            f.issues.add("give 'maxIterations' or 'max_iterations', not both", f.path, f.node)
        key = "max_iterations" if f.has("max_iterations") else "maxIterations"
        max_iterations = f.integer(key, minimum=1)
        f.used.update({"maxIterations", "max_iterations"})
        if not f.has("condition") and not f.has(key):
            f.issues.add("'while' needs 'condition' or 'maxIterations' (or both)", f.path, f.node)
        do = self._do(f)
        next_ = f.ref("next")
        if do is None:
            return None
        return WhileSpec(
            input=input_,
            has_input=has_input,
            output=output,
            has_output=has_output,
            next=next_,
            do=do,
            condition=condition,
            max_iterations=max_iterations,
        )

    def _do(self, f: Fields) -> Block | None:
        node = f.require("do")
        return self.build_block(node, f.at("do")) if node is not None else None

    def _httpCall(self, f: Fields) -> HttpCallSpec:
        url, _ = f.template("url", required=True)
        method = (f.string("method") or "GET").upper()
        if method not in HTTP_METHODS:
            f.issues.add(f"'method' must be one of {', '.join(sorted(HTTP_METHODS))}", f.at("method"), f.node)
        body, has_body = f.template("body")
        return HttpCallSpec(
            url=url,
            method=method,
            headers=f.template_map("headers"),
            query=f.template_map("query"),
            body=body,
            has_body=has_body,
            **self._common(f),
        )

    def _functionCall(self, f: Fields) -> FunctionCallSpec:
        function_id = f.string("functionId", required=True) or ""
        if function_id and self.functions is not None and function_id not in self.functions:
            node = f.node.value["functionId"]
            f.issues.add(f"no function is registered under the id {function_id!r}", f.at("functionId"), node)
        return FunctionCallSpec(function_id=function_id, tag=f.string("tag"), **self._common(f))

    def _workflow(self, f: Fields) -> WorkflowSpec:
        workflow_id = f.string("workflowId", required=True) or ""
        execution_input, has_execution_input = f.template("executionInput")
        return WorkflowSpec(
            workflow_id=workflow_id,
            execution_input=execution_input,
            has_execution_input=has_execution_input,
            **self._common(f),
        )

    def _common(self, f: Fields) -> dict:
        input_, has_input = f.template("input")
        output, has_output = f.template("output")
        return {
            "input": input_,
            "has_input": has_input,
            "output": output,
            "has_output": has_output,
            "next": f.ref("next"),
            "retry_policy": f.retry_policy("retryPolicy"),
            "timeout": f.duration("timeout", maximum=f.issues.max_timeout),
            "catch": f.catch_rules("catch"),
        }


def _check_timestamp(f: Fields, text: str) -> None:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        f.issues.add(f"'until' must be an RFC 3339 timestamp, not {text!r}", f.at("until"), f.node.value["until"])
