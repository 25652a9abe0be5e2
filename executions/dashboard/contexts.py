"""Template contexts of the dashboard's live pages, built from selectors.

Views render them as pages and fragments; websocket consumers render the same partials from them, so a
pushed update is exactly what a reload would show. Nothing here writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from executions import permissions, selectors
from executions.dashboard import charts, graph, timeline
from executions.dashboard.tree import Placed, page_after, page_containing, step_key, tree_order
from executions.definitions import definition_for
from executions.engine.states import Action, ExecutionStatus, can
from executions.forms import RetryForm
from executions.models import Execution, WorkflowRevision

HISTORY_PAGE_SIZE = 200
TIMELINE_LIMIT = 250
RECENT = 10
# Pretty JSON longer than this is cut in the page; the whole document is a download away.
PREVIEW_CHARS = 20_000
ACTIONS = (Action.STOP, Action.TERMINATE, Action.PAUSE, Action.RESUME, Action.RETRY)


@dataclass(frozen=True)
class HistoryQuery:
    """Which slice of the history table a page shows: after a run (cursor), one step's runs, or around a run."""

    after: int | None = None
    step: str = ""
    run: int | None = None

    def params(self) -> dict[str, Any]:
        return {"after": self.after, "step": self.step, "run": self.run}


@dataclass(frozen=True)
class Preview:
    """Pretty JSON for the page, cut at PREVIEW_CHARS characters (`size` is the compact document's length)."""

    text: str
    truncated: bool
    size: int


def preview(value: Any) -> Preview:
    pretty = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str))
    if len(pretty) <= PREVIEW_CHARS:
        return Preview(pretty, False, size)
    return Preview(pretty[:PREVIEW_CHARS] + "\n…", True, size)


def allowed_actions(execution: Execution, user: Any) -> dict[str, bool]:
    """Which action buttons to show: legal now (`states.can`) and permitted (the server checks both again)."""
    may = permissions.can_operate(user)
    return {action.value: may and can(execution.status, action) for action in ACTIONS}


def execution_context(*, execution: Execution, user: Any, query: HistoryQuery, now: datetime | None = None) -> dict:
    """Everything the execution page and its live fragment draw: header, timeline, graph, history, audit."""
    now = now or timezone.now()
    runs = selectors.execution_run_summaries(execution=execution)
    ordered = tree_order(runs)
    rows = [p for p in ordered if step_key(p.run.path) == query.step] if query.step else ordered
    after = query.after
    if after is None and query.run is not None:
        after = page_containing(rows, run_id=query.run, size=HISTORY_PAGE_SIZE)
    page, next_after = page_after(rows, after=after, size=HISTORY_PAGE_SIZE)
    entries = {
        e.run_id: e
        for e in selectors.execution_history_entries(execution=execution, run_ids=[p.run.run_id for p in page])
    }
    history = []
    for placed in page:
        entry = entries.get(placed.run.run_id)
        if entry is not None:
            entry.depth = 0 if query.step else placed.depth
            history.append(entry)
    terminal = ExecutionStatus(execution.status).is_terminal
    version = execution.updated_at.isoformat()
    drawn = timeline.choose(ordered, TIMELINE_LIMIT)
    times = selectors.execution_run_times(execution=execution, run_ids=[p.run.run_id for p in drawn])
    drawn = [Placed(replace(p.run, **times.get(p.run.run_id, {})), p.depth) for p in drawn]
    return {
        "execution": execution,
        "version": version,
        # Polling and resynchronising ask for the same slice of history, and get a 204 while nothing changed.
        "refresh_url": reverse("executions:execution_detail", args=[execution.pk])
        + "?"
        + urlencode({**{k: v for k, v in query.params().items() if v}, "since": version}),
        "socket_url": f"/ws/executions/{execution.pk}/?" + urlencode({k: v for k, v in query.params().items() if v}),
        "live": not terminal,
        "actions": allowed_actions(execution, user),
        "children": selectors.execution_children(execution=execution),
        "history": history,
        "history_total": len(rows),
        "history_query": query,
        "history_first": page[0].run.run_id if page else None,
        "history_next": next_after,
        "history_paged": after is not None,
        "timeline": timeline.build(
            drawn,
            start=execution.started_at or execution.created_at,
            end=execution.finished_at if terminal else None,
            now=now,
            limit=TIMELINE_LIMIT,
            total=len(ordered),
        ),
        "graph": revision_graph(execution.revision).with_statuses(
            graph.run_statuses((step_key(r.path), r.status) for r in runs)
        ),
        "audit": selectors.execution_audit(execution=execution),
        "input_preview": preview(execution.input),
        "result_preview": preview(execution.result) if execution.result is not None else None,
        "retry_form": RetryForm(initial={"input": json.dumps(execution.input, indent=2, ensure_ascii=False)}),
        "retry_open": False,
    }


def revision_graph(revision: WorkflowRevision) -> graph.Graph:
    return _graph(revision.pk, str(revision.created_at))


@lru_cache(maxsize=256)
def _graph(revision_id: int, created: str) -> graph.Graph:
    # A revision is immutable, so its drawing is too; keyed like `definitions.definition_for`.
    revision = WorkflowRevision.objects.only("id", "created_at").get(pk=revision_id)
    return graph.layout(definition_for(revision))


def overview_context(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    day_ago = charts.hour_floor(now) - timedelta(hours=23)
    return {
        "counts": selectors.execution_status_counts(),
        "activity": charts.activity(
            selectors.execution_activity(since=day_ago, until=now + timedelta(hours=1)), now=now
        ),
        "failures": selectors.execution_recent_failures(),
        "busiest": selectors.workflow_busiest(since=day_ago),
        "latest": selectors.execution_list()[:RECENT],
        "workflow_count": selectors.workflow_list().count(),
    }
