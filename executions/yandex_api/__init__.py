"""The Yandex Workflows API (ExecutionService, WorkflowService) over REST, in proto3 JSON.

`views` and `errors` are the DRF adapter; `requests`, `messages`, `filters`, `pages` and `operations` hold no
DRF, so the gRPC servicers can share them with `executions.yandex_mapping`.
"""
