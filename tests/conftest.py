"""Shared fixtures: users in each role, workflows made through the services, an inline executor.

The inline executor runs engine work in the calling thread right after commit, so a test that starts an
execution through a page or the API sees it progress without waiting on threads. Tests that need that use
`pytest.mark.django_db(transaction=True)`: on_commit callbacks only run on a real commit.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from executions import services
from executions.actors import Actor
from executions.permissions import ensure_roles

FINISHING_SPEC = """\
yawl: "0.1"
start: hello
steps:
  hello:
    noOp:
      output: '\\({greeting: ("Hello, " + .name)})'
      next: done
  done:
    success: {}
"""

FAILING_SPEC = """\
yawl: "0.1"
start: check
steps:
  check:
    fail:
      errorMessage: 'order \\(.order_id) is invalid'
"""

WAITING_SPEC = """\
yawl: "0.1"
start: nap
steps:
  nap:
    wait:
      duration: 30s
      next: after
  after:
    noOp:
      output: '\\({woke: true})'
"""


@pytest.fixture(autouse=True)
def _inline_executor(settings):
    settings.WORKFLOWS_EXECUTOR = "inline"


@pytest.fixture(autouse=True)
def _role_groups(request) -> None:
    """Make sure the role groups exist for every test that uses the database.

    Migration 0002 creates them, but the flush after each transactional test deletes every row (post_migrate
    re-creates permissions, not groups), so a later test would find none. serialized_rollback is not used:
    mixed with plain transactional tests in one run, its restore collides with re-created content types.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    elif not {"db", "transactional_db"} & set(request.fixturenames):
        return
    ensure_roles()


def make_user(username: str, role: str | None = None, password: str = "pw-for-tests-123") -> User:
    user = User.objects.create_user(username=username, password=password)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def actor_for(user: User, source: str = "api") -> Actor:
    return Actor.for_user(user, source=source)


def make_workflow(name: str = "greeter", spec: str = FINISHING_SPEC, *, user: User | None = None):
    actor = actor_for(user, "cli") if user else Actor(label="test", source="cli")
    return services.workflow_create(actor=actor, name=name, yaml_text=spec)


@pytest.fixture
def operator(db) -> User:
    return make_user("olga", "operator")


@pytest.fixture
def viewer(db) -> User:
    return make_user("victor", "viewer")


@pytest.fixture
def admin_user(db) -> User:
    return make_user("ada", "admin")


@pytest.fixture
def outsider(db) -> User:
    """Logged in, but in no role: may see nothing."""
    return make_user("oscar")
