"""Reading request messages as a proto3 JSON parser does, with errors that name the field.

Each field may be sent by its JSON name (`workflowId`) or its proto name (`workflow_id`); `null` means unset;
int64 may be a number or a string; unknown fields are refused (a typo must not be silently dropped). The
request body is read through `HttpRequest.body`, so Django's request size cap
(`DATA_UPLOAD_MAX_MEMORY_SIZE` = `WORKFLOWS_MAX_REQUEST_BYTES`) applies before anything is parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, QueryDict
from django.http.request import RawPostDataException

from executions.errors import InvalidInput

Reader = Callable[[Any, str], Any]
_INT_RE = re.compile(r"^[-+]?\d{1,19}$")


def invalid(where: str, message: str) -> InvalidInput:
    text = f"{where} {message}" if where else message
    return InvalidInput(text, details=[{"field": where, "message": message}] if where else [])


def proto_name(json_name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), json_name)


# --- field readers: (value, where) -> the Python value -----------------------------------------------------


def string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise invalid(where, "must be a string")
    return value


def boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(where, "must be true or false")
    return value


def int64(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not _INT_RE.match(str(value).strip()):
        raise invalid(where, f"must be an integer, got {json.dumps(value)}")
    return int(str(value).strip())


def any_json(value: Any, where: str) -> Any:
    return value


def string_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise invalid(where, "must be a JSON object of strings")
    for key, item in value.items():
        string(item, f"{where}.{key}")
    return value


def field_mask(value: Any, where: str) -> list[str]:
    """A google.protobuf.FieldMask in JSON: comma-separated paths."""
    return [path.strip() for path in string(value, where).split(",") if path.strip()]


def enum(names: tuple[str, ...]) -> Reader:
    def read(value: Any, where: str) -> str:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
            return names[value]
        if value not in names:
            raise invalid(where, f"must be one of {', '.join(names)}, got {json.dumps(value)}")
        return value

    return read


@dataclass(frozen=True)
class Message:
    """A message's fields by JSON name; `oneofs` groups of which at most one may be set."""

    fields: dict[str, Reader]
    required: tuple[str, ...] = ()
    oneofs: tuple[tuple[str, ...], ...] = ()
    aliases: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        aliases = {name: name for name in self.fields}
        aliases.update({proto_name(name): name for name in self.fields})
        object.__setattr__(self, "aliases", aliases)

    def __call__(self, value: Any, where: str) -> dict[str, Any]:
        return read(value, self, where)


def read(data: Any, message: Message, where: str = "", *, unknown: str = "field") -> dict[str, Any]:
    """The set fields of `data`, keyed by JSON name."""
    if not isinstance(data, Mapping):
        raise invalid(where or "the request body", "must be a JSON object")
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = message.aliases.get(key)
        path = f"{where}.{key}" if where else key
        if name is None:
            allowed = ", ".join(message.fields)
            raise invalid("", f"unknown {unknown} {path!r}; expected one of {allowed}")
        if name in values:
            raise invalid("", f"{name} is given twice (as {name} and {proto_name(name)})")
        if value is not None:
            values[name] = message.fields[name](value, path)
    for name in message.required:
        if values.get(name) in (None, ""):
            raise invalid(f"{where}.{name}" if where else name, "is required")
    for group in message.oneofs:
        given = [name for name in group if name in values]
        if len(given) > 1:
            raise invalid(where, f"may set only one of {' and '.join(group)}, not both")
    return values


# --- the request itself ----------------------------------------------------------------------------------------


def json_body(request: HttpRequest) -> Any:
    """The parsed JSON body; None when the body is empty."""
    try:
        raw = request.body  # raises RequestDataTooBig past DATA_UPLOAD_MAX_MEMORY_SIZE when the length is declared
    except RawPostDataException:
        # A session's CSRF check read a multipart form from the stream first.
        raise InvalidInput("the request body must be JSON, not form data") from None
    if len(raw) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the request body is not valid UTF-8 text") from None
    return json_value(text, "the request body")


def json_value(text: str, what: str) -> Any:
    """JSON text -> the value. NaN and Infinity are not JSON, and a lone surrogate escape (`"\\ud800"`) is not
    Unicode (a protobuf parser refuses such a string as invalid UTF-8): both are refused."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not allowed in JSON")

    try:
        value = json.loads(text, parse_constant=refuse)
        json.dumps(value, ensure_ascii=False).encode()
    except json.JSONDecodeError as exc:
        raise invalid(what, f"is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise invalid(what, "is nested too deeply") from None
    except UnicodeEncodeError:
        raise invalid(what, "contains a lone UTF-16 surrogate (\\ud800-\\udfff without its pair)") from None
    except ValueError as exc:
        raise invalid(what, f"is not valid JSON: {exc}") from None
    return value


def query(params: QueryDict, message: Message) -> dict[str, Any]:
    """Query parameters read like a message: each at most once, by JSON or proto name; an empty one is unset
    (`?workflowId=w&pageSize=&pageToken=` is a first page of the default size)."""
    data = {}
    for key in params:
        values = params.getlist(key)
        if len(values) > 1:
            raise invalid("", f"query parameter {key!r} is given {len(values)} times; give it once")
        data[key] = values[0] or None
    return read(data, message, unknown="query parameter")
