"""The `filter` of the Yandex List calls: one clause `<field><op><value>`, read into selector filters.

Executions: field `status` (op `=`, an Execution.Status name, any case), `started_at` or `finished_at`
(camelCase accepted; op `=`, `<` or `>`; an RFC 3339 time with a timezone). Workflows: `name=<name>`.
A value may be quoted with "..." or '...'. Anything else is an InvalidInput saying exactly what is wrong.
No Django REST framework here: the gRPC servicers parse the same strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from executions.engine.states import ExecutionStatus
from executions.errors import InvalidInput
from executions.selectors import ExecutionFilters, parse_time

MAX_FILTER_LENGTH = 1000
EXAMPLE = 'e.g. status=RUNNING or started_at>"2026-01-01T00:00:00Z"'
OPERATORS = ("=", "<", ">")
# Longest first, so `>=` is read (and refused) as one operator rather than `>` then a value `=...`.
_OPERATOR_RE = re.compile(r"<=|>=|!=|==|<>|=|<|>")
_FIELD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
# The smallest step of a stored time: `> t` is `>= t + 1 µs`, and `= t` is `[t, t + 1 µs)`.
_TICK = timedelta(microseconds=1)

EXECUTION_FIELDS = {
    "status": "status",
    "started_at": "started_at",
    "startedAt": "started_at",
    "finished_at": "finished_at",
    "finishedAt": "finished_at",
}
WORKFLOW_FIELDS = {"name": "name"}


@dataclass(frozen=True)
class Clause:
    field: str  # the canonical (snake_case) name
    op: str
    value: str


def parse_clause(text: str, fields: dict[str, str]) -> Clause | None:
    """One `<field><op><value>` clause, or None for an empty filter."""
    if len(text) > MAX_FILTER_LENGTH:
        raise _invalid(f"filter is {len(text)} characters long, over the limit of {MAX_FILTER_LENGTH}")
    text = text.strip()
    if not text:
        return None
    allowed = ", ".join(dict.fromkeys(fields.values()))
    match = _FIELD_RE.match(text)
    if match is None:
        raise _invalid(f"filter {text!r} does not start with a field name; expected one of {allowed} ({EXAMPLE})")
    name = match.group()
    if name not in fields:
        raise _invalid(f"unknown filter field {name!r}; expected one of {allowed}")
    rest = text[match.end() :].lstrip()
    op_match = _OPERATOR_RE.match(rest)
    if op_match is None:
        raise _invalid(f"filter {text!r} has no operator after {name!r}; expected one of = < > ({EXAMPLE})")
    op = op_match.group()
    if op not in OPERATORS:
        raise _invalid(f"unsupported filter operator {op!r}; expected one of = < >")
    value = _value(rest[op_match.end() :].strip(), name, op)
    return Clause(field=fields[name], op=op, value=value)


def _value(text: str, name: str, op: str) -> str:
    if not text:
        raise _invalid(f"filter value is missing after {name}{op}")
    quote = text[0]
    if quote in "\"'":
        end = text.find(quote, 1)
        if end == -1:
            raise _invalid(f"filter value {text!r} has no closing {quote}")
        value, trailing = text[1:end], text[end + 1 :].strip()
    else:
        value, _, trailing = text.partition(" ")
        trailing = trailing.strip()
    if trailing:
        raise _invalid(f"a filter is one clause <field><op><value>; unexpected text after the value: {trailing!r}")
    if not value:
        raise _invalid(f"filter value is empty after {name}{op}")
    return value


def execution_filters(text: str, *, base: ExecutionFilters) -> ExecutionFilters:
    """`base` (which carries the workflow) narrowed by the filter clause, if any."""
    clause = parse_clause(text, EXECUTION_FIELDS)
    if clause is None:
        return base
    if clause.field == "status":
        if clause.op != "=":
            raise _invalid(f"status can only be compared with =, not {clause.op}")
        return replace(base, statuses=(_status(clause.value),))
    at = _time(clause.value, clause.field)
    bounds = {"<": (None, at), ">": (at + _TICK, None), "=": (at, at + _TICK)}[clause.op]
    prefix = clause.field.removesuffix("_at")
    return replace(base, **{f"{prefix}_after": bounds[0], f"{prefix}_before": bounds[1]})


def workflow_name_filter(text: str) -> str:
    """The workflow name a workflows filter asks for, or "" for no filter."""
    clause = parse_clause(text, WORKFLOW_FIELDS)
    if clause is None:
        return ""
    if clause.op != "=":
        raise _invalid(f"name can only be compared with =, not {clause.op}")
    return clause.value


def _status(value: str) -> str:
    name = value.strip().upper()
    if name not in ExecutionStatus.__members__:
        allowed = ", ".join(status.value for status in ExecutionStatus)
        raise _invalid(f"unknown status {value!r} in filter; expected one of {allowed}")
    return name


def _time(value: str, field: str) -> datetime:
    try:
        parsed = parse_time(value, field=field)
    except InvalidInput:
        parsed = None
    if parsed is None:
        raise _invalid(
            f"{field} in filter must be an RFC 3339 time with a timezone, e.g. 2026-01-01T00:00:00Z; got {value!r}"
        )
    return parsed


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(f"invalid filter: {message}", details=[{"field": "filter", "message": message}])
