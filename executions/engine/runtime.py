"""The interpreter's working context: the mutable cursor of one `start`/`handle` call and its bookkeeping.

Cursor layout (plain JSON; see also the `interpreter` module docstring):

    {"v": 1, "status": "RUNNING", "seq": <last run id>, "quota": <runs since the last (re)start>,
     "frame_seq": <last frame id>, "frames": {"<id>": frame}, "runs": {"<id>": run},
     "pending": [item], "result": <last output>, "has_result": bool, "error": {code, message} | None,
     "stopping": bool}

- frame: one active block execution (the workflow, a Parallel branch, a Foreach/While iteration):
  {"id", "block": locator, "state", "parent": container run id | None, "key": branch id / index,
   "prefix": path prefix of its runs, "counter": $counter, "last", "has_last", "current": run id | None}.
  Frame 1 is the top level; its state is `$global` for every template.
- run: a step run not finished yet (and, once FAILED/STOPPED, the unfinished ones kept for a redrive):
  {"id", "frame", "block", "step", "type", "path", "parent", "status", "attempt", "input", "output", "error",
   "last_error", "scheduled_at", "started_at", "finished_at", "next_attempt_at", "first_started",
   "wait": "step" (integration attempt in flight) | "timer" (Wait) | "backoff" (retry delay) | None,
   "box": container bookkeeping (Parallel/Foreach/While) | absent}.
- item: a continuation: {"do": "step", "frame", "step", ["input"]} starts a step (with an input override on
  a redrive), {"do": "done", "frame"} ends a block, {"do": "retry", "run"} sends the next attempt. Items
  wait in "pending" while the execution is paused, stopping, or failed/stopped (for a redrive).
"""

from __future__ import annotations

import copy
import json
from collections import deque
from datetime import datetime
from typing import Any

from .definition import Block, Definition, Step
from .errors import STEP_DATA_LIMIT_EXCEEDED, StepFailure
from .protocol import Command, Limits, RunRecord, StepError
from .states import ExecutionStatus, StepStatus, StepType
from .templating import Env, SecretResolver

TOP_FRAME = "1"
FINAL_STEP_STATUSES = frozenset({StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.CANCELLED})


