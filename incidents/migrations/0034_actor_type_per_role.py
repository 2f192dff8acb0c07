"""The ACLED inter code a row gives each actor, kept on the role (ACLED codes it per event),
and an actor's own type may be empty (one first met as an associated actor, whom ACLED gives
no code).

Both are cheap on a million roles: a nullable column without a default is added to the
catalogue only on PostgreSQL (11+), and dropping NOT NULL rewrites nothing. Nothing is
backfilled: an empty role type reads as the actor's type, which is what every role said
before; a re-import of an ACLED file fills them in.

Backwards, an actor without a type gets 8 (External/other forces), which is what an import
gave a new actor without one before this migration, so that NOT NULL holds again.
"""

import importlib

from django.db import migrations, models

# On SQLite, changing a column of incidents_actor remakes the table, which drops the triggers on
# it: the data version's (migration 0026) are taken off first and installed again after, as 0026
# wrote them (as 0024 does for the count triggers on incidents_location).
VERSION = importlib.import_module("incidents.migrations.0026_public_data_version_covers_pages")


def actor_version_triggers():
    return {
        name: (when, body)
        for name, (when, body) in VERSION.sqlite_triggers().items()
        if when.endswith(" ON incidents_actor")
    }


def remove_actor_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in actor_version_triggers():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def install_actor_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name, (when, body) in actor_version_triggers().items():
            schema_editor.execute(f"CREATE TRIGGER {name} {when} BEGIN\n{body}\nEND")


def type_untyped_actors(apps, schema_editor):
    apps.get_model("incidents", "Actor").objects.filter(actor_type__isnull=True).update(
        actor_type=8
    )


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0033_import_run_warnings'),
    ]

    operations = [
        migrations.AddField(
            model_name='incidentactor',
            name='actor_type',
            field=models.SmallIntegerField(blank=True, choices=[(1, 'State forces'), (2, 'Rebel group'), (3, 'Political militia'), (4, 'Identity militia'), (5, 'Rioters'), (6, 'Protesters'), (7, 'Civilians'), (8, 'External/other forces'), (9, 'Non-state group, type not given')], help_text="ACLED inter code the event gives this actor; empty: the actor's type", null=True, verbose_name='type in this incident'),
        ),
        migrations.RunPython(remove_actor_triggers, install_actor_triggers),
        migrations.AlterField(
            model_name='actor',
            name='actor_type',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'State forces'), (2, 'Rebel group'), (3, 'Political militia'), (4, 'Identity militia'), (5, 'Rioters'), (6, 'Protesters'), (7, 'Civilians'), (8, 'External/other forces'), (9, 'Non-state group, type not given')], help_text='ACLED inter code', null=True, verbose_name='actor type'),
        ),
        migrations.RunPython(install_actor_triggers, remove_actor_triggers),
        # Reversed first: the actors without a type get one before NOT NULL is restored.
        migrations.RunPython(migrations.RunPython.noop, type_untyped_actors, elidable=True),
    ]
