"""Create the viewer, operator and admin groups with their permissions (see executions.permissions)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "viewer": ["view_workflow", "view_workflowrevision", "view_execution", "view_historyentry", "view_auditevent"],
    "operator": ["operate_execution"],
    "admin": ["add_workflow", "change_workflow", "delete_workflow", "add_apitoken", "change_apitoken"],
}
ROLE_ORDER = ["viewer", "operator", "admin"]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    granted: list[str] = []
    for role in ROLE_ORDER:
        granted = granted + ROLE_PERMISSIONS[role]
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(content_type__app_label="executions", codename__in=granted))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_ORDER).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("executions", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
