from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from executions.models import ApiToken
from tests.api.conftest import client_with

pytestmark = pytest.mark.django_db


def create_token(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_it_prints_a_token_that_works_once_and_stores_only_its_hash(operator):
    text, note = create_token("--user", "olga", "--name", "ci", "--scope", "operate")

    assert text.startswith("wfu_")
    assert "not shown again" in note
    token = ApiToken.objects.get()
    assert token.name == "ci" and token.scope == "operate" and token.owner == operator
    assert token.expires_at is None
    assert text.split("_", 2)[2] not in token.secret_hash
    assert client_with(text).get("/api/v1/executions/").status_code == 200


def test_it_sets_an_expiry_in_days(operator):
    create_token("--user", "olga", "--name", "ci", "--scope", "read", "--expires-days", "30")

    token = ApiToken.objects.get()
    assert 29 < (token.expires_at - token.created_at).days + 1 <= 30


def test_it_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        create_token("--user", "nobody", "--name", "ci", "--scope", "read")
    assert not ApiToken.objects.exists()


def test_it_refuses_an_unknown_scope(operator):
    with pytest.raises(CommandError, match="scope"):
        create_token("--user", "olga", "--name", "ci", "--scope", "root")


def test_it_refuses_a_non_positive_expiry(operator):
    with pytest.raises(CommandError, match="--expires-days"):
        create_token("--user", "olga", "--name", "ci", "--scope", "read", "--expires-days", "0")
