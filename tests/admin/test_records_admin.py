from __future__ import annotations

from tests.conftest import FINISHING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, start_execution

pytestmark = ENGINE_DB

RECORDS = ["workflowrevision", "historyentry", "auditevent"]


def test_records_are_listed_but_never_added(client, staff_admin):
    start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(staff_admin)
    for model in RECORDS:
        assert client.get(f"/admin/executions/{model}/").status_code == 200, model
        assert client.get(f"/admin/executions/{model}/add/").status_code == 403, model


def test_history_entries_are_filtered_by_execution(client, staff_admin):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(staff_admin)

    response = client.get(f"/admin/executions/historyentry/?execution__id__exact={execution.pk}")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
