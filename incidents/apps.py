from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.backends.signals import connection_created


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from .folding import register_sqlite_function  # registers the fold lookups too

        connection_created.connect(register_sqlite_function)

        from .counts import finish_request, start_request  # the public data version's memo

        request_started.connect(start_request)
        request_finished.connect(finish_request)
