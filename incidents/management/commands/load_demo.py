from django.core.management.base import BaseCommand

from incidents.demo import DEMO_PASSWORD, DEMO_USERS, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data: Mali and its regions, the founding report's three attacks "
        "(published) and the demo accounts. Running it again changes nothing."
    )

    def handle(self, *args, **options):
        self.stdout.write(str(load_demo()))
        names = ", ".join(DEMO_USERS)
        self.stdout.write(
            f"Demo accounts ({names}) log in at /admin/ with the password {DEMO_PASSWORD!r}."
        )
