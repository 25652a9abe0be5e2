"""The dashboard's pure presentation helpers: tree order, timeline, graph layout, YAML highlighting, diffs, chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from executions.dashboard import charts, diff, graph, timeline
from executions.dashboard.highlight import highlight
from executions.dashboard.tree import page_after, page_containing, step_key, tree_order
from executions.engine import parse

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class Run:
    pk: int
    parent_id: int | None
    run_id: int
    status: str = "COMPLETED"
    step_id: str = "s"
    path: str = "s"
    title: str = ""
    type: str = "NoOp"
    attempts: int = 1
    error_code: str = ""
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    next_attempt_at: datetime | None = None


def test_tree_order_puts_nested_runs_under_their_parent_in_run_order():
    runs = [Run(1, None, 1), Run(2, 1, 2), Run(3, None, 3), Run(4, 1, 4), Run(5, 2, 5)]
    assert [(p.run.run_id, p.depth) for p in tree_order(runs)] == [(1, 0), (2, 1), (5, 2), (4, 1), (3, 0)]


def test_pages_follow_tree_order_and_find_a_runs_page():
    ordered = tree_order([Run(i, None, i) for i in range(1, 11)])
    page, after = page_after(ordered, after=None, size=4)
    assert [p.run.run_id for p in page] == [1, 2, 3, 4] and after == 4
    page, after = page_after(ordered, after=8, size=4)
    assert [p.run.run_id for p in page] == [9, 10] and after is None
    assert page_containing(ordered, run_id=6, size=4) == 4
    assert page_containing(ordered, run_id=2, size=4) is None


def test_a_step_key_drops_iteration_numbers():
    assert step_key("loop[12]/inner[3]/send") == "loop/inner/send"
    assert step_key("p/branch/step") == "p/branch/step"


def test_the_timeline_places_bars_on_a_shared_axis():
    runs = [
        Run(1, None, 1, started_at=T0, finished_at=T0 + timedelta(seconds=2), scheduled_at=T0),
        Run(
            2,
            None,
            2,
            scheduled_at=T0 + timedelta(seconds=2),
            started_at=T0 + timedelta(seconds=3),
            finished_at=T0 + timedelta(seconds=4),
            attempts=3,
        ),
    ]
    t = timeline.build(tree_order(runs), start=T0, end=T0 + timedelta(seconds=4), now=T0 + timedelta(seconds=9))
    first, second = t.bars
    assert first.x == timeline.LABEL_WIDTH
    assert round(first.width) == round(timeline.CHART_WIDTH / 2)
    assert second.wait_x is not None and second.wait_width > 0  # scheduled, then started a second later
    assert second.attempts == 3
    assert t.now_x is None  # a finished execution has no "now" line
    assert [tick.label for tick in t.ticks][:3] == ["0 s", "+500 ms", "+1 s"]


def test_a_running_bar_reaches_now_and_the_axis_leaves_room_to_grow():
    runs = [Run(1, None, 1, status="STARTED", started_at=T0)]
    now = T0 + timedelta(seconds=10)
    t = timeline.build(tree_order(runs), start=T0, end=None, now=now)
    bar = t.bars[0]
    assert bar.running and bar.started_ms == int(T0.timestamp() * 1000)
    assert bar.end_x < t.chart_end
    assert t.now_x == bar.end_x


def test_the_axis_reaches_a_pending_wake_up():
    runs = [Run(1, None, 1, status="STARTED", type="Wait", started_at=T0, next_attempt_at=T0 + timedelta(seconds=30))]
    t = timeline.build(tree_order(runs), start=T0, end=None, now=T0 + timedelta(seconds=1))
    bar = t.bars[0]
    assert bar.backoff_x is not None
    assert bar.backoff_x + bar.backoff_width <= t.chart_end


def test_a_bounded_timeline_keeps_failed_and_running_runs_with_their_containers():
    loop = Run(1, None, 1, status="STARTED", started_at=T0)
    runs = [loop] + [Run(i, 1, i, started_at=T0, finished_at=T0) for i in range(2, 1000)]
    runs[900].status = "FAILED"
    chosen = timeline.choose(tree_order(runs), 50)
    ids = [p.run.run_id for p in chosen]
    assert len(ids) == 50
    assert 1 in ids and runs[900].run_id in ids
    assert ids == sorted(ids)  # still in tree order


def test_durations_read_naturally():
    assert [timeline.format_offset(s) for s in (0.25, 12.5, 200, 7500)] == [
        "250 ms",
        "12.5 s",
        "3 min 20 s",
        "2 h 05 min",
    ]


LOOPING = """\
yawl: "0.1"
start: check
steps:
  check:
    switch:
      choices:
        - condition: .n < 3
          next: fan
      default: done
  fan:
    parallel:
      branches:
        a: {start: a1, steps: {a1: {noOp: {}}}}
        b: {start: b1, steps: {b1: {wait: {duration: 1s}}}}
      next: check
  done:
    success: {}
