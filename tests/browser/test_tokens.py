"""API tokens in a real browser: create one, see its secret once, use it, revoke it."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import confirm, log_in, screenshot

pytestmark = pytest.mark.browser
SECRET = re.compile(r"^wfu_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}$")


def test_an_operator_creates_uses_and_revokes_a_token(demo_server, page):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo_server.url)
    base = demo_server.url
    log_in(page, base)

    page.click(".usermenu summary")
    page.click(".usermenu__panel a:has-text('Tokens')")
    page.wait_for_url(base + "/tokens/")
    page.fill("input[name=name]", "browser-ci")
    page.select_option("select[name=scope]", "operate")
    page.click("#token-form button[type=submit]")
    secret = page.locator("#new-token").input_value()
    assert SECRET.match(secret), secret
    page.click("[data-copy='#new-token']")
    page.locator("[data-copy-status]", has_text="Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    prefix = secret.split("_")[1]
    row = page.locator(f"#token-{prefix}")
    assert "operate" in row.inner_text() and row.locator(".badge--active").count() == 1
    screenshot(page, "tokens")

    bearer = {"Authorization": f"Bearer {secret}"}
    assert page.request.get(base + "/api/v1/executions/", headers=bearer).status == 200

    page.reload()
    assert page.locator("#new-token").count() == 0
    assert secret not in page.content()
    assert page.locator(f"#token-{prefix} time").count() == 2  # created, and now last used

    page.click(f"#token-{prefix} button:has-text('Revoke')")
    confirm(page)
    page.locator(f"#token-{prefix} .badge--revoked").wait_for()
    assert page.locator(f"#token-{prefix} form").count() == 0

    response = page.request.get(base + "/api/v1/executions/", headers=bearer)
    assert response.status == 401
    assert "revoked" in response.json()["error"]["message"]
    assert problems == []
