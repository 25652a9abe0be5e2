"""A new user's first minutes: log in, run the three demo workflows from the browser."""

from __future__ import annotations

import pytest

from tests.browser.conftest import confirm, log_in, screenshot, start_from_browser, status_badge

pytestmark = pytest.mark.browser


def test_an_operator_runs_the_finishing_demo_and_sees_its_result(demo_server, page):
    log_in(page, demo_server.url)
    screenshot(page, "overview")
    start_from_browser(page, demo_server.url, "greet-customer", '{"name": "Ada", "tier": "gold"}')
    status_badge(page, "finished").wait_for()
    assert "Welcome back, dear Ada!" in page.inner_text("#status-panel")
    steps = page.locator("table.table--history tbody tr td.step .mono").all_text_contents()
    assert steps == ["pick_tone", "warm", "done"]
    screenshot(page, "execution-finished")


def test_the_failing_demo_shows_its_error(demo_server, page):
    log_in(page, demo_server.url)
    start_from_browser(page, demo_server.url, "validate-order", '{"order_id": "A-1001", "items": []}')
    status_badge(page, "failed").wait_for()
    panel = page.inner_text("#status-panel")
    assert "STEP_FAIL" in panel
    assert "order A-1001 has no items" in panel
    screenshot(page, "execution-failed")


def test_an_operator_stops_the_waiting_demo(demo_server, page):
    log_in(page, demo_server.url)
    start_from_browser(page, demo_server.url, "wait-then-report", "{}")
    status_badge(page, "running").wait_for()
    page.click("#status-panel button:has-text('Stop')")
    confirm(page)
    status_badge(page, "stopped").wait_for()
    assert "Stopped by" in page.inner_text("#status-panel")
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
