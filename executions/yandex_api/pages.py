"""The Yandex List calls: page sizes, signed page tokens, and one page of each list (for REST and gRPC).

A page token wraps the selectors' keyset cursor, signed (django.core.signing, one salt per list) together
with a hash of the query it belongs to: a token that was altered, made up, signed by another server, taken
from another list or replayed with another workflowId, folderId or filter is refused as "invalid page token".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core import signing

from executions import selectors
from executions.errors import InvalidInput
from executions.selectors import ExecutionFilters
from executions.yandex_api import filters
from executions.yandex_api.operations import workflow_operations

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
INT32_MAX = 2**31 - 1
MAX_TOKEN_LENGTH = 1000
SALT = "executions.yandex_api.page_token"
INVALID_TOKEN = "invalid page token"


@dataclass(frozen=True)
class ListPage:
    items: list[Any]
    next_page_token: str


def page_size(value: int, *, field: str = "pageSize", limit: int | None = None) -> int:
    """0 means the default (100). Above 1000 is served as 1000, unless the call's proto sets a `limit`
    (ListOperations: 0-1000), past which it is refused."""
    upper = limit if limit is not None else INT32_MAX
    if not 0 <= value <= upper:
        raise InvalidInput(
            f"{field} must be between 0 and {upper}, got {value}", details=[{"field": field, "message": "range"}]
        )
    return min(value or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def executions_page(*, workflow_id: str, size: int, page_token: str, filter_text: str) -> ListPage:
    workflow = selectors.workflow_get(workflow_id=workflow_id)
    query = filters.execution_filters(filter_text, base=ExecutionFilters(workflow_id=workflow.pk))
    key = ["executions", workflow_id, filter_text]
    cursor = _read_text_cursor(page_token, kind="executions", key=key)
    try:
        page = selectors.execution_page(queryset=selectors.execution_list(filters=query), cursor=cursor, size=size)
    except InvalidInput:
        raise _invalid_token() from None  # signed by us, so only a changed cursor format gets here
    return ListPage(page.items, _token(page.next_cursor, kind="executions", key=key))


def workflows_page(*, folder_id: str, size: int, page_token: str, filter_text: str) -> ListPage:
    """Folders do not partition workflows here (one installation is one folder): every workflow is listed."""
    name = filters.workflow_name_filter(filter_text)
    queryset = selectors.workflow_list()
    if name:
        queryset = queryset.filter(name=name)
    key = ["workflows", folder_id, filter_text]
    cursor = _read_text_cursor(page_token, kind="workflows", key=key)
    try:
        page = selectors.workflow_page(queryset=queryset, cursor=cursor, size=size)
    except InvalidInput:
        raise _invalid_token() from None
    return ListPage(page.items, _token(page.next_cursor, kind="workflows", key=key))


def operations_page(*, workflow_id: str, size: int, page_token: str, filter_text: str) -> ListPage:
    if filter_text.strip():
        raise InvalidInput(
            "invalid filter: ListOperations supports no filter", details=[{"field": "filter", "message": "unsupported"}]
        )
    queryset = workflow_operations(workflow_id=workflow_id)
    key = ["operations", workflow_id]
    last_id = _read_token(page_token, kind="operations", key=key)
    if last_id is not None:
        if not isinstance(last_id, int):
            raise _invalid_token()
        queryset = queryset.filter(id__lt=last_id)
    rows = list(queryset[: size + 1])
    items = rows[:size]
    return ListPage(items, _token(items[-1].pk if len(rows) > size else None, kind="operations", key=key))


def _query_hash(key: list[str]) -> str:
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:12]


def _token(cursor: Any, *, kind: str, key: list[str]) -> str:
    if cursor is None:
        return ""
    return signing.Signer(salt=f"{SALT}.{kind}").sign_object({"c": cursor, "q": _query_hash(key)})


def _read_token(token: str, *, kind: str, key: list[str]) -> Any:
    """The cursor inside a token from this list and query, or None for no token (the first page)."""
    if not token:
        return None
    if len(token) > MAX_TOKEN_LENGTH:
        raise _invalid_token()
    try:
        data = signing.Signer(salt=f"{SALT}.{kind}").unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise _invalid_token() from None
    if not isinstance(data, dict) or "c" not in data:
        raise _invalid_token()
    if data.get("q") != _query_hash(key):
        raise InvalidInput(
            f"{INVALID_TOKEN}: it belongs to another query (a different workflowId, folderId or filter)",
            details=[{"field": "pageToken", "message": "query mismatch"}],
        )
    return data["c"]


def _read_text_cursor(token: str, *, kind: str, key: list[str]) -> str:
    cursor = _read_token(token, kind=kind, key=key)
    if cursor is not None and not isinstance(cursor, str):
        raise _invalid_token()
    return cursor or ""


def _invalid_token() -> InvalidInput:
    return InvalidInput(INVALID_TOKEN, details=[{"field": "pageToken", "message": "invalid"}])
