from django.apps import AppConfig
from django.apps import apps as global_apps
from django.core.signals import request_finished, request_started
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from .folding import register_sqlite_function  # registers the fold lookups too

        connection_created.connect(register_sqlite_function)

        from .counts import finish_request, start_request  # the public data version's memo

        request_started.connect(start_request)
        request_finished.connect(finish_request)

        post_migrate.connect(empty_counts_of_an_empty_database, sender=self)
        post_migrate.connect(new_release_renders_pages_again, sender=self)


COUNT_MODELS = ("PublicIncidentDay", "PublicIncidentMonth", "PublicIncidentYear")


def empty_counts_of_an_empty_database(sender, using, apps=global_apps, **kwargs):
    """After `manage.py flush` (which sends post_migrate, as do Django's transactional tests
    between tests): without incidents, no count may remain. On SQLite a flush empties the
    tables one by one in no fixed order, so the incidents' delete triggers may run after their
    places or the count tables are gone and leave counts of incidents that no longer exist."""
    # `apps` is the migrations' state after migrate, the real registry after flush.
    try:
        incidents = apps.get_model("incidents", "Incident")
        counts = [apps.get_model("incidents", name) for name in COUNT_MODELS]
    except LookupError:  # migrated back to before the count tables
        return
    if not incidents.objects.using(using).exists():
        for model in counts:
            model.objects.using(using).all().delete()


def new_release_renders_pages_again(sender, using, apps=global_apps, **kwargs):
    """After `migrate`, which each release runs (docs/deployment.md): move the public data
    version on. Kept pages (config/page_cache.py) are keyed by the data version, not by the
    code that rendered them, and a page still asked for is kept on; without this, the pages
    the release before rendered would be served by the new one, with its old templates and
    links (a cursor of the list's old order, say), until the next publication."""
    from django.db import connections

    from .counts import next_data_version

    try:
        apps.get_model("incidents", "PublicDataVersion")
    except LookupError:  # migrated back to before the data version
        return
    with connections[using].cursor() as cursor:
        next_data_version(cursor)