class Ctx:
    def __init__(
        self,
        definition: Definition,
        cursor: dict[str, Any],
        *,
        now: datetime,
        limits: Limits,
        secrets: SecretResolver | None,
    ) -> None:
        self.definition = definition
        self.cursor = cursor
        self.now = now
        self.limits = limits
        self.secrets = secrets
        self.touched: dict[int, dict[str, Any]] = {}
        self.commands: list[Command] = []
        self.agenda: deque[dict[str, Any]] = deque()
        self.transitions: list[ExecutionStatus] = []

    # -- status -------------------------------------------------------------------------------------------

    @property
    def status(self) -> ExecutionStatus:
        return ExecutionStatus(self.cursor["status"])

    @status.setter
    def status(self, value: ExecutionStatus) -> None:
        if value != self.status:
            self.transitions.append(value)
        self.cursor["status"] = value.value

    @property
    def ended(self) -> bool:
        return self.status.is_terminal

    # -- frames -------------------------------------------------------------------------------------------

    def frame(self, frame_id: str | int) -> dict[str, Any]:
        return self.cursor["frames"][str(frame_id)]

    def new_frame(
        self,
        *,
        block: list[str],
        state: Any,
        parent: dict[str, Any] | None,
        key: Any,
        prefix: str,
        counter: int,
    ) -> dict[str, Any]:
        self.cursor["frame_seq"] += 1
        frame_id = str(self.cursor["frame_seq"])
        frame = {
            "id": frame_id,
            "block": block,
            "state": state,
            "parent": parent["id"] if parent else None,
            "key": key,
            "prefix": prefix,
            "counter": counter,
            "last": None,
            "has_last": False,
            "current": None,
        }
        self.cursor["frames"][frame_id] = frame
        return frame

    def block(self, frame: dict[str, Any]) -> Block:
        return self.definition.block(frame["block"])

    def env(self, frame: dict[str, Any]) -> Env:
        top = self.cursor["frames"].get(TOP_FRAME)
        return Env(self.now, top["state"] if top else None, frame["counter"], self.secrets)

    # -- runs ---------------------------------------------------------------------------------------------

    def run(self, run_id: int | str) -> dict[str, Any] | None:
        return self.cursor["runs"].get(str(run_id))

    def step_of(self, run: dict[str, Any]) -> Step:
        return self.definition.block(run["block"]).steps[run["step"]]

    def new_run(self, frame: dict[str, Any], step: Step) -> dict[str, Any]:
        self.cursor["seq"] += 1
        self.cursor["quota"] += 1
        stamp = self.now.isoformat()
        run = {
            "id": self.cursor["seq"],
            "frame": frame["id"],
            "block": frame["block"],
            "step": step.id,
            "type": step.type.value,
            "path": frame["prefix"] + step.id,
            "parent": frame["parent"],
            "status": StepStatus.STARTED.value,
            "attempt": 1,
            "input": None,
            "has_input": False,
            "output": None,
            "error": None,
            "last_error": None,
            "scheduled_at": stamp,
            "started_at": stamp,
            "finished_at": None,
            "next_attempt_at": None,
            "first_started": stamp,
            "wait": None,
        }
        self.cursor["runs"][str(run["id"])] = run
        frame["current"] = run["id"]
        self.touch(run)
        return run

    def touch(self, run: dict[str, Any]) -> None:
        self.touched[run["id"]] = run

    def finish(self, run: dict[str, Any], status: StepStatus, error: StepError | None = None) -> None:
        run["status"] = status.value
        run["wait"] = None
        run["next_attempt_at"] = None
        run["finished_at"] = self.now.isoformat()
        if error is not None:
            run["error"] = {"code": error.code, "message": error.message}
        self.touch(run)

    def forget(self, run: dict[str, Any]) -> None:
        """Drop a finished run from the cursor (its record was already emitted through `touched`)."""
        self.cursor["runs"].pop(str(run["id"]), None)

    def children(self, run: dict[str, Any]) -> list[dict[str, Any]]:
        return [r for r in self.cursor["runs"].values() if r["parent"] == run["id"]]

    def records(self) -> tuple[RunRecord, ...]:
        return tuple(self._record(run) for _, run in sorted(self.touched.items()))

    def _record(self, run: dict[str, Any]) -> RunRecord:
        step = self.step_of(run)
        return RunRecord(
            run_id=run["id"],
            parent_run_id=run["parent"],
            step_id=run["step"],
            path=run["path"],
            step_type=StepType(run["type"]),
            title=step.title,
            description=step.description,
            status=StepStatus(run["status"]),
            input=run["input"],
            output=run["output"],
            error=_error(run["error"]),
            attempts=run["attempt"],
            last_error=_error(run["last_error"]),
            scheduled_at=_time(run["scheduled_at"]),
            started_at=_time(run["started_at"]),
            finished_at=_time(run["finished_at"]),
            next_attempt_at=_time(run["next_attempt_at"]),
        )


def check_size(value: Any, limits: Limits, what: str) -> None:
    size = json_size(value)
    if size > limits.max_data_bytes:
        message = f"{what} is {size} bytes; the limit is {limits.max_data_bytes}"
        raise StepFailure(STEP_DATA_LIMIT_EXCEEDED, message)


def json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def clone(value: Any) -> Any:
    return copy.deepcopy(value)


def initial_state(execution_input: Any) -> dict[str, Any]:
    """`{"input": X}` plus X's top-level keys when X is an object (X's own "input" stays at .input.input)."""
    state: dict[str, Any] = {"input": execution_input}
    if isinstance(execution_input, dict):
        state.update({k: v for k, v in execution_input.items() if k != "input"})
    return state


def _error(data: dict[str, str] | None) -> StepError | None:
    return StepError(data["code"], data["message"]) if data else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
