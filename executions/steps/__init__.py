"""Handlers for integration steps, one per type, registered in one table.

A handler takes the RunStep command (input and rendered params) and a cancellation event, returns the raw
result (JSON-able) or raises StepFailure(code, message). Handlers run outside any transaction.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from executions.engine.protocol import RunStep
from executions.engine.states import StepType


class CancelToken(threading.Event):
    """The cancellation signal a handler gets: an Event that also runs callbacks when set.

    A handler blocked in I/O cannot poll an Event; it registers a callback (e.g. "shut the socket down") that
    the cancelling thread runs, which interrupts the blocked call at once.
    """

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def set(self) -> None:
        with self._lock:
            super().set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            # A failing callback must not stop the others, nor the thread that cancels.
            with contextlib.suppress(Exception):
                callback()


class StepFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


Handler = Callable[[RunStep, threading.Event], Any]


def _function_call(command: RunStep, cancelled: threading.Event) -> Any:
    from executions.steps.function_call import run

    return run(command, cancelled)


def _http_call(command: RunStep, cancelled: threading.Event) -> Any:
    from executions.steps.http_call import run

    return run(command, cancelled)


HANDLERS: dict[StepType, Handler] = {
    StepType.FUNCTION_CALL: _function_call,
    StepType.HTTP_CALL: _http_call,
}


def run_handler(command: RunStep, *, cancelled: threading.Event) -> Any:
    handler = HANDLERS.get(StepType(command.step_type))
    if handler is None:
        raise StepFailure("STEP_INTERNAL", f"no handler for step type {command.step_type}")
    return handler(command, cancelled)
