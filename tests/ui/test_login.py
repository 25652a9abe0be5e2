from __future__ import annotations

import pytest

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_it_shows_the_login_form(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_it_logs_in_and_lands_on_the_overview(client):
    make_user("olga", "operator", password="s3cret-enough")
    response = client.post("/login/", {"username": "olga", "password": "s3cret-enough"})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_it_says_when_the_password_is_wrong(client):
    make_user("olga", "operator", password="s3cret-enough")
    response = client.post("/login/", {"username": "olga", "password": "nope"})
    assert response.status_code == 200
    assert b"enter a correct username and password" in response.content


def test_it_returns_to_the_page_asked_for(client):
    make_user("olga", "operator", password="s3cret-enough")
    response = client.post("/login/", {"username": "olga", "password": "s3cret-enough", "next": "/executions/"})
    assert response.url == "/executions/"


def test_pages_offer_logout_as_a_post_form(client, operator):
    client.force_login(operator)
    content = client.get("/").content.decode()
    assert '<form method="post" action="/logout/">' in content
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302