"""


def test_the_graph_lays_steps_in_layers_with_containers_and_loops():
    g = graph.layout(parse(LOOPING))
    nodes = {n.key: n for n in g.nodes}
    boxes = {n.key: n for n in g.containers}
    assert set(nodes) == {"check", "fan/a/a1", "fan/b/b1", "done"}
    assert set(boxes) == {"fan"}
    assert nodes["check"].y < boxes["fan"].y  # the start on top, the next layer below
    fan = boxes["fan"]
    for inner in ("fan/a/a1", "fan/b/b1"):
        assert fan.x < nodes[inner].x and nodes[inner].x + nodes[inner].w < fan.x + fan.w
    assert [(e.kind, e.back) for e in g.edges if e.back] == [("next", True)]  # fan -> check goes back up
    assert {e.label for e in g.edges} >= {".n < 3", "default"}
    assert {c.text for c in g.captions} == {"a", "b"}


def test_the_graph_colours_steps_by_their_runs():
    statuses = graph.run_statuses([("check", "COMPLETED"), ("fan/a/a1", "COMPLETED"), ("check", "STARTED")])
    g = graph.layout(parse(LOOPING)).with_statuses(statuses)
    nodes = {n.key: n for n in g.nodes}
    assert (nodes["check"].status, nodes["check"].runs) == ("STARTED", 2)
    assert nodes["done"].modifier == "idle"


def test_yaml_is_split_into_tokens_with_problems_at_their_line():
    text = 'a: "x \\\\(.y) z"  # note\nb:\n  - 12\n  - true\nc: |\n  free: text\nd: 1\n'
    lines = highlight(text, problems={2: ["bad"]})
    assert lines[0].tokens == [
        ("key", "a"),
        ("punct", ":"),
        ("", " "),
        ("str", '"x '),
        ("interp", "\\\\(.y)"),
        ("str", ' z"'),
        ("", "  "),
        ("comment", "# note"),
    ]
    assert lines[1].problems == ["bad"]
    assert ("num", "12") in lines[2].tokens and ("lit", "true") in lines[3].tokens
    assert lines[5].tokens == [("str", "  free: text")]  # inside a block scalar: text, not a key
    assert ("key", "d") in lines[6].tokens
    assert "".join(t for _, t in lines[0].tokens) == 'a: "x \\\\(.y) z"  # note'  # nothing lost


def test_a_diff_shows_changes_with_context_and_gaps():
    old = "\n".join(f"line {i}" for i in range(20))
    new = old.replace("line 2", "line two").replace("line 17", "line 17\nadded")
    rows = diff.line_diff(old, new, context=1)
    kinds = [r.kind for r in rows]
    assert kinds == ["same", "removed", "added", "same", "gap", "same", "added", "same"]
    assert diff.counts(rows) == (2, 1)
    assert rows[1].old_number == 3 and rows[2].new_number == 3


def test_the_activity_chart_has_24_hours_ending_now():
    now = datetime(2025, 1, 1, 15, 30, tzinfo=UTC)
    chart = charts.activity({datetime(2025, 1, 1, 15, tzinfo=UTC): (8, 2)}, now=now)
    assert len(chart.hours) == 24
    assert chart.hours[-1].hour == datetime(2025, 1, 1, 15, tzinfo=UTC)
    assert (chart.total_started, chart.total_failed) == (8, 2)
    assert chart.hours[-1].started_h == 4 * chart.hours[-1].failed_h
    assert chart.gridlines[-1].label == "10"
