"""The live dashboard in a real browser: pushes over the websocket, no reloads, fallback and recovery, bulk
actions, roles, escaping, keyboard and theme. Against the real `manage.py serve` process."""

from __future__ import annotations

import json
import re

import pytest

from executions.demo import DEMO_WORKFLOWS
from tests.browser.conftest import confirm, log_in, screenshot, start_from_browser, status_badge

pytestmark = pytest.mark.browser
ORDERS_INPUT = next(w["input"] for w in DEMO_WORKFLOWS if w["name"] == "process-orders")
SOCKETS = re.compile(r".*/ws/.*")


@pytest.fixture
def console(page):
    """Console errors and uncaught exceptions: a Content-Security-Policy violation would show up here."""
    problems: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP ' + e.violatedDirective + ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + e.sample + ' on ' + "
        "(e.target && e.target.tagName) + '#' + (e.target && e.target.id) + ' styled: ' + "
        "Array.from(document.querySelectorAll('[style]')).map(x => x.tagName + '#' + x.id)))"
    )
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def mark_page(page) -> None:
    """A marker that only survives if the page is never reloaded or navigated away from."""
    page.evaluate("window.__loadedOnce = 'still here'")


def still_same_page(page) -> bool:
    return page.evaluate("window.__loadedOnce") == "still here"


def test_an_execution_page_changes_live_without_reloading_or_polling(demo_server, page, console):
    log_in(page, demo_server.url)
    execution_id = start_from_browser(page, demo_server.url, "process-orders", ORDERS_INPUT)
    mark_page(page)
    resyncs: list[str] = []
    page.on("request", lambda r: resyncs.append(r.url) if f"/executions/{execution_id}/?" in r.url else None)
    page.locator("#live-indicator[data-state=live]").wait_for()
    status_badge(page, "running").wait_for()
    page.locator("#timeline .tl-bar--sleep").wait_for()  # the Wait step of the second branch is running
    bars_while_running = page.locator("#timeline .tl-bar").count()
    screenshot(page, "execution-running")

    status_badge(page, "finished").wait_for(timeout=20_000)

    assert still_same_page(page)
    assert page.locator("#timeline .tl-bar").count() > bars_while_running  # the audit and report runs arrived
    assert "↻ 3" in page.locator("#timeline").text_content()  # the audit step's retries are visible
    assert len(resyncs) <= 1  # one catch-up request when the socket opened; everything else was pushed
    screenshot(page, "execution-finished-live")
    page.click("#tab-graph-tab")
    page.locator("#graph .gnode--completed").first.wait_for()
    screenshot(page, "execution-graph")
    page.click("#tab-history-tab")
    page.locator("#run-1 details summary").click()
    page.locator(".hrow-data .run-data").wait_for()
    screenshot(page, "execution-history")
    assert console == []


def test_an_operator_stops_a_waiting_execution_and_sees_it_stopped(demo_server, page, console):
    log_in(page, demo_server.url)
    start_from_browser(page, demo_server.url, "wait-then-report", "{}")
    mark_page(page)
    status_badge(page, "running").wait_for()

    page.click("#status-panel button:has-text('Stop')")
    assert page.locator("#confirm-dialog").is_visible()
    confirm(page)

    status_badge(page, "stopped").wait_for()
    assert "user:operator" in page.inner_text("#status-panel")
    assert page.locator("#status-panel button:has-text('Stop')").count() == 0
    assert page.locator("#status-panel summary:has-text('Retry')").count() == 1
    assert still_same_page(page)
    screenshot(page, "execution-stopped-live")
    assert console == []


def test_an_operator_bulk_stops_three_executions(demo_server, page, console):
    log_in(page, demo_server.url)
    ids = [start_from_browser(page, demo_server.url, "wait-then-report", "{}") for _ in range(3)]
    page.goto(demo_server.url + "/executions/?status=RUNNING")
    mark_page(page)
    for execution_id in ids:
        page.check(f"input[name=ids][value='{execution_id}']")
    assert page.inner_text("[data-selected-count]") == "3 selected"

    page.click("[data-bulkbar] button[value=stop]")
    page.locator("#bulk-panel .bulk-confirm").wait_for()
    assert "Stop 3 executions?" in page.inner_text("#bulk-panel")
    assert "3 can be stopped now" in page.inner_text("#bulk-panel")
    screenshot(page, "bulk-confirm")
    page.click("#bulk-panel [data-bulk-confirm]")

    page.locator("#bulk-panel .bulk-result").wait_for()
    assert page.locator("#bulk-panel .outcome--ok").count() == 3
    for execution_id in ids:
        page.locator(f"#execution-row-{execution_id} .badge--stopped").wait_for()
    assert still_same_page(page)
    screenshot(page, "bulk-result")
    assert console == []


def test_new_executions_appear_in_the_list_as_they_start(demo_server, page, browser, console):
    log_in(page, demo_server.url)
    page.goto(demo_server.url + "/executions/")
    mark_page(page)
    page.locator("#live-indicator[data-state=live]").wait_for()
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    try:
        log_in(other, demo_server.url)
        execution_id = start_from_browser(other, demo_server.url, "greet-customer", '{"name": "Live"}')
    finally:
        other.context.close()

    page.locator(f"#execution-row-{execution_id} .badge--finished").wait_for()
    assert page.locator("#execution-rows tr").first.get_attribute("id") == f"execution-row-{execution_id}"
    assert still_same_page(page)
    screenshot(page, "execution-list")
    assert console == []


