"""Browser tests: Debian's chromium driven by Playwright against a real `manage.py serve` process.

They skip, saying how to enable them, when chromium or Playwright is missing (`.ci/run` installs both).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class DemoServer:
    """The service as `./scripts/run` starts it: migrate, load_demo, serve with the embedded engine."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DEBUG": "1",
            "WORKFLOWS_DATA_DIR": str(data_dir),
            "WORKFLOWS_EXECUTOR": "thread",
            "WORKFLOWS_SCHEDULER_INTERVAL": "0.1",
        }
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        self.process: subprocess.Popen | None = None
        self.log = data_dir / "serve.log"

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True)

    def start(self) -> None:
        self.manage("migrate", "--noinput")
        self.manage("load_demo")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(lambda: _responds(self.url + "/login/"), 60, "the server to answer")

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[DemoServer]:
    server = DemoServer(tmp_path_factory.mktemp("demo"))
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed: run `apt-get install -y chromium` (as .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="install the test extra: pip install -e '.[test]'")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- helpers shared by the journeys ------------------------------------------------------------------------


def log_in(page, base: str, username: str = "operator", password: str = "operator-demo") -> None:
    page.goto(base + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def start_from_browser(page, base: str, workflow: str, payload: str) -> str:
    """Start an execution from its workflow's page; returns the execution id the browser landed on."""
    page.goto(base + "/workflows/")
    page.click(f"text={workflow}")
    page.fill("textarea[name=input]", payload)
    page.click("form[action$='/start/'] button[type=submit]")
    page.wait_for_url(EXECUTION_URL)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def status_badge(page, status: str):
    """The execution page's status badge, once it shows `status` (a class, not text: "Finished" is a label too)."""
    return page.locator(f"#status-panel .status-line .badge--{status.lower()}")


def confirm(page) -> None:
    """Accept the dashboard's confirmation dialog (it replaces window.confirm)."""
    page.locator("#confirm-dialog [data-confirm-accept]").click()


EXECUTION_URL = re.compile(r".*/executions/[0-9a-z]{26}/$")
