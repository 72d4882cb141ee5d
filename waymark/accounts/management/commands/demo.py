"""`manage.py demo` (also `waymark demo`): load the demo world and say how to sign in."""

from typing import Any

from django.core.management.base import BaseCommand

from waymark.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, PEOPLE, demo_load
from waymark.cases.demo import demo_cases_load
from waymark.crime.demo import demo_crime_load
from waymark.funding.demo import demo_funding_load
from waymark.victims_code.demo import demo_code_load


class Command(BaseCommand):
    help = "Create the demo organisations, services, teams and one user per role (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo users.")

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo_load()
        summary = ", ".join(f"{n} {k}" for k, n in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded (created: {summary})."))
        casework = ", ".join(f"{n} {k}" for k, n in demo_cases_load().items())
        self.stdout.write(self.style.SUCCESS(f"Demo casework loaded (created: {casework})."))
        demo_crime_load(self.stdout)
        demo_code_load(self.stdout)
        demo_funding_load(self.stdout)
        if options["quiet"]:
            return
        self.stdout.write("\nDemo users (all with the same password and authenticator secret):")
        for person in PEOPLE:
            self.stdout.write(f"  {person.email:<40} {person.role:<18} {person.organisation}")
        self.stdout.write(f"\n  Password:             {DEMO_PASSWORD}")
        self.stdout.write(f"  Authenticator secret: {DEMO_TOTP_SECRET}")
        self.stdout.write(
            "  Current code:         run `.venv/bin/waymark demo_code` (or add the secret to an app)"
        )
