"""The Yandex Workflows gRPC API: `ExecutionService` and `WorkflowService` of
`yandex.cloud.serverless.workflows.v1`, on the servicer base classes and messages that the `yandexcloud` package
generates (no proto of ours), so the official SDK stubs work against it unchanged.

- `calls`: the boundary of every call (bearer token, request rates, roles, errors as gRPC status codes).
- `servicers`: one method per RPC over the same services, selectors, request readers and response mapping as
  the Yandex REST API (`executions.yandex_api`, `executions.yandex_mapping`).
- `server`: the `grpc.Server` with both services, health checking and reflection (`manage.py run_grpc`).

Needs the `grpc` extra (`pip install -e '.[grpc]'`); nothing else in the project imports this package.
"""
