"""A line diff between two revisions' YAML, as rows the template draws (and escapes)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffRow:
    kind: str  # same, added, removed, gap
    old_number: int | None
    new_number: int | None
    text: str


def line_diff(old: str, new: str, *, context: int = 3) -> list[DiffRow]:
    """Changed lines with `context` unchanged lines around each change; a `gap` row marks what was skipped."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(context):
        if rows:
            rows.append(DiffRow("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [DiffRow("same", i + 1, j + 1, a[i]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
                continue
            rows += [DiffRow("removed", i + 1, None, a[i]) for i in range(i1, i2)]
            rows += [DiffRow("added", None, j + 1, b[j]) for j in range(j1, j2)]
    return rows


def counts(rows: list[DiffRow]) -> tuple[int, int]:
    """How many lines were added and removed."""
    return sum(r.kind == "added" for r in rows), sum(r.kind == "removed" for r in rows)
