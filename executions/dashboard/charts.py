"""The overview's activity chart: executions started and failed per hour, as SVG bar geometry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

WIDTH, HEIGHT = 960, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 12, 26


@dataclass(frozen=True)
class HourBars:
    hour: datetime
    started: int
    failed: int
    x: float
    width: float
    started_y: float
    started_h: float
    failed_y: float
    failed_h: float
    label: str

    @property
    def iso(self) -> str:
        return self.hour.isoformat()

    @property
    def tooltip(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} UTC: {self.started} started, {self.failed} failed"

    @property
    def failed_x(self) -> float:
        return self.x + self.width + 1


@dataclass(frozen=True)
class Gridline:
    y: float
    label: str


@dataclass(frozen=True)
class ActivityChart:
    hours: list[HourBars]
    gridlines: list[Gridline]
    width: int
    height: int
    baseline: float
    total_started: int
    total_failed: int


def hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def activity(counts: Mapping[datetime, tuple[int, int]], *, now: datetime, hours: int = 24) -> ActivityChart:
    """Bars for the `hours` hours up to and including the current one; `counts[hour] = (started, failed)`."""
    first = hour_floor(now) - timedelta(hours=hours - 1)
    slots = [first + timedelta(hours=i) for i in range(hours)]
    peak = max([1, *(max(counts.get(h, (0, 0))) for h in slots)])
    top = _nice_ceiling(peak)
    plot_h = HEIGHT - TOP - BOTTOM
    slot_w = (WIDTH - LEFT - RIGHT) / hours
    bar_w = slot_w * 0.38
    baseline = TOP + plot_h
    bars = []
    for i, hour in enumerate(slots):
        started, failed = counts.get(hour, (0, 0))
        x = LEFT + i * slot_w + slot_w * 0.12
        sh, fh = plot_h * started / top, plot_h * failed / top
        label = f"{hour:%H}:00" if i % 3 == 0 else ""
        bars.append(HourBars(hour, started, failed, x, bar_w, baseline - sh, sh, baseline - fh, fh, label))
    gridlines = [Gridline(baseline - plot_h * f, str(round(top * f))) for f in (0, 0.5, 1)]
    return ActivityChart(
        hours=bars,
        gridlines=gridlines,
        width=WIDTH,
        height=HEIGHT,
        baseline=baseline,
        total_started=sum(b.started for b in bars),
        total_failed=sum(b.failed for b in bars),
    )


def _nice_ceiling(value: int) -> int:
    for step in (2, 4, 10, 20, 40, 100, 200, 400, 1000, 2000, 4000, 10000):
        if value <= step:
            return step
    magnitude = 10 ** (len(str(value)) - 1)
    return -(-value // magnitude) * magnitude
