"""Seed the ACLED event taxonomy and the common "nature of attack" tags."""

from django.db import migrations

# The taxonomy module is the single definition; update_or_create keeps this migration correct
# when a later migration extends the taxonomy.
from incidents.taxonomy import EVENT_TYPES, TACTICS


def seed(apps, schema_editor):
    EventType = apps.get_model("incidents", "EventType")
    SubEventType = apps.get_model("incidents", "SubEventType")
    Tactic = apps.get_model("incidents", "Tactic")
    for code, (name, sub_types) in EVENT_TYPES.items():
        event_type, _ = EventType.objects.update_or_create(code=code, defaults={"name": name})
        for sub_code, sub_name in sub_types:
            SubEventType.objects.update_or_create(
                code=sub_code, defaults={"name": sub_name, "event_type": event_type}
            )
    for name in TACTICS:
        Tactic.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
