"""The pure engine's conformance table (tests/engine/conformance_*.py), run through the real Django shell.

Same cases, same expectations (status, result, error code and message, history shape, timers, the cases'
own checks), but each goes through the services, the database, the dispatcher, the real step handlers (a
local HTTP server, the function registry), the executor jobs and `scheduler.tick`. See ShellDriver.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from executions.engine.protocol import SetTimer
from tests.services.helpers_conformance import T0, ShellDriver, conformance_cases
from tests.services.helpers_integration import ScriptedServer, clean_function_registry

pytestmark = pytest.mark.django_db(transaction=True)

CASES = conformance_cases()

# Cases whose expectations the shell meets differently, on purpose; each says how and where that is tested.
SKIPPED = {
    "a_step_input_over_the_data_cap_fails": "the service refuses an execution input over WORKFLOWS_MAX_DATA_BYTES "
    "at start (InvalidInput, nothing created), before any step could fail: "
    "test_integration_limits.py::test_an_execution_input_over_the_data_cap_is_refused_at_start_and_nothing_is_created",
}


def _http_error_recorded(driver: ShellDriver) -> None:
    # The pure driver's fake writes "HTTP 503"; the real handler also names the host and the body.
    last_error = driver.record("a").last_error
    assert last_error is not None and last_error.code == "HTTP_CALL_503"
    assert last_error.message.startswith("HTTP 503 from 127.0.0.1")


# Checks that compare a fake's exact wording, replaced by the same check on the real handler's wording.
CHECKS = {"retries_back_off_exponentially": _http_error_recorded}


@pytest.fixture(scope="module")
def server():
    running = ScriptedServer().start()
    yield running
    running.stop()


@pytest.fixture
def shell_driver(request, server, settings, monkeypatch):
    with clean_function_registry():
        yield lambda case: ShellDriver(case, server=server, settings=settings, monkeypatch=monkeypatch)


def test_every_case_of_the_pure_table_runs_here_or_says_why_not():
    names = {case.name for case in CASES}
    assert len(CASES) >= 80
    assert set(SKIPPED) <= names
    assert set(CHECKS) <= names


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conformance_through_the_shell(case, shell_driver):
    if case.name in SKIPPED:
        pytest.skip(SKIPPED[case.name])
    driver = shell_driver(case)
    driver.start(case.input)
    if case.script is not None:
        case.script(driver)
    else:
        driver.settle()

    assert driver.status == case.status, driver.error
    if case.result is not _missing():
        assert driver.result == case.result
    if case.error is not None:
        assert driver.error is not None and driver.error.code == case.error, driver.error
    if case.message is not None:
        assert case.message in driver.error.message
    if case.history is not None:
        width = len(case.history[0]) if case.history else 2
        assert [row[:width] for row in driver.history()] == case.history
    if case.timers is not None:
        timers = [c.at for c in driver.commands if isinstance(c, SetTimer)]
        assert timers == [T0 + timedelta(seconds=s) for s in case.timers]
    check = CHECKS.get(case.name, case.check)
    if check is not None:
        check(driver)


def _missing():
    from conformance_helpers import MISSING

    return MISSING
