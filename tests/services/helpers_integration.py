"""Helpers for integration tests through the real shell: a scripted HTTP server on 127.0.0.1, a clean
function registry, starting executions with or without a worker, and history views for assertions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.utils import timezone

from executions import functions, services
from executions.actors import Actor
from executions.models import Execution, HistoryEntry, Workflow

ACTOR = Actor(label="user:olga", source="api")


# -- the HTTP server ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One scripted response: `body` is sent as JSON, `text` as text/plain (an empty body when neither)."""

    status: int = 200
    body: Any = None
    text: str | None = None


class ScriptedServer(ThreadingHTTPServer):
    """Answers each path with its scripted replies in order; the last one repeats. Records every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.requests: list[dict[str, Any]] = []
        self._script: dict[str, list[Reply]] = {}
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def script(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._script[path] = list(replies)
            self._served[path] = 0

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self._served.clear()
            self.requests.clear()

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r["path"] == path)

    def next_reply(self, seen: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(seen)
            replies = self._script.get(seen["path"])
            if not replies:
                return Reply(404, text="no such route")
            count = self._served[seen["path"]]
            self._served[seen["path"]] = count + 1
            return replies[min(count, len(replies) - 1)]

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        seen = {
            "method": self.command,
            "path": parts.path,
            "query": parse_qs(parts.query),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": json.loads(body) if body and self.headers.get("Content-Type") == "application/json" else body,
        }
        reply = self.server.next_reply(seen)
        if reply.text is not None:
            payload, content_type = reply.text.encode(), "text/plain; charset=utf-8"
        elif reply.body is not None:
            payload, content_type = json.dumps(reply.body).encode(), "application/json"
        else:
            payload, content_type = b"", "text/plain"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


@contextmanager
def serving() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    try:
        yield server
    finally:
        server.stop()


# -- the function registry ------------------------------------------------------------------------------------


@contextmanager
def clean_function_registry() -> Iterator[None]:
    """Whatever a test registers with @workflow_function is unregistered after it; replaced ones come back."""
    before = {fid: functions.get_function(fid) for fid in functions.registered_ids()}
    try:
        yield
    finally:
        for fid in functions.registered_ids() - before.keys():
            functions.unregister_function(fid)
        for fid, func in before.items():
            if functions.get_function(fid) is not func:
                assert func is not None
                functions.workflow_function(fid)(func)


# -- executions -----------------------------------------------------------------------------------------------


def make_flow(spec: str, name: str = "flow") -> Workflow:
    return services.workflow_create(actor=ACTOR, name=name, yaml_text=spec)


def start(spec: str | Workflow, input: Any = None, *, name: str = "flow", **kwargs: Any) -> Execution:
    """Start an execution on the executor the settings name (inline in these tests: it runs to where it waits)."""
    workflow = spec if isinstance(spec, Workflow) else make_flow(spec, name)
    execution = services.execution_start(actor=ACTOR, workflow=workflow, input=input, **kwargs)
    execution.refresh_from_db()
    return execution


def start_without_workers(spec: str | Workflow, input: Any = None, *, name: str = "flow") -> Execution:
    """Begin an execution in a process with no executor pool: every RunStep it sends is dropped on the floor,
    as when the process dies right after commit. Only the scheduler can pick the attempts up again."""
    settings.WORKFLOWS_EXECUTOR = "thread"
    execution = start(spec, input, name=name)
    services.execution_begin(execution_id=execution.pk)
    execution.refresh_from_db()
    return execution


def use_inline_workers() -> None:
    settings.WORKFLOWS_EXECUTOR = "inline"


def reload(execution: Execution) -> Execution:
    execution.refresh_from_db()
    return execution


def history(execution: Execution) -> list[tuple[str, str, int]]:
    """(path, status, attempts) of each history row, in run order."""
    return list(HistoryEntry.objects.filter(execution=execution).values_list("path", "status", "attempts"))


def entry(execution: Execution, path: str) -> HistoryEntry:
    return HistoryEntry.objects.get(execution=execution, path=path)


def later(seconds: float, base: datetime | None = None) -> datetime:
    return (base or timezone.now()) + timedelta(seconds=seconds)


def snapshot(execution: Execution) -> list[dict[str, Any]]:
    """Everything a user sees of the execution and its history, to prove an action changed nothing."""
    execution.refresh_from_db()
    fields = ["status", "result", "error_code", "error_message", "finished_at", "retry_count", "cursor"]
    rows = HistoryEntry.objects.filter(execution=execution).order_by("run_id").values()
    return [{f: getattr(execution, f) for f in fields}, *rows]
