"""Load the demo workflows and create the demo accounts (idempotent: run it as often as you like)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from executions import services
from executions.actors import Actor
from executions.demo import DEMO_WORKFLOWS
from executions.models import Workflow

DEMO_ACCOUNTS = [
    # username, password, role, is_staff
    ("operator", "operator-demo", "operator", False),
    ("admin", "admin-demo", "admin", True),
    ("viewer", "viewer-demo", "viewer", False),
]


class Command(BaseCommand):
    help = "Create the demo workflows and the operator, admin and viewer demo accounts, and print how to log in."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        actor = Actor(label="system:demo", source="cli")
        for item in DEMO_WORKFLOWS:
            workflow = Workflow.objects.filter(name=item["name"]).first()
            if workflow is None:
                services.workflow_create(
                    actor=actor, name=item["name"], yaml_text=item["spec"], description=item["description"]
                )
            elif (workflow.current_revision.yaml_text, workflow.description) != (
                item["spec"],
                item["description"],
            ):
                services.workflow_update(
                    actor=actor, workflow=workflow, yaml_text=item["spec"], description=item["description"]
                )
            self.stdout.write(f"workflow {item['name']}: ready")
        for username, password, role, is_staff in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = user.is_superuser = is_staff
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        self.stdout.write(self.style.SUCCESS("Demo loaded. Log in at http://127.0.0.1:8000/ with"))
        for username, password, role, _ in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<9} username {username!r:<11} password {password!r}")
