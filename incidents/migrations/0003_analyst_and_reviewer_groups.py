"""The two roles of the workbench: analysts enter and submit; reviewers also publish and retract."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# (model, actions) an analyst may take. Deleting child rows is needed to correct an incident
# through its inlines; deleting incidents themselves is limited to drafts by IncidentAdmin.
ANALYST_PERMISSIONS = {
    "incident": ["view", "add", "change", "delete"],
    "casualty": ["view", "add", "change", "delete"],
    "citation": ["view", "add", "change", "delete"],
    "incidentactor": ["view", "add", "change", "delete"],
    "location": ["view", "add", "change"],
    "actor": ["view", "add", "change"],
    "actoralias": ["view", "add", "change", "delete"],
    "source": ["view", "add", "change"],
    "tactic": ["view", "add"],
    "country": ["view"],
    "adminarea": ["view", "add"],
    "eventtype": ["view"],
    "subeventtype": ["view"],
}
REVIEWER_EXTRA = ["publish_incident"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so that the
    # groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [
        f"{action}_{model}" for model, actions in ANALYST_PERMISSIONS.items() for action in actions
    ]
    analyst_permissions = list(
        Permission.objects.filter(content_type__app_label="incidents", codename__in=codenames)
    )
    if len(analyst_permissions) != len(codenames):
        raise RuntimeError("Some analyst permissions are missing; check ANALYST_PERMISSIONS.")
    reviewer_permissions = analyst_permissions + list(
        Permission.objects.filter(content_type__app_label="incidents", codename__in=REVIEWER_EXTRA)
    )
    analysts, _ = Group.objects.get_or_create(name="Analyst")
    analysts.permissions.set(analyst_permissions)
    reviewers, _ = Group.objects.get_or_create(name="Reviewer")
    reviewers.permissions.set(reviewer_permissions)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Analyst", "Reviewer"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_seed_taxonomy"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
