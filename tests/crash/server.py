"""A scripted HTTP server on 127.0.0.1 that httpCall steps of the crash tests talk to.

Every request to `/k/<key>` is recorded. The test scripts what the n-th request for a key gets: a status code
(answered at once with `{"key", "request"}` as JSON) or HOLD (kept open until the test releases the key), so a
test knows exactly when a worker is in the middle of an HTTP step. Keys without a script answer 200.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOLD = "hold"


@dataclass
class Seen:
    key: str
    number: int  # 1 for the first request for this key
    action: int | str  # the status answered, or HOLD
    at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))  # naive UTC, as stored
    done: threading.Event = field(default_factory=threading.Event)  # the handler returned


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self._lock = threading.Lock()
        self._scripts: dict[str, list[int | str]] = {}
        self._released: dict[str, threading.Event] = {}
        self.seen: list[Seen] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def script(self, key: str, *actions: int | str) -> None:
        """Answer the n-th request for `key` with actions[n-1]; the last action repeats."""
        with self._lock:
            self._scripts[key] = list(actions)
            self._released[key] = threading.Event()

    def release(self, key: str) -> None:
        self._released[key].set()

    def release_all(self) -> None:
        for event in self._released.values():
            event.set()

    def requests(self, key: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.key == key]

    def held(self) -> list[Seen]:
        """Requests being held open right now."""
        with self._lock:
            return [s for s in self.seen if s.action == HOLD and not s.done.is_set()]

    def _record(self, key: str) -> tuple[Seen, threading.Event | None]:
        with self._lock:
            number = sum(1 for s in self.seen if s.key == key) + 1
            actions = self._scripts.get(key, [200])
            seen = Seen(key=key, number=number, action=actions[min(number, len(actions)) - 1])
            self.seen.append(seen)
            return seen, self._released.get(key)

    def start(self) -> RecordingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release_all()
        self.shutdown()
        self.server_close()
        self._thread.join()


class _Handler(BaseHTTPRequestHandler):
    server: RecordingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if not self.path.startswith("/k/"):
            self._answer(404, {"error": "no such route"})
            return
        seen, released = self.server._record(self.path.removeprefix("/k/"))
        try:
            status = seen.action
            if status == HOLD:
                assert released is not None, f"{seen.key} is held but was never scripted"
                released.wait()
                status = 200
            # The client may be a worker that was killed meanwhile: its socket is gone.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(int(status), {"key": seen.key, "request": seen.number})
        finally:
            seen.done.set()

    do_POST = do_GET

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
