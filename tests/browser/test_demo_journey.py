"""A new user's first minutes: log in, run the three demo workflows from the browser."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
EXECUTION_URL = re.compile(r".*/executions/[0-9a-z]{26}/$")


def log_in(page, base: str, username: str = "operator", password: str = "operator-demo") -> None:
    page.goto(base + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def start_from_browser(page, base: str, workflow: str, payload: str):
    page.goto(base + "/workflows/")
    page.click(f"text={workflow}")
    page.fill("textarea[name=input]", payload)
    page.click("form[action$='/start/'] button[type=submit]")
    page.wait_for_url(EXECUTION_URL)


def status_badge(page):
    return page.locator("#status-panel .badge").first


def test_an_operator_runs_the_finishing_demo_and_sees_its_result(demo_server, page):
    log_in(page, demo_server.url)
    screenshot(page, "overview")
    start_from_browser(page, demo_server.url, "greet-customer", '{"name": "Ada", "tier": "gold"}')
    page.wait_for_selector("#status-panel >> text=FINISHED")
    assert "Welcome back, dear Ada!" in page.inner_text("#status-panel")
    steps = page.locator("table.table--history tbody tr td.step .mono").all_inner_texts()
    assert steps == ["pick_tone", "warm", "done"]
    screenshot(page, "execution-finished")


def test_the_failing_demo_shows_its_error(demo_server, page):
    log_in(page, demo_server.url)
    start_from_browser(page, demo_server.url, "validate-order", '{"order_id": "A-1001", "items": []}')
    page.wait_for_selector("#status-panel >> text=FAILED")
    panel = page.inner_text("#status-panel")
    assert "STEP_FAIL" in panel
    assert "order A-1001 has no items" in panel
    screenshot(page, "execution-failed")


def test_an_operator_stops_the_waiting_demo(demo_server, page):
    log_in(page, demo_server.url)
    start_from_browser(page, demo_server.url, "wait-then-report", "{}")
    page.wait_for_selector("#status-panel >> text=RUNNING")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#status-panel button:has-text('Stop')")
    page.wait_for_selector("#status-panel >> text=STOPPED")
    assert "Cancelled by" in page.inner_text("#status-panel")
    screenshot(page, "execution-stopped")
    page.goto(demo_server.url + "/executions/")
    screenshot(page, "execution-list")


def test_the_start_form_shows_bad_json_inline(demo_server, page):
    log_in(page, demo_server.url)
    page.goto(demo_server.url + "/workflows/")
    page.click("text=greet-customer")
    page.fill("textarea[name=input]", "{not json")
    page.click("form[action$='/start/'] button[type=submit]")
    page.wait_for_selector("text=/not valid JSON|Invalid JSON|invalid JSON/i")
    assert "/workflows/" in page.url
    screenshot(page, "start-form-error")


def test_the_server_shuts_down_cleanly_on_sigterm(demo_server):
    assert demo_server.stop() == 0
