"""A real HTTP server on 127.0.0.1 for httpCall tests: the only address the tests ever connect to."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HUGE_BYTES = 256 * 1024
CHUNK = b"x" * 4096


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        # Set at teardown: frees handlers blocked in /slow.
        self.release = threading.Event()
        # Set by /cancel-midway once part of the body is out: a test passes its step's cancel event here.
        self.midway: threading.Event | None = None
        # A short poll interval keeps shutdown() at teardown quick.
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()
        self._thread.join()


class _Handler(BaseHTTPRequestHandler):
    server: StubServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        seen = {
            "method": self.command,
            "path": parts.path,
            "query": parse_qs(parts.query),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        self.server.requests.append(seen)
        route = ROUTES.get(parts.path)
        if route is None and parts.path.startswith("/status/"):
            route = _status
        if route is None:
            self._send(404, b"no such route", "text/plain")
            return
        # The client may give up mid-response (timeout, size cap, cancel): expected in those tests.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self, seen)

    def _send(self, status: int, body: bytes, content_type: str | None, **headers: str) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _json(h: _Handler, seen: dict) -> None:
    h._send(200, json.dumps({"hello": "world", "n": 1}).encode(), "application/json")


def _echo(h: _Handler, seen: dict) -> None:
    h._send(200, json.dumps(seen).encode(), "application/json; charset=utf-8")


def _status(h: _Handler, seen: dict) -> None:
    status = int(seen["path"].rsplit("/", 1)[1])
    h._send(status, b"boom! " + b"details " * 200, "text/plain")


def _slow(h: _Handler, seen: dict) -> None:
    h.server.release.wait()
    h._send(200, b"late", "text/plain")


def _huge(h: _Handler, seen: dict) -> None:
    h._send(200, b"x" * HUGE_BYTES, "text/plain")


def _huge_unsized(h: _Handler, seen: dict) -> None:
    # HTTP/1.0 without Content-Length: the body runs until the server closes the connection.
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    for _ in range(HUGE_BYTES // len(CHUNK)):
        h.wfile.write(CHUNK)


def _cancel_midway(h: _Handler, seen: dict) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    h.wfile.write(CHUNK)
    h.wfile.flush()
    assert h.server.midway is not None
    h.server.midway.set()
    for _ in range(4):
        h.wfile.write(CHUNK)
        h.wfile.flush()


def _redirect(h: _Handler, seen: dict) -> None:
    h._send(302, b"", "text/plain", Location=seen["query"]["to"][0])


def _loop(h: _Handler, seen: dict) -> None:
    h._send(302, b"", "text/plain", Location="/loop")


def _body(status: int, body: bytes, content_type: str | None):
    return lambda h, seen: h._send(status, body, content_type)


ROUTES = {
    "/json": _json,
    "/echo": _echo,
    "/slow": _slow,
    "/huge": _huge,
    "/huge-unsized": _huge_unsized,
    "/cancel-midway": _cancel_midway,
    "/redirect": _redirect,
    "/loop": _loop,
    "/problem": _body(200, b'{"type": "about:blank"}', "application/problem+json"),
    "/text": _body(200, b"just text", "text/plain"),
    "/text-that-looks-like-json": _body(200, b'{"a": 1}', "text/plain"),
    "/untyped-json": _body(200, b'{"a": [1, 2]}', None),
    "/untyped-text": _body(200, b"hello there", None),
    "/broken-json": _body(200, b"{not json", "application/json"),
    "/nan-json": _body(200, b"[NaN]", "application/json"),
    "/latin1": _body(200, "café".encode("latin-1"), "text/plain; charset=latin-1"),
    "/empty": _body(204, b"", None),
}
