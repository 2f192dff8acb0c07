"""Django's makemessages with this project's choices, so `make messages` and the test that the
French catalogue is complete (tests/test_languages.py) extract the same strings.

- Tests, benchmarks and collected static files hold no text a visitor reads: skipped.
- References name the file only, not the line, so moving code does not rewrite the catalogue.
- Strings no longer in the code leave the catalogue rather than linger as obsolete entries.
"""

from django.core.management.commands import makemessages

NOT_USER_FACING = ["tests/*", "bench/*", "staticfiles/*", "node_modules/*", "docs/*", "var/*"]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *NOT_USER_FACING]
        options["add_location"] = "file"
        options["no_obsolete"] = True
        super().handle(*args, **options)
