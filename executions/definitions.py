"""Parsed definitions of revisions, cached: a revision is immutable, so its Definition never changes."""

from __future__ import annotations

import os
from functools import lru_cache

from django.conf import settings

from executions.engine import Definition, SpecError, load, parse
from executions.engine.protocol import Limits


@lru_cache(maxsize=512)
def _definition(revision_id: int, document_key: str) -> Definition:
    from executions.models import WorkflowRevision

    revision = WorkflowRevision.objects.only("yaml_text", "definition").get(pk=revision_id)
    # Rebuilt from the text as submitted, not from the stored document: PostgreSQL's jsonb does not keep the
    # order of keys, and order is meaning here (parallel branches start, and are listed, in the order written).
    try:
        return parse(revision.yaml_text)
    except SpecError:  # a text that no longer parses (say, a rule tightened since): the stored document
        return load(revision.definition)


def definition_for(revision) -> Definition:
    # The key includes the revision's creation time so a test database reusing a pk never hits a stale entry.
    return _definition(revision.pk, str(revision.created_at))


def engine_limits() -> Limits:
    return Limits(
        max_step_runs=settings.WORKFLOWS_MAX_STEP_RUNS,
        max_data_bytes=settings.WORKFLOWS_MAX_DATA_BYTES,
        max_retries=settings.WORKFLOWS_MAX_RETRIES,
        step_timeout_seconds=settings.WORKFLOWS_STEP_TIMEOUT_SECONDS,
        step_total_seconds=settings.WORKFLOWS_STEP_TOTAL_SECONDS,
        execution_seconds=float(settings.WORKFLOWS_EXECUTION_TIMEOUT_SECONDS),
    )


def resolve_secret(name: str) -> str | None:
    """The `secret("name")` jq function: WORKFLOWS_SECRET_<NAME> from the environment by default."""
    key = "WORKFLOWS_SECRET_" + "".join(ch if ch.isalnum() else "_" for ch in name).upper()
    return os.environ.get(key)
