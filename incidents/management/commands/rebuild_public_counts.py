from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from incidents import counts


class Command(BaseCommand):
    help = (
        "Count the published incidents' summary tables (by day, month and year, and on "
        "PostgreSQL per actor and per set of actors) again from the incidents, in one "
        "transaction. The database's triggers keep them exact on every "
        "write; this is for after a restore of the incidents alone, or to check them "
        "(--check: report differences, change nothing, exit 1 if any)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare the tables with a recount; exit with status 1 if they differ.",
        )

    def handle(self, *args, **options):
        if options["check"]:
            found = counts.differences()
            if connection.vendor == "postgresql":
                found += counts.actor_count_differences()
            for table, key, kept, recounted in found[:20]:
                self.stdout.write(f"{table} {key}: kept {kept}, recounted {recounted}")
            if found:
                raise CommandError(f"{len(found)} count rows differ from a recount.")
            self.stdout.write("The count tables match a recount of the published incidents.")
            return
        counts.rebuild()
        self.stdout.write("The count tables were rebuilt from the published incidents.")
