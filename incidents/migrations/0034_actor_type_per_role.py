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

from django.db import migrations, models


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
        migrations.AlterField(
            model_name='actor',
            name='actor_type',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'State forces'), (2, 'Rebel group'), (3, 'Political militia'), (4, 'Identity militia'), (5, 'Rioters'), (6, 'Protesters'), (7, 'Civilians'), (8, 'External/other forces'), (9, 'Non-state group, type not given')], help_text='ACLED inter code', null=True, verbose_name='actor type'),
        ),
        # Reversed first: the actors without a type get one before NOT NULL is restored.
        migrations.RunPython(migrations.RunPython.noop, type_untyped_actors, elidable=True),
    ]
