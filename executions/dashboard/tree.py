"""Step runs in tree order: each run followed by the runs nested in it (branches, iterations)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_ITERATION = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Placed(Generic[T]):
    run: T
    depth: int


def tree_order(runs: Iterable[Any]) -> list[Placed[Any]]:
    """Runs (objects with `pk`, `parent_id`, `run_id`) in tree order, each with its nesting depth.

    Siblings keep their run order. A run whose parent is missing from `runs` is treated as a root, so a partial
    list still comes out whole.
    """
    runs = list(runs)
    present = {run.pk for run in runs}
    children: dict[Any, list[Any]] = defaultdict(list)
    for run in sorted(runs, key=lambda r: r.run_id):
        parent = run.parent_id if run.parent_id in present else None
        children[parent].append(run)
    ordered: list[Placed[Any]] = []
    stack = [(run, 0) for run in reversed(children[None])]
    while stack:
        run, depth = stack.pop()
        ordered.append(Placed(run, depth))
        stack.extend((child, depth + 1) for child in reversed(children[run.pk]))
    return ordered


def step_key(path: str) -> str:
    """A run's place in the specification: its path without iteration numbers (`loop[3]/send` -> `loop/send`).

    The graph names its nodes the same way, so a node finds the runs of its step.
    """
    return _ITERATION.sub("", path)


def page_after(ordered: Sequence[Placed[Any]], *, after: int | None, size: int) -> tuple[list[Placed[Any]], int | None]:
    """One page of `size` runs following the run numbered `after` (the start when None or not found)."""
    start = 0
    if after is not None:
        start = next((i + 1 for i, placed in enumerate(ordered) if placed.run.run_id == after), 0)
    page = list(ordered[start : start + size])
    more = start + size < len(ordered)
    return page, (page[-1].run.run_id if more and page else None)


def page_containing(ordered: Sequence[Placed[Any]], *, run_id: int, size: int) -> int | None:
    """The `after` cursor of the page that shows `run_id` (None: the first page, or the run is unknown)."""
    index = next((i for i, placed in enumerate(ordered) if placed.run.run_id == run_id), None)
    if index is None or index < size:
        return None
    return ordered[(index // size) * size - 1].run.run_id
