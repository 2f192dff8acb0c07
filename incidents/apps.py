from django.apps import AppConfig
from django.db.backends.signals import connection_created


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from .folding import register_sqlite_function  # registers the fold lookups too

        connection_created.connect(register_sqlite_function)
