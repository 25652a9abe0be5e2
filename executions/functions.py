"""The registry of Python functions that `functionCall` steps may call, by id.

A spec can only name a registered id, never an import path. Functions register with the `@workflow_function`
decorator in a module listed in WORKFLOWS_FUNCTION_MODULES, or by dotted path in WORKFLOWS_FUNCTIONS.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

_registry: dict[str, Callable[[Any], Any]] = {}


class FunctionError(Exception):
    """Raise from a registered function to fail the step with a chosen YaWL error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def workflow_function(function_id: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    def register(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        _registry[function_id] = func
        return func

    return register


def unregister_function(function_id: str) -> None:
    """Forget a registered function; tests that register their own remove them again in teardown."""
    _registry.pop(function_id, None)


def registered_ids() -> frozenset[str]:
    return frozenset(_registry)


def get_function(function_id: str) -> Callable[[Any], Any] | None:
    return _registry.get(function_id)


def load_configured_functions() -> None:
    for module in settings.WORKFLOWS_FUNCTION_MODULES:
        importlib.import_module(module)
    for function_id, dotted in settings.WORKFLOWS_FUNCTIONS.items():
        _registry[function_id] = import_string(dotted)
