from __future__ import annotations

import json
import logging
import threading
from typing import Any

from executions.engine.protocol import RunStep
from executions.functions import FunctionError, get_function
from executions.steps import StepFailure

log = logging.getLogger(__name__)


def run(command: RunStep, cancelled: threading.Event) -> Any:
    function_id = command.params.get("function_id", "")
    func = get_function(function_id)
    if func is None:
        raise StepFailure("STEP_FAILED_PRECONDITION", f"function {function_id!r} is not registered")
    try:
        result = func(command.input)
    except FunctionError as exc:
        raise StepFailure(exc.code, exc.message) from None
    except Exception as exc:
        log.info("function %s raised", function_id, exc_info=True)
        raise StepFailure("FUNCTION_CALL_INVALID_RESPONSE", f"function {function_id!r} raised {exc!r}") from None
    try:
        json.dumps(result, allow_nan=False)
    except (TypeError, ValueError):
        raise StepFailure(
            "FUNCTION_CALL_INVALID_RESPONSE", f"function {function_id!r} returned a value that is not JSON"
        ) from None
    return result
