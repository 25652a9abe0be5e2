"""Functions the demo workflows call through `functionCall` steps."""

from __future__ import annotations

from typing import Any

from executions.functions import FunctionError, workflow_function


@workflow_function("echo")
def echo(payload: Any) -> Any:
    return payload


@workflow_function("sum")
def total(payload: Any) -> dict[str, Any]:
    numbers = payload.get("numbers") if isinstance(payload, dict) else None
    if not isinstance(numbers, list) or not all(isinstance(n, int | float) for n in numbers):
        raise FunctionError("STEP_INVALID_ARGUMENT", "sum expects {'numbers': [number, ...]}")
    return {"sum": sum(numbers)}


@workflow_function("greet")
def greet(payload: Any) -> dict[str, Any]:
    name = payload.get("name", "world") if isinstance(payload, dict) else "world"
    return {"greeting": f"Hello, {name}!"}
