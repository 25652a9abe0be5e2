"""The Gantt timeline of an execution's step runs: bars on a time axis, nested under their container runs.

Geometry only, in SVG user units (the template draws it). The timeline is bounded: with more runs than
`limit` it keeps every unfinished or failed run (and the runs that contain them), then fills up in tree order;
the history table lists every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from executions.dashboard.tree import Placed

LABEL_WIDTH = 300
CHART_WIDTH = 820
RIGHT_PAD = 40
ROW_HEIGHT = 24
BAR_HEIGHT = 14
AXIS_HEIGHT = 26
MIN_BAR = 2.0
INDENT = 14
LABEL_CHARS = 34

OPEN_STATUSES = frozenset({"SCHEDULED", "STARTED", "CANCEL_REQUESTED"})
PRIORITY_STATUSES = OPEN_STATUSES | {"FAILED"}
# Tick spacings to choose from, in seconds: the first that gives at most MAX_TICKS ticks wins.
NICE_STEPS = (
    *(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5),
    *(1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800),
    *(3600, 7200, 10800, 21600, 43200, 86400, 172800),
)
MAX_TICKS = 8


@dataclass(frozen=True)
class Bar:
    run_id: int
    label: str
    label_x: float
    row_y: float
    y: float
    status: str
    step_type: str
    x: float
    width: float
    wait_x: float | None
    wait_width: float
    backoff_x: float | None
    backoff_width: float
    running: bool
    started_ms: int | None
    attempts: int
    tooltip: str

    @property
    def modifier(self) -> str:
        return self.status.lower().replace("_", "-")

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT - 3

    @property
    def end_x(self) -> float:
        return self.x + self.width

    @property
    def mid_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def height(self) -> int:
        return BAR_HEIGHT

    @property
    def odd(self) -> bool:
        return int((self.row_y - AXIS_HEIGHT) / ROW_HEIGHT) % 2 == 1


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: int
    chart_x: int
    chart_end: int
    start: datetime | None
    start_ms: int
    ms_per_unit: float
    now_x: float | None
    now_ms: int
    shown: int
    total: int

    @property
    def truncated(self) -> bool:
        return self.shown < self.total

    @property
    def grid_bottom(self) -> int:
        return self.height - 4

    @property
    def row_width(self) -> int:
        return self.width


def build(
    ordered: Sequence[Placed[Any]],
    *,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    limit: int = 250,
    total: int | None = None,
) -> Timeline:
    """Lay out `ordered` runs (tree order) between `start` and `end` (None while the execution goes on).

    `total` is how many runs there are when `ordered` is already a `choose`n selection of them.
    """
    chosen = choose(ordered, limit)
    t0 = start or _earliest(chosen) or now
    t1 = end or max(now, _next_wake_up(chosen, now) or now)
    span = max((t1 - t0).total_seconds(), 0.001)
    if end is None:
        # Headroom on the right, so running bars visibly grow between two pushes.
        span += max(span * 0.15, 2.0)
    scale = CHART_WIDTH / span

    def x_of(moment: datetime) -> float:
        return LABEL_WIDTH + min(max((moment - t0).total_seconds(), 0.0) * scale, CHART_WIDTH)

    bars = [_bar(placed, i, x_of, now=now) for i, placed in enumerate(chosen)]
    return Timeline(
        bars=bars,
        ticks=_ticks(span, scale),
        width=LABEL_WIDTH + CHART_WIDTH + RIGHT_PAD,
        height=AXIS_HEIGHT + max(len(bars), 1) * ROW_HEIGHT + 8,
        chart_x=LABEL_WIDTH,
        chart_end=LABEL_WIDTH + CHART_WIDTH,
        start=t0,
        start_ms=_ms(t0),
        ms_per_unit=1000 / scale,
        now_x=x_of(now) if end is None else None,
        now_ms=_ms(now),
        shown=len(bars),
        total=total if total is not None else len(ordered),
    )


def choose(ordered: Sequence[Placed[Any]], limit: int) -> list[Placed[Any]]:
    if len(ordered) <= limit:
        return list(ordered)
    by_pk = {placed.run.pk: placed.run for placed in ordered}
    keep: set[Any] = set()
    for placed in ordered:
        if len(keep) >= limit:
            break
        if placed.run.status in PRIORITY_STATUSES:
            run = placed.run
            while run is not None and run.pk not in keep:  # the run and the containers around it
                keep.add(run.pk)
                run = by_pk.get(run.parent_id)
    budget = limit - len(keep)
    chosen = []
    for placed in ordered:
        if placed.run.pk in keep:
            chosen.append(placed)
        elif budget > 0:
            chosen.append(placed)
            budget -= 1
    return chosen


def _bar(placed: Placed[Any], index: int, x_of: Any, *, now: datetime) -> Bar:
    run, depth = placed.run, placed.depth
    row_y = AXIS_HEIGHT + index * ROW_HEIGHT
    y = row_y + (ROW_HEIGHT - BAR_HEIGHT) / 2
    running = run.status in OPEN_STATUSES and run.started_at is not None and run.finished_at is None
    begin = run.started_at or run.scheduled_at or now
    finish = run.finished_at or (now if running else begin)
    x = x_of(begin)
    wait_x, wait_width = None, 0.0
    if run.scheduled_at and run.started_at and run.started_at > run.scheduled_at:
        wait_x = x_of(run.scheduled_at)
        wait_width = x - wait_x
    backoff_x, backoff_width = None, 0.0
    if run.next_attempt_at and run.status in OPEN_STATUSES and run.next_attempt_at > now:
        backoff_x = x_of(finish)
        backoff_width = max(x_of(run.next_attempt_at) - backoff_x, MIN_BAR)
    label = run.title or run.step_id
    if len(label) > LABEL_CHARS - depth * 2:
        label = label[: max(LABEL_CHARS - depth * 2 - 1, 4)] + "…"
    return Bar(
        run_id=run.run_id,
        label=label,
        label_x=8 + min(depth, 10) * INDENT,
        row_y=row_y,
        y=y,
        status=run.status,
        step_type=run.type,
        x=x,
        width=max(x_of(finish) - x, MIN_BAR),
        wait_x=wait_x,
        wait_width=wait_width,
        backoff_x=backoff_x,
        backoff_width=backoff_width,
        running=running,
        started_ms=_ms(run.started_at) if run.started_at else None,
        attempts=run.attempts,
        tooltip=_tooltip(run, finish if run.started_at else None),
    )


def _tooltip(run: Any, finish: datetime | None) -> str:
    parts = [f"#{run.run_id} {run.path}", run.type, run.status.replace("_", " ").lower()]
    if finish is not None and run.started_at is not None:
        parts.append(format_offset((finish - run.started_at).total_seconds()))
    if run.attempts > 1:
        parts.append(f"attempt {run.attempts}")
    if run.error_code:
        parts.append(run.error_code)
    return " · ".join(parts)


def _ticks(span: float, scale: float) -> list[Tick]:
    step = next((s for s in NICE_STEPS if span / s <= MAX_TICKS), NICE_STEPS[-1])
    count = int(span / step)
    return [Tick(LABEL_WIDTH + i * step * scale, format_offset(i * step, plus=True)) for i in range(count + 1)]


def format_offset(seconds: float, *, plus: bool = False) -> str:
    """A short duration: `850 ms`, `12.5 s`, `3 min 20 s`, `2 h 05 min`; `+` marks an axis offset."""
    sign = "+" if plus and seconds > 0 else ""
    if seconds < 1 and seconds != 0:
        return f"{sign}{seconds * 1000:.0f} ms"
    if seconds < 60:
        text = f"{seconds:.1f}".rstrip("0").rstrip(".")
        return f"{sign}{text} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{sign}{minutes} min" + (f" {secs:02d} s" if secs else "")
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{sign}{hours} h" + (f" {minutes:02d} min" if minutes else "")
    return f"{sign}{hours // 24} d {hours % 24:02d} h"


def _next_wake_up(chosen: Sequence[Placed[Any]], now: datetime) -> datetime | None:
    """The latest pending wake-up (Wait step, retry backoff) within a day: the axis reaches it, so it shows."""
    horizon = now + timedelta(days=1)
    pending = [
        p.run.next_attempt_at
        for p in chosen
        if p.run.next_attempt_at and p.run.status in OPEN_STATUSES and now < p.run.next_attempt_at <= horizon
    ]
    return max(pending, default=None)


def _earliest(chosen: Sequence[Placed[Any]]) -> datetime | None:
    moments = [p.run.scheduled_at or p.run.started_at for p in chosen if p.run.scheduled_at or p.run.started_at]
    return min(moments) if moments else None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


__all__ = ["Bar", "Tick", "Timeline", "build", "choose", "format_offset"]
