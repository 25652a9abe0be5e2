from __future__ import annotations

from driver import Driver


def test_it_finishes_a_noop():
    d = Driver.of("yawl: \"0.1\"\nstart: a\nsteps:\n  a: {noOp: {output: '\\({x: 1})'}}\n").run({})
    assert d.status == "FINISHED"
    assert d.result == {"x": 1}
