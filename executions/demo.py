"""Example workflows loaded by `manage.py load_demo`."""

from __future__ import annotations

DEMO_WORKFLOWS: list[dict[str, str]] = [
    {
        "name": "greet-customer",
        "description": "Greets a customer by name, choosing the tone by their tier; finishes in a moment.",
        "spec": """\
yawl: "0.1"
start: pick_tone
steps:
  pick_tone:
    title: Pick the tone
    switch:
      choices:
        - condition: .tier == "gold"
          next: warm
      default:
        next: plain
  warm:
    title: Warm greeting
    noOp:
      output: '\\({greeting: ("Welcome back, dear " + (.name // "friend") + "!")})'
      next: done
  plain:
    title: Plain greeting
    noOp:
      output: '\\({greeting: ("Hello, " + (.name // "friend") + ".")})'
      next: done
  done:
    success: {}
""",
        "input": '{"name": "Ada", "tier": "gold"}',
    },
    {
        "name": "validate-order",
        "description": "Rejects an order without items with a clear error (fails on purpose with the demo input).",
        "spec": """\
yawl: "0.1"
start: has_items
steps:
  has_items:
    title: Does the order have items?
    switch:
      choices:
        - condition: (.items // []) | length > 0
          next: accept
      default:
        next: reject
  accept:
    noOp:
      output: '\\({accepted: .order_id})'
  reject:
    title: Reject the order
    fail:
      errorMessage: 'order \\(.order_id) has no items'
""",
        "input": '{"order_id": "A-1001", "items": []}',
    },
    {
        "name": "wait-then-report",
        "description": "Waits 30 seconds (a durable timer) before reporting: long enough to try Stop.",
        "spec": """\
yawl: "0.1"
start: nap
steps:
  nap:
    title: Wait 30 seconds
    wait:
      duration: 30s
      next: report
  report:
    title: Report
    noOp:
      output: '\\({report: ("waited for " + (.input.who // "nobody"))})'
""",
        "input": '{"who": "the operator"}',
    },
    {
        "name": "process-orders",
        "description": "Totals each order in parallel with a short wait, then an audit step that retries and is "
        "caught: a nested timeline to look at.",
        "spec": """\
yawl: "0.1"
start: fan_out
steps:
  fan_out:
    title: Check every order
    parallel:
      branches:
        totals:
          start: each_order
          steps:
            each_order:
              title: Total each order
              foreach:
                input: '\\(.orders)'
                output: '\\({totals: .})'
                concurrency: 2
                do:
                  start: add_up
                  steps:
                    add_up:
                      title: Add up the items
                      functionCall:
                        functionId: sum
                        input: '\\({numbers: .items})'
        settle:
          start: settle_down
          steps:
            settle_down:
              title: Let things settle
              wait:
                duration: 2s
      next: audit
  audit:
    title: Audit (fails, retried, caught)
    functionCall:
      functionId: sum
      input: '\\({numbers: "not a list"})'
      retryPolicy:
        errorList: [STEP_INVALID_ARGUMENT]
        retryCount: 2
        initialDelay: 0.5s
        maxDelay: 1s
      catch:
        - errorList: [STEP_INVALID_ARGUMENT]
          next: report
  report:
    title: Report
    noOp:
      output: '\\({report: "checked"})'
""",
        "input": '{"orders": [{"id": "A-1", "items": [3, 4]}, {"id": "A-2", "items": [10]}, '
        '{"id": "A-3", "items": [1, 2]}]}',
    },
]
