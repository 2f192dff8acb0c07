from django.conf import settings
from django.core.management.base import BaseCommand

from incidents.demo import DEMO_PASSWORD, DEMO_USERS, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data: Mali and its regions, the founding report's three attacks "
        "(published) and the demo accounts. Running it again changes nothing. The demo "
        "accounts get the demo password only with DEBUG on (as `make run` sets it) or with "
        "--with-accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-accounts",
            action="store_true",
            help="Give the demo accounts the demo password even with DEBUG off (local use only).",
        )

    def handle(self, *args, **options):
        with_passwords = options["with_accounts"] or settings.DEBUG
        self.stdout.write(str(load_demo(with_passwords=with_passwords)))
        names = ", ".join(DEMO_USERS)
        if with_passwords:
            self.stdout.write(
                f"Demo accounts ({names}) log in at /admin/ with the password "
                f"{DEMO_PASSWORD!r}. This password is for local use only: anyone can read it "
                "in the code, so never give it to accounts on a server others can reach."
            )
        else:
            self.stdout.write(
                f"Demo accounts ({names}) have no demo password here (DEBUG is off and "
                "--with-accounts was not given). To log in with one, set its password: "
                f"python manage.py changepassword {next(iter(DEMO_USERS))}"
            )
