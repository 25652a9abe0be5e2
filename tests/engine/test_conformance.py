"""Table-driven conformance through the pure driver; plain specs must also pass the official schema."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml
from conformance_flow import CASES as FLOW_CASES
from conformance_helpers import MISSING, Case
from conformance_integration import CASES as INTEGRATION_CASES
from conformance_nested import CASES as NESTED_CASES
from driver import T0, Driver

from executions.engine.protocol import SetTimer

CASES = FLOW_CASES + INTEGRATION_CASES + NESTED_CASES
SCHEMA_PATH = Path("/work/shared/reference/yawl.schema.json")


def test_the_table_is_large_and_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) >= 80
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conformance(case: Case):
    driver = Driver.of(
        case.spec,
        functions=case.functions,
        http=case.http,
        workflows=case.workflows,
        limits=case.limits,
        secrets=case.secrets.get if case.secrets is not None else None,
    )
    driver.start(case.input)
    if case.script is not None:
        case.script(driver)
    else:
        driver.settle()
    assert driver.status == case.status, driver.error
    if case.result is not MISSING:
        assert driver.result == case.result
    if case.error is not None:
        assert driver.error is not None and driver.error.code == case.error, driver.error
    if case.message is not None:
        assert case.message in driver.error.message
    if case.history is not None:
        assert _history(driver, case.history) == case.history
    if case.timers is not None:
        timers = [c.at for c in driver.commands if isinstance(c, SetTimer)]
        assert timers == [T0 + timedelta(seconds=s) for s in case.timers]
    if case.check is not None:
        case.check(driver)


def _history(driver: Driver, expected: list[tuple]) -> list[tuple]:
    width = len(expected[0]) if expected else 2
    return [entry[:width] for entry in driver.history()]


@pytest.fixture(scope="module")
def official_schema():
    if not SCHEMA_PATH.exists():
        pytest.skip("the official schema is not beside this checkout")
    return json.loads(SCHEMA_PATH.read_text())


@pytest.mark.parametrize("case", [c for c in CASES if not c.ext], ids=lambda c: c.name)
def test_plain_specs_validate_against_the_official_schema(case: Case, official_schema):
    jsonschema.Draft4Validator(official_schema).validate(yaml.safe_load(case.spec))