def test_a_viewer_sees_no_action_buttons(demo_server, page, browser):
    log_in(page, demo_server.url)
    execution_id = start_from_browser(page, demo_server.url, "wait-then-report", "{}")
    viewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    try:
        log_in(viewer, demo_server.url, "viewer", "viewer-demo")
        viewer.goto(f"{demo_server.url}/executions/{execution_id}/")
        status_badge(viewer, "running").wait_for()
        assert viewer.locator("#status-panel form").count() == 0
        assert viewer.locator("#status-panel button").count() == 0
        screenshot(viewer, "viewer-execution")
        viewer.goto(demo_server.url + "/executions/")
        assert viewer.locator("input[name=ids]").count() == 0
        assert viewer.locator("[data-bulkbar]").count() == 0
        viewer.goto(demo_server.url + "/workflows/")
        viewer.click("text=wait-then-report")
        assert viewer.locator("form[action$='/start/']").count() == 0
    finally:
        viewer.context.close()


def test_the_page_falls_back_to_polling_while_the_socket_is_down_and_recovers(demo_server, page, browser):
    allow = {"connect": True}
    sockets = []

    def route(ws) -> None:
        if not allow["connect"]:
            ws.close(code=1013, reason="test: try again later")
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(SOCKETS, route)
    log_in(page, demo_server.url)
    execution_id = start_from_browser(page, demo_server.url, "wait-then-report", "{}")
    mark_page(page)
    page.locator("#live-indicator[data-state=live]").wait_for()
    status_badge(page, "running").wait_for()

    allow["connect"] = False
    sockets[-1].close(code=1012, reason="test: service restart")
    page.locator("#live-indicator[data-state=reconnecting]").wait_for()
    assert "Reconnecting" in page.inner_text("#live-indicator")

    stopper = browser.new_context().new_page()  # another operator, elsewhere, stops it
    try:
        log_in(stopper, demo_server.url)
        stopper.goto(f"{demo_server.url}/executions/{execution_id}/")
        stopper.click("#status-panel button:has-text('Stop')")
        confirm(stopper)
        status_badge(stopper, "stopped").wait_for()
    finally:
        stopper.context.close()

    status_badge(page, "stopped").wait_for(timeout=10_000)  # through the 2 s polling fallback
    assert page.get_attribute("#live-indicator", "data-state") == "reconnecting"
    screenshot(page, "reconnecting-fallback")

    allow["connect"] = True
    page.locator("#live-indicator[data-state=live]").wait_for(timeout=40_000)
    assert still_same_page(page)


def test_a_payload_with_markup_renders_as_text(demo_server, page, console):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, demo_server.url)
    name = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    start_from_browser(page, demo_server.url, "greet-customer", json.dumps({"name": name, "tier": "gold"}))

    status_badge(page, "finished").wait_for()
    assert name in page.locator("[data-testid=result]").text_content()
    page.click("#tab-history-tab")
    page.locator("#run-2 details summary").click()
    page.locator(".hrow-data .run-data").wait_for()
    assert name in page.locator(".hrow-data").text_content()

    assert page.locator("main img").count() == 0
    assert dialogs == []
    screenshot(page, "escaped-payload")
    assert console == []


def test_keyboard_shortcuts_and_the_theme(demo_server, page):
    log_in(page, demo_server.url)
    page.goto(demo_server.url + "/executions/")
    page.keyboard.press("?")
    assert page.locator("#shortcuts-help").is_visible()
    screenshot(page, "shortcuts-help")
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    first = page.locator("#execution-rows tr").first
    assert "is-current" in first.get_attribute("class")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert "is-current" in first.get_attribute("class")

    page.click("[data-theme-toggle]")
    theme = page.get_attribute("html", "data-theme")
    page.reload()
    assert page.get_attribute("html", "data-theme") == theme
    page.goto(demo_server.url + "/")
    page.emulate_media(color_scheme="dark")
    if theme != "dark":
        page.click("[data-theme-toggle]")
    screenshot(page, "overview-dark")


def test_an_admin_creates_and_edits_a_workflow_with_errors_at_their_line(demo_server, page):
    log_in(page, demo_server.url, "admin", "admin-demo")
    page.goto(demo_server.url + "/workflows/new/")
    page.fill("input[name=name]", "hello-browser")
    page.fill("input[name=labels]", "team=ops")
    broken = 'yawl: "0.1"\nstart: hello\nsteps:\n  hello:\n    noOp:\n      next: nowhere\n'
    page.fill("textarea[name=yaml_text]", broken)
    page.click("main form button[type=submit]")

    problem = page.locator("#L6.codeview__line--problem")
    problem.wait_for()
    assert "nowhere" in problem.text_content()
    screenshot(page, "workflow-form-errors")

    page.fill("textarea[name=yaml_text]", broken.replace("      next: nowhere\n", "      output: '\\({hi: 1})'\n"))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/workflows/[0-9a-z]{20}/$"))
    page.click("a:has-text('Edit')")
    spec = page.input_value("textarea[name=yaml_text]")
    page.fill("textarea[name=yaml_text]", spec + "# second revision\n")
    page.click("main form button[type=submit]")
    page.locator("text=Workflow hello-browser saved.").wait_for()
    screenshot(page, "workflow-detail")
    page.click("a:has-text('changes')")
    page.locator(".diff__row--added").wait_for()
    screenshot(page, "workflow-diff")
